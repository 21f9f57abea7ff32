#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "http/error_mapping.hpp"
#include "http/request_id.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"

namespace offers::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

// The request metrics of one (route, method, status), looked up once per thread: the
// registry's lookup takes a lock and builds its key, too slow for every request.
struct RequestSeries {
  metrics::Counter* requests;
  metrics::Histogram* duration;
};

const RequestSeries& requestSeries(const std::string* route, beast::http::verb method,
                                   unsigned status) {
  struct Key {
    const std::string* route;
    int method;
    unsigned status;
    bool operator==(const Key&) const = default;
  };
  struct Hash {
    std::size_t operator()(const Key& k) const {
      return std::hash<const void*>{}(k.route) ^ (std::size_t(k.method) << 10) ^ k.status;
    }
  };
  thread_local std::unordered_map<Key, RequestSeries, Hash> cache;
  const Key key{route, int(method), status};
  auto it = cache.find(key);
  if (it == cache.end()) {
    static const std::string unmatched = "unmatched";
    const std::string& label = route ? *route : unmatched;
    auto& registry = metrics::registry();
    it = cache
             .emplace(key,
                      RequestSeries{&registry.httpRequests.with({beast::http::to_string(method),
                                                                 label, std::to_string(status)}),
                                    &registry.httpDuration.with({label})})
             .first;
  }
  return it->second;
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, const Api& api) : options_(std::move(options)), api_(api) {
    const unsigned n =
        options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
    }
    if (options_.handlerThreads > 0) {
      handlers_ = std::make_unique<asio::thread_pool>(options_.handlerThreads);
    }
    acceptor_ = std::make_unique<tcp::acceptor>(*contexts_[0]);
    listen();
  }

  unsigned short port() const { return acceptor_->local_endpoint().port(); }

  void run() {
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    for (auto& c : contexts_) guards.push_back(asio::make_work_guard(*c));
    asio::co_spawn(*contexts_[0], acceptLoop(), asio::detached);
    asio::co_spawn(*contexts_[0], flushLogs(), asio::detached);
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i) {
      threads.emplace_back([this, i] { contexts_[i]->run(); });
    }
    contexts_[0]->run();
    for (auto& t : threads) t.join();
    // A handler still running (past the drain timeout) reads its request from a
    // connection's coroutine frame: it must end before the contexts, and the frames, go.
    if (handlers_) handlers_->join();
  }

  void stop() {
    asio::post(*contexts_[0], [this] { beginStop(); });
  }

 private:
  // Binds and listens, or throws an error that names the address: Asio's own says only
  // "bind: Address already in use" (see test_cli_listen.cpp).
  void listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    std::string reason = ec ? "not an IP address" : "";
    const tcp::endpoint endpoint(address, options_.port);
    if (!ec) acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) return;
    if (reason.empty()) {
      reason = ec.message();
      reason[0] = char(std::tolower(static_cast<unsigned char>(reason[0])));
    }
    const bool v6 = options_.host.find(':') != std::string::npos;
    const std::string where = v6 ? "[" + options_.host + "]" : options_.host;
    throw std::runtime_error("cannot listen on " + where + ":" + std::to_string(options_.port) +
                             ": " + reason);
  }

  // Request log lines are buffered; this writes them out at least every 200 ms.
  asio::awaitable<void> flushLogs() {
    asio::steady_timer timer(*contexts_[0]);
    while (!stopping_) {
      timer.expires_after(std::chrono::milliseconds(200));
      co_await timer.async_wait(use_nothrow);
      log::flush();
    }
  }

  // Close the door, then wait (on a timer, not a blocked thread) for the requests in
  // flight to be answered before stopping every context.
  void beginStop() {
    if (stopping_.exchange(true)) return;
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    asio::co_spawn(*contexts_[0], drain(), asio::detached);
  }

  asio::awaitable<void> drain() {
    asio::steady_timer timer(*contexts_[0]);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(options_.drainTimeoutSeconds);
    while (inFlight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(use_nothrow);
    }
    log::flush();
    for (auto& c : contexts_) c->stop();
  }

  // Runs the handler on the handler pool and resumes on this connection's thread: a
  // handler that waits on its store's round trips holds a pool thread, never a thread
  // that serves sockets.
  asio::awaitable<Api::Outcome> handleOnPool(const Request& request) {
    co_return co_await asio::co_spawn(
        *handlers_,
        [this, &request]() -> asio::awaitable<Api::Outcome> { co_return api_.handle(request); },
        asio::use_awaitable);
  }

  asio::awaitable<void> acceptLoop() {
    std::size_t next = 0;
    for (;;) {
      auto& target = *contexts_[next++ % contexts_.size()];
      auto [ec, socket] = co_await acceptor_->async_accept(target, use_nothrow);
      if (stopping_) co_return;
      if (ec) {
        // Out of file descriptors and the like: back off briefly instead of spinning.
        log::warn("accept failed", {{"detail", ec.message()}});
        asio::steady_timer timer(*contexts_[0], std::chrono::milliseconds(50));
        co_await timer.async_wait(use_nothrow);
        continue;
      }
      auto executor = socket.get_executor();
      // Counted here, where the limit is checked, not when the session starts: a burst of
      // accepts must not all see the same count.
      if (connections_.load() >= options_.maxConnections) {
        connectionsRejected_.add();
        asio::co_spawn(executor, refuseConnection(std::move(socket)), asio::detached);
        continue;
      }
      ++connections_;
      connectionsOpen_.add(1);
      asio::co_spawn(executor, session(std::move(socket)), asio::detached);
    }
  }

  template <class Stream>
  asio::awaitable<void> send(Stream& stream, const Response& r, bool keepAlive,
                             unsigned version = 11) {
    beast::http::response<beast::http::string_body> res{beast::http::status(r.status), version};
    if (!r.body.empty()) res.set(beast::http::field::content_type, "application/json");
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.body() = r.body;
    res.keep_alive(keepAlive);
    res.prepare_payload();
    co_await beast::http::async_write(stream, res, use_nothrow);
  }

  // Over the connection limit: say so and close, rather than leave the client waiting
  // in the backlog. The answer is written without reading the request.
  asio::awaitable<void> refuseConnection(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(1));
    auto r = errorResponse(domain::ErrorCode::unavailable,
                           "too many connections: the server's connection limit of " +
                               std::to_string(options_.maxConnections) + " is reached");
    r.headers.emplace_back("Retry-After", "1");
    const std::string requestId = newRequestId();
    r.headers.emplace_back("X-Request-Id", requestId);
    co_await send(stream, r, false);
    boost::system::error_code ignored;
    const auto peer = stream.socket().remote_endpoint(ignored);
    record(beast::http::verb::unknown, nullptr, r.status, 0, requestId, {},
           ignored ? std::string() : peer.address().to_string());
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Reads the request's header, counting every byte the parser takes against the header
  // limit. Beast 1.81's own header_limit applies to each batch of bytes the parser is
  // handed, not to the header as a whole: fields that arrive over several reads would
  // each start a fresh allowance.
  template <class Stream, class Parser>
  asio::awaitable<boost::system::error_code> readHeader(Stream& stream, beast::flat_buffer& buffer,
                                                        Parser& parser) {
    std::size_t total = 0;
    for (;;) {
      // What is already buffered is parsed here, without an asynchronous operation: on a
      // keep-alive connection the whole request is usually there after the first read.
      if (buffer.size() > 0) {
        boost::system::error_code ec;
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        total += used;
        if (total > options_.headerLimit) co_return beast::http::error::header_limit;
        if (ec && ec != beast::http::error::need_more) co_return ec;
        if (parser.is_header_done()) co_return boost::system::error_code();
      }
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_nothrow);
      if (ec)
        co_return ec == asio::error::eof&& total + buffer.size() > 0
            ? boost::system::error_code(beast::http::error::partial_message)
            : ec;
      buffer.commit(n);
    }
  }

  // The request's metrics and its log line, for every response the server sends.
  void record(beast::http::verb method, const std::string* route, unsigned status, double seconds,
              const std::string& requestId, const std::string& keyName, const std::string& remote) {
    const auto& series = requestSeries(route, method, status);
    series.requests->add();
    series.duration->observe(seconds);
    if (!options_.logRequests) return;
    boost::json::object line{
        {"method", method == beast::http::verb::unknown
                       ? std::string_view("-")
                       : std::string_view(beast::http::to_string(method))},
        {"route", route ? std::string_view(*route) : std::string_view("unmatched")},
        {"status", status},
        {"durationMs", std::round(seconds * 1e6) / 1e3},
        {"requestId", requestId},
        {"remote", remote}};
    if (!keyName.empty()) line.emplace("key", keyName);
    log::write("info", "request", std::move(line), false);
  }

  // The client's X-Request-Id when it was read and is acceptable; a new one otherwise.
  template <class Parser>
  static std::string requestIdOf(const Parser& parser) {
    // The fields parsed so far: the whole header, or part of one refused on the way.
    return chooseRequestId(parser.get()["X-Request-Id"]);
  }

  asio::awaitable<void> session(tcp::socket socket) {
    // Counted by acceptLoop; uncounted when the session ends, whichever way.
    struct Open {
      Impl& server;
      ~Open() {
        --server.connections_;
        server.connectionsOpen_.add(-1);
      }
    } open{*this};
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const auto peer = socket.remote_endpoint(ignored);
    const std::string remote = ignored ? std::string() : peer.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      beast::http::request_parser<beast::http::string_body> parser;
      parser.header_limit(std::uint32_t(options_.headerLimit));
      parser.body_limit(options_.bodyLimit);
      // Idle until the next request's first bytes, then the header timeout runs.
      if (buffer.size() == 0) {
        stream.expires_after(options_.idleTimeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_nothrow);
        if (ec) break;
        buffer.commit(n);
      }
      stream.expires_after(options_.headerTimeout);
      auto ec = co_await readHeader(stream, buffer, parser);
      if (ec) {
        co_await rejectBadRequest(stream, ec, parser, remote);
        break;
      }
      // Answer a body that is too large from its Content-Length alone, unread.
      const auto length = parser.content_length();
      if (length && *length > options_.bodyLimit) {
        co_await answerAndClose(stream, tooLarge(), parser, remote);
        break;
      }
      if (beast::iequals(parser.get()[beast::http::field::expect], "100-continue")) {
        beast::http::response<beast::http::empty_body> cont{beast::http::status::continue_, 11};
        co_await beast::http::async_write(stream, cont, use_nothrow);
      }
      stream.expires_after(options_.headerTimeout);
      if (!parser.is_done()) {
        std::tie(ec, std::ignore) =
            co_await beast::http::async_read(stream, buffer, parser, use_nothrow);
      }
      if (ec) {
        co_await rejectBadRequest(stream, ec, parser, remote);
        break;
      }
      const auto started = std::chrono::steady_clock::now();
      ++inFlight_;
      inFlightGauge_.add(1);
      const std::string requestId = requestIdOf(parser);
      auto message = parser.release();
      Request request{message.method(), std::string(message.target()), std::move(message.body()),
                      std::string(message[beast::http::field::authorization]), remote};
      // Not a ?: with co_await in one arm: gcc 12 destroys that temporary twice.
      Api::Outcome outcome;
      if (handlers_) {
        outcome = co_await handleOnPool(request);
      } else {
        outcome = api_.handle(request);
      }
      outcome.response.headers.emplace_back("X-Request-Id", requestId);
      const bool keepAlive = message.keep_alive() && !stopping_;
      co_await send(stream, outcome.response, keepAlive, message.version());
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      inFlightGauge_.add(-1);
      --inFlight_;
      record(request.method, outcome.route, outcome.response.status, seconds, requestId,
             outcome.keyName, remote);
      if (!keepAlive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  Response tooLarge() const {
    return errorResponse(
        domain::ErrorCode::payload_too_large,
        "body: larger than the limit of " + std::to_string(options_.bodyLimit) + " bytes");
  }

  // A response the transport gives by itself (413, 431, malformed HTTP), then close.
  template <class Stream, class Parser>
  asio::awaitable<void> answerAndClose(Stream& stream, Response r, const Parser& parser,
                                       const std::string& remote) {
    const std::string requestId = requestIdOf(parser);
    r.headers.emplace_back("X-Request-Id", requestId);
    co_await send(stream, r, false);
    record(parser.get().method(), nullptr, r.status, 0, requestId, {}, remote);
  }

  // A request we could not parse: answer what we can and close.
  template <class Stream, class Parser>
  asio::awaitable<void> rejectBadRequest(Stream& stream, const boost::system::error_code& ec,
                                         const Parser& parser, const std::string& remote) {
    using e = beast::http::error;
    if (ec == e::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == e::partial_message) {
      co_return;  // the client went away or stayed silent: nothing to answer
    }
    Response r;
    if (ec == e::body_limit) {
      r = tooLarge();
    } else if (ec == e::header_limit) {
      r = errorResponse(domain::ErrorCode::header_too_large, "headers: larger than the limit");
    } else {
      r = errorResponse(domain::ErrorCode::invalid_request,
                        "request: malformed HTTP (" + ec.message() + ")");
    }
    co_await answerAndClose(stream, std::move(r), parser, remote);
  }

  ServerOptions options_;
  const Api& api_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::unique_ptr<asio::thread_pool> handlers_;  // ServerOptions::handlerThreads; may be null
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> inFlight_{0};
  std::atomic<std::size_t> connections_{0};
  // The series this class updates on every connection and request, looked up once.
  metrics::Gauge& connectionsOpen_ = metrics::registry().httpConnections.with({});
  metrics::Counter& connectionsRejected_ = metrics::registry().httpConnectionsRejected.with({});
  metrics::Gauge& inFlightGauge_ = metrics::registry().httpInFlight.with({});
};

Server::Server(ServerOptions options, const Api& api)
    : impl_(std::make_unique<Impl>(std::move(options), api)) {}
Server::~Server() = default;
unsigned short Server::port() const {
  return impl_->port();
}
void Server::run() {
  impl_->run();
}
void Server::stop() {
  impl_->stop();
}

}  // namespace offers::http
