// LoopbackHttpServer: one io_context on one thread, a coroutine per connection, so a reply
// held back by a delay (an asynchronous timer) never holds up another connection.
#include "support/loopback_http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace offers::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string ReceivedRequest::header(std::string_view name) const {
  auto found = headers.find(lower(name));
  return found == headers.end() ? std::string() : found->second;
}

class LoopbackHttpServer::Impl {
 public:
  Impl() {
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, acceptLoop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~Impl() {
    ioc_.stop();
    thread_.join();
  }

  unsigned short port() const { return port_; }

  void respondWith(Responder responder) {
    std::lock_guard lock(mutex_);
    responder_ = std::move(responder);
  }

  bool waitFor(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  asio::awaitable<void> acceptLoop() {
    for (std::size_t connection = 0;; ++connection) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
      if (ec) co_return;
      asio::co_spawn(ioc_, session(std::move(socket), connection), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket, std::size_t connection) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
      if (ec) break;
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> proceed{http::status::continue_, 11};
        std::tie(ec, n) = co_await http::async_write(stream, proceed, use_nothrow);
        if (ec) break;
      }
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, use_nothrow);
      if (ec) break;
      http::request<http::string_body> request = parser.release();

      const ScriptedReply reply = record(request, connection);
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(ioc_, reply.delay);
        co_await timer.async_wait(use_nothrow);
      }
      http::response<http::string_body> response;
      response.version(request.version());
      response.result(static_cast<unsigned>(reply.status));
      for (const auto& [name, value] : reply.headers) response.set(name, value);
      response.body() = reply.body;
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      std::tie(ec, n) = co_await http::async_write(stream, response, use_nothrow);
      if (ec || !response.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Keeps the request, wakes the waiters, and asks the responder (outside the lock, so a
  // responder may call requests()) what to answer.
  ScriptedReply record(const http::request<http::string_body>& request, std::size_t connection) {
    ReceivedRequest received;
    received.method = std::string(request.method_string());
    received.target = std::string(request.target());
    for (const auto& field : request.base()) {
      received.headers[lower(field.name_string())] = std::string(field.value());
    }
    received.body = request.body();
    received.arrived = std::chrono::steady_clock::now();
    received.connection = connection;

    std::size_t index = 0;
    Responder responder;
    {
      std::lock_guard lock(mutex_);
      index = requests_.size();
      requests_.push_back(received);
      responder = responder_;
    }
    arrived_.notify_all();
    return responder ? responder(received, index) : ScriptedReply{};
  }

  asio::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<ReceivedRequest> requests_;
  Responder responder_;
  std::thread thread_;  // last: started once everything it touches exists
};

LoopbackHttpServer::LoopbackHttpServer() : impl_(std::make_unique<Impl>()) {}
LoopbackHttpServer::~LoopbackHttpServer() = default;
unsigned short LoopbackHttpServer::port() const {
  return impl_->port();
}
std::string LoopbackHttpServer::origin() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port());
}
std::string LoopbackHttpServer::url(std::string_view path) const {
  return origin() + std::string(path);
}
void LoopbackHttpServer::respondWith(Responder responder) {
  impl_->respondWith(std::move(responder));
}
bool LoopbackHttpServer::waitFor(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->waitFor(n, timeout);
}
std::vector<ReceivedRequest> LoopbackHttpServer::requests() const {
  return impl_->requests();
}
std::size_t LoopbackHttpServer::count() const {
  return impl_->count();
}

}  // namespace offers::testing
