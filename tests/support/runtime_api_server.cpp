// RuntimeApiServer: an acceptor thread and a thread per connection, synchronous Beast;
// `next` waits on a condition variable for a queued event.
#include "support/runtime_api_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace offers::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

class RuntimeApiServer::Impl {
 public:
  Impl() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    acceptThread_ = std::thread([this] { acceptLoop(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      // Shut down, not closed: a connection's thread may be reading the socket now (a
      // socket object is not for two threads at once); it is closed when that thread ends.
      for (auto& s : sockets_) {
        boost::system::error_code ignored;
        s->shutdown(tcp::socket::shutdown_both, ignored);
      }
    }
    changed_.notify_all();
    // A blocking accept does not notice the acceptor closing: one last connection wakes it.
    boost::system::error_code ignored;
    tcp::socket wake(ioc_);
    wake.connect({asio::ip::make_address("127.0.0.1"), port_}, ignored);
    acceptThread_.join();
    acceptor_.close(ignored);
    for (auto& t : connections_) t.join();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  std::string invoke(std::string event, std::chrono::milliseconds budget) {
    std::lock_guard lock(mutex_);
    const std::string id = "req-" + std::to_string(++invoked_);
    const auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                              (std::chrono::system_clock::now() + budget).time_since_epoch())
                              .count();
    traces_[id] = "Root=1-5759e988-bd862e3fe1be46a99427" + std::to_string(invoked_);
    queue_.push_back({id, std::move(event), deadline});
    changed_.notify_all();
    return id;
  }

  std::optional<LambdaResult> result(const std::string& id, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return results_.contains(id); });
    auto found = results_.find(id);
    if (found == results_.end()) return std::nullopt;
    return found->second;
  }

  std::optional<LambdaResult> initError(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return initError_.has_value(); });
    return initError_;
  }

  std::string traceIdOf(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto found = traces_.find(id);
    return found == traces_.end() ? std::string() : found->second;
  }

 private:
  struct Queued {
    std::string id;
    std::string event;
    std::int64_t deadlineMs;
  };

  void acceptLoop() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      std::lock_guard lock(mutex_);
      if (ec || stopping_) return;
      sockets_.push_back(socket);
      connections_.emplace_back([this, socket] { serve(*socket); });
    }
  }

  void serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) return;
      http::response<http::string_body> response{http::status::accepted, request.version()};
      const std::string target(request.target());
      const std::string prefix = "/2018-06-01/runtime/";
      if (request.method() == http::verb::get && target == prefix + "invocation/next") {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        auto next = std::move(queue_.front());
        queue_.pop_front();
        response.result(http::status::ok);
        response.set("Lambda-Runtime-Aws-Request-Id", next.id);
        response.set("Lambda-Runtime-Deadline-Ms", std::to_string(next.deadlineMs));
        response.set("Lambda-Runtime-Trace-Id", traces_[next.id]);
        response.set("Lambda-Runtime-Invoked-Function-Arn",
                     "arn:aws:lambda:us-east-1:123456789012:function:offers-api");
        response.body() = std::move(next.event);
      } else if (request.method() == http::verb::post &&
                 target.starts_with(prefix + "invocation/")) {
        const auto rest = target.substr((prefix + "invocation/").size());
        const auto slash = rest.find('/');
        const std::string id = rest.substr(0, slash);
        const std::string what = slash == std::string::npos ? "" : rest.substr(slash + 1);
        LambdaResult r{what == "response", request.body(),
                       std::string(request["Lambda-Runtime-Function-Error-Type"])};
        if (what != "response" && what != "error") {
          response.result(http::status::not_found);
        } else {
          std::lock_guard lock(mutex_);
          results_[id] = std::move(r);
          changed_.notify_all();
        }
      } else if (request.method() == http::verb::post && target == prefix + "init/error") {
        std::lock_guard lock(mutex_);
        initError_ = LambdaResult{false, request.body(),
                                  std::string(request["Lambda-Runtime-Function-Error-Type"])};
        changed_.notify_all();
      } else {
        response.result(http::status::not_found);
      }
      response.set(http::field::content_type, "application/json");
      response.prepare_payload();
      http::write(socket, response, ec);
      if (ec) return;
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::deque<Queued> queue_;
  std::map<std::string, LambdaResult> results_;
  std::map<std::string, std::string> traces_;
  std::optional<LambdaResult> initError_;
  int invoked_ = 0;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> connections_;
  std::thread acceptThread_;
};

RuntimeApiServer::RuntimeApiServer() : impl_(std::make_unique<Impl>()) {}
RuntimeApiServer::~RuntimeApiServer() = default;
std::string RuntimeApiServer::address() const {
  return impl_->address();
}
std::string RuntimeApiServer::invoke(std::string event, std::chrono::milliseconds budget) {
  return impl_->invoke(std::move(event), budget);
}
std::optional<LambdaResult> RuntimeApiServer::result(const std::string& requestId,
                                                     std::chrono::milliseconds timeout) {
  return impl_->result(requestId, timeout);
}
std::optional<LambdaResult> RuntimeApiServer::initError(std::chrono::milliseconds timeout) {
  return impl_->initError(timeout);
}
std::string RuntimeApiServer::traceIdOf(const std::string& requestId) const {
  return impl_->traceIdOf(requestId);
}

}  // namespace offers::testing
