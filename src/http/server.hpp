// The Beast/Asio adapter: sockets in, Api::handle, sockets out. One io_context per
// thread (no strands: a connection lives on one thread); a single acceptor hands new
// connections round-robin to the contexts.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "http/api.hpp"

namespace offers::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0: an ephemeral port, see Server::port()
  unsigned threads = 0;        // 0: one per core
  std::size_t bodyLimit = 1024 * 1024;
  std::size_t headerLimit = 16 * 1024;
  unsigned idleTimeoutSeconds = 60;   // a keep-alive connection silent this long is closed
  unsigned drainTimeoutSeconds = 30;  // how long stop() waits for in-flight requests
};

class Server {
 public:
  // Binds and listens at once (throws std::system_error when it cannot).
  Server(ServerOptions options, const Api& api);
  ~Server();

  unsigned short port() const;
  // Serves until stop() or SIGINT/SIGTERM; then refuses new connections, lets the
  // requests in flight finish, and returns.
  void run();
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace offers::http
