#include "sim/Host.h"

#include <fmt/format.h>

#include <cassert>

namespace detcd::sim {

class Host::Endpoint final : public env::Transport {
 public:
  explicit Endpoint(Host& host) : host_(host) {}
  env::NodeId self() const override { return host_.id_; }
  void send(env::NodeId to, std::string payload) override {
    // A process being torn down by a crash sends nothing.
    if (host_.loop_.state() != NodeState::kRunning) return;
    host_.ctx_.network.send(host_.id_, to, std::move(payload), host_.loop_.now());
  }
  void setReceiver(Receiver receiver) override { receiver_ = std::move(receiver); }

  Receiver receiver_;

 private:
  Host& host_;
};

class Host::Tracer final : public env::Tracer {
 public:
  explicit Tracer(Host& host) : host_(host) {}
  void event(std::string_view kind, std::initializer_list<env::TraceField> fields) override {
    host_.ctx_.trace.record(host_.loop_.now(), host_.id_, kind, fields);
  }

 private:
  Host& host_;
};

class Host::Buggify final : public env::Buggify {
 public:
  explicit Buggify(Host& host) : host_(host) {}
  bool fire(std::string_view point) override {
    return host_.ctx_.buggify.fire(point, host_.id_, host_.loop_.now());
  }

 private:
  Host& host_;
};

Host::Host(HostContext context, env::NodeId id, ProcessFactory factory, const HostOptions& options)
    : ctx_(context),
      id_(id),
      factory_(std::move(factory)),
      loop_(ctx_.scheduler),
      clock_(ctx_.scheduler, loop_, &ctx_.trace, id, options.clockOffset, options.clockDriftPpm),
      disk_(id, ctx_.seeds.stream(fmt::format("disk/{}", id)), ctx_.trace, loop_),
      endpoint_(std::make_unique<Endpoint>(*this)),
      tracer_(std::make_unique<Tracer>(*this)),
      buggify_(std::make_unique<Buggify>(*this)) {
  assert(id != 0 && "node id 0 means the simulator itself");
  disk_.setFaults(options.disk);
  disk_.setCrashMode(options.crashMode);
}

Host::~Host() {
  // Tear down the process before the seams it holds references to.
  process_.reset();
}

void Host::start() {
  assert(loop_.state() == NodeState::kDown);
  loop_.start();
  disk_.powerOn();
  const std::uint64_t seed =
      ctx_.seeds.seedFor(fmt::format("node/{}/incarnation/{}", id_, loop_.incarnation()));
  env_ = std::make_unique<env::Env>(
      env::Env{clock_, *endpoint_, disk_, *tracer_, *buggify_, seed});
  ctx_.trace.record(ctx_.scheduler.now(), id_, "start", {{"incarnation", loop_.incarnation()}});
  loop_.runHandler([this] { process_ = factory_(*env_); });
}

CrashMode Host::crash() {
  assert(loop_.state() != NodeState::kDown);
  ctx_.trace.record(ctx_.scheduler.now(), id_, "crash", {{"incarnation", loop_.incarnation()}});
  loop_.crash();
  const CrashMode mode = disk_.crash();
  endpoint_->receiver_ = nullptr;
  process_.reset();
  clock_.cancelAll();  // the process's timers, and any its destructor set
  return mode;
}

void Host::pause() {
  ctx_.trace.record(ctx_.scheduler.now(), id_, "pause");
  loop_.pause();
}

void Host::resume() {
  ctx_.trace.record(ctx_.scheduler.now(), id_, "resume");
  loop_.resume();
}

void Host::deliver(env::NodeId from, std::string payload) {
  receive(loop_.incarnation(), from, std::move(payload));
}

void Host::receive(std::uint64_t incarnation, env::NodeId from, std::string payload) {
  switch (loop_.admit(incarnation)) {
    case NodeLoop::Admission::kRun:
      ctx_.trace.record(ctx_.scheduler.now(), id_, "deliver",
                        {{"from", from}, {"bytes", std::uint64_t{payload.size()}}});
      if (endpoint_->receiver_) {
        loop_.runHandler([&] { endpoint_->receiver_(from, std::move(payload)); });
      }
      break;
    case NodeLoop::Admission::kWait:
      loop_.defer([this, incarnation, from, p = std::move(payload)]() mutable {
        receive(incarnation, from, std::move(p));
      });
      break;
    case NodeLoop::Admission::kDrop:
      ctx_.trace.record(ctx_.scheduler.now(), from, "drop",
                        {{"to", id_}, {"bytes", std::uint64_t{payload.size()}},
                         {"reason", "node-down"}});
      break;
  }
}

}  // namespace detcd::sim
