#include "server/api/Urls.h"

#include <gtest/gtest.h>

namespace detcd::server::api {
namespace {

TEST(UrlsTest, ParsesEtcdStyleLists) {
  std::string error;
  auto urls = parseUrls("http://127.0.0.1:2379,http://localhost:22379/", &error);
  ASSERT_TRUE(urls) << error;
  ASSERT_EQ(urls->size(), 2u);
  EXPECT_EQ((*urls)[0].hostPort(), "127.0.0.1:2379");
  EXPECT_EQ((*urls)[1].str(), "http://localhost:22379");
  auto v6 = parseUrl("http://[::1]:2379", &error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->host, "[::1]");
}

TEST(UrlsTest, RejectsWhatEtcdWouldNotServeWithAReason) {
  std::string error;
  EXPECT_FALSE(parseUrl("127.0.0.1:2379", &error));
  EXPECT_NE(error.find("missing scheme"), std::string::npos);
  EXPECT_FALSE(parseUrl("https://a:1", &error));
  EXPECT_NE(error.find("plain http only"), std::string::npos);
  EXPECT_FALSE(parseUrl("http://a", &error));
  EXPECT_NE(error.find("missing port"), std::string::npos);
  EXPECT_FALSE(parseUrl("http://a:99999", &error));
  EXPECT_NE(error.find("bad port"), std::string::npos);
  EXPECT_FALSE(parseUrl("http://a:1/path", &error));
  EXPECT_FALSE(parseUrls("", &error));
  EXPECT_FALSE(parseUrls("http://a:1,nope", &error));
  EXPECT_NE(error.find("\"nope\""), std::string::npos);
}

}  // namespace
}  // namespace detcd::server::api
