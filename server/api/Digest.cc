#include "server/api/Digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace detcd::server::api {

namespace {
std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
    throw std::runtime_error("OpenSSL EVP_Digest failed");
  }
  return std::string(out, out + len);
}
}  // namespace

std::string sha1(std::string_view data) { return digest(EVP_sha1(), data); }

std::string sha256(std::string_view data) { return digest(EVP_sha256(), data); }

}  // namespace detcd::server::api
