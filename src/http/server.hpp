// The Beast/Asio adapter: sockets in, Api::handle, sockets out. One io_context per
// thread (no strands: a connection lives on one thread); a single acceptor hands new
// connections round-robin to the contexts; handlers run there or, when handlerThreads is
// set, on a pool of their own. It also owns what belongs to the transport:
// timeouts, the connection limit, X-Request-Id, the request log line and the request
// metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "http/api.hpp"

namespace offers::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0: an ephemeral port, see Server::port()
  unsigned threads = 0;        // 0: one per core
  // 0: a request's handler runs on its connection's thread. N: on a pool of N threads of
  // its own, so that handlers that wait on the network (the DynamoDB engine) never hold a
  // thread that serves sockets; N bounds the requests handled at once.
  unsigned handlerThreads = 0;
  std::size_t bodyLimit = 1024 * 1024;  // larger: 413
  std::size_t headerLimit = 16 * 1024;  // larger: 431
  // A connection with no request under way is closed after this long.
  std::chrono::milliseconds idleTimeout{60000};
  // Once a request's first byte is in, its header must be complete within this, and then
  // its body within as long again; otherwise the connection is closed (slow clients).
  std::chrono::milliseconds headerTimeout{10000};
  // Connections beyond this many open ones are answered 503 and closed at once.
  std::size_t maxConnections = 1024;
  unsigned drainTimeoutSeconds = 30;  // how long stop() waits for in-flight requests
  bool logRequests = true;            // one JSON line per request on stdout
};

class Server {
 public:
  // Binds and listens at once. When it cannot, throws std::runtime_error naming the
  // address and the reason ("cannot listen on 127.0.0.1:8080: address already in use").
  Server(ServerOptions options, const Api& api);
  ~Server();

  unsigned short port() const;
  // Serves until stop(); then refuses new connections, lets the requests in flight finish,
  // and returns. Signals are the application's business, not the server's.
  void run();
  // From any thread, before or during run(): a stop before run() makes run() return at
  // once.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace offers::http
