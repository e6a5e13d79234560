#include "bench/loadgen/LoadRunner.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "proto/rpc.grpc.pb.h"

namespace detcd::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

// One closed-loop client. Its callbacks run one at a time (one request in flight), so its
// fields need no lock.
struct Client {
  etcdserverpb::KV::Stub* stub = nullptr;
  std::mt19937_64 rng;
  etcdserverpb::PutRequest put;
  etcdserverpb::PutResponse putResponse;
  etcdserverpb::RangeRequest range;
  etcdserverpb::RangeResponse rangeResponse;
  // A ClientContext serves one call and must outlive its callback; the next call takes the
  // other slot, so a context is destroyed only once its call's callback has returned.
  std::unique_ptr<grpc::ClientContext> contexts[2];
  unsigned calls = 0;
  Clock::time_point sent;
  std::vector<double> latenciesMs;
  size_t errors = 0;
};

class Engine {
 public:
  Engine(const LoadOptions& options, const Workload& workload)
      : options_(options), workload_(workload) {}

  void run(std::vector<Client>& clients) {
    running_ = static_cast<int>(clients.size());
    for (auto& client : clients) issue(client);
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return running_ == 0; });
  }

  /// The first non-OK status message; call after run().
  const std::string& firstError() const { return firstError_; }

 private:
  void issue(Client& client) {
    int64_t n = issued_.fetch_add(1);
    if (n >= options_.total) {
      std::lock_guard lock(mu_);
      if (--running_ == 0) cv_.notify_all();
      return;
    }
    auto& context = client.contexts[client.calls++ % 2];
    context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + options_.requestTimeout);
    client.sent = Clock::now();
    auto done = [this, &client](const grpc::Status& status) { complete(client, status); };
    if (workload_.kind == Workload::Kind::kPut) {
      int64_t keyNumber = workload_.sequentialKeys
                              ? n % workload_.keySpaceSize
                              : static_cast<int64_t>(client.rng() %
                                                     static_cast<uint64_t>(workload_.keySpaceSize));
      client.put.set_key(keyFor(keyNumber, workload_.keySize));
      client.stub->async()->Put(context.get(), &client.put, &client.putResponse, done);
    } else {
      client.stub->async()->Range(context.get(), &client.range, &client.rangeResponse, done);
    }
  }

  void complete(Client& client, const grpc::Status& status) {
    if (status.ok()) {
      client.latenciesMs.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - client.sent).count());
    } else {
      ++client.errors;
      std::lock_guard lock(mu_);
      if (firstError_.empty()) firstError_ = status.error_message();
    }
    issue(client);
  }

  const LoadOptions& options_;
  const Workload& workload_;
  std::atomic<int64_t> issued_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;         // guarded by mu_
  std::string firstError_;  // guarded by mu_
};

}  // namespace

std::string keyFor(int64_t n, int keySize) {
  std::string key(static_cast<size_t>(keySize), '\0');
  auto value = static_cast<uint64_t>(n);
  for (char& byte : key) {
    byte = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return key;
}

Summary runLoad(const LoadOptions& options, const Workload& workload) {
  if (options.endpoints.empty() || options.conns < 1 || options.clients < 1) {
    throw std::invalid_argument("need at least one endpoint, connection and client");
  }
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs;
  for (int j = 0; j < options.conns; ++j) {
    const std::string& endpoint = options.endpoints[static_cast<size_t>(j) %
                                                    options.endpoints.size()];
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // its own TCP connection
    auto channel = grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + options.connectTimeout)) {
      throw std::runtime_error(fmt::format("cannot connect to {}", endpoint));
    }
    stubs.push_back(etcdserverpb::KV::NewStub(channel));
  }
  std::vector<Client> clients(static_cast<size_t>(options.clients));
  std::mt19937_64 valueRng(workload.seed);
  std::string value(static_cast<size_t>(workload.valueSize), '\0');
  for (char& byte : value) byte = static_cast<char>(valueRng() & 0xff);
  for (size_t i = 0; i < clients.size(); ++i) {
    Client& client = clients[i];
    client.stub = stubs[i % stubs.size()].get();
    client.rng.seed(workload.seed + i + 1);
    client.put.set_value(value);
    client.range.set_key(workload.key);
    client.range.set_range_end(workload.rangeEnd);
    client.range.set_serializable(workload.serializable);
    client.latenciesMs.reserve(static_cast<size_t>(options.total / options.clients + 1));
  }
  Engine engine(options, workload);
  auto start = Clock::now();
  engine.run(clients);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> latencies;
  size_t errors = 0;
  for (auto& client : clients) {
    latencies.insert(latencies.end(), client.latenciesMs.begin(), client.latenciesMs.end());
    errors += client.errors;
  }
  Summary summary = summarize(latencies, errors, seconds);
  summary.firstError = engine.firstError();
  return summary;
}

}  // namespace detcd::loadgen
