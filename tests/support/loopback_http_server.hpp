// A generic HTTP/1.1 keep-alive server for tests: 127.0.0.1 and an ephemeral port, on its
// own thread (Boost.Beast), that records every request and answers what the test's
// responder says: a status, optionally after a delay (a slow peer), with extra headers and
// a body. It stands in for a webhook receiver, a DynamoDB endpoint or a proxy. Waiting for
// requests uses a condition variable with a deadline, never a sleep.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offers::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::chrono::steady_clock::time_point arrived;  // when the whole request had been read
  std::size_t connection = 0;  // the TCP connection that carried it, numbered in accept order

  // A header's value, or "" when absent. `name` in any case.
  std::string header(std::string_view name) const;
};

// What to answer, by field: ScriptedReply{.status = 302, .headers = {{"Location", url}}}.
struct ScriptedReply {
  int status = 200;
  std::chrono::milliseconds delay{};  // before answering; other connections are served meanwhile
  // Initialised here, so that a designated initializer may leave them out.
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string body = {};  // empty: none
};

class LoopbackHttpServer {
 public:
  // Decides the answer to request number `index` (0-based, in arrival order across all
  // connections). Runs on the server's thread, after the request has been recorded.
  using Responder = std::function<ScriptedReply(const ReceivedRequest&, std::size_t index)>;

  // Listening when constructed; answers 200 at once until respondWith() says otherwise.
  LoopbackHttpServer();
  // Stops at once: connections still waiting out a delay are closed unanswered.
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  unsigned short port() const;
  // "http://127.0.0.1:PORT": where a client that takes an endpoint is pointed.
  std::string origin() const;
  // origin() and `path`: "http://127.0.0.1:PORT/hook" by default, a webhook's URL.
  std::string url(std::string_view path = "/hook") const;

  // Applies to requests that arrive from now on.
  void respondWith(Responder responder);

  // True once at least `n` requests have arrived; false when `timeout` passes first.
  bool waitFor(std::size_t n, std::chrono::milliseconds timeout) const;
  // Every request so far, in arrival order.
  std::vector<ReceivedRequest> requests() const;
  std::size_t count() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace offers::testing
