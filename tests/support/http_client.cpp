// HttpClient and RawConnection: Beast's asynchronous operations run to completion on a
// private io_context, because only asynchronous operations honour tcp_stream's deadline.
#include "support/http_client.hpp"

#include <poll.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <stdexcept>

namespace offers::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Runs one asynchronous operation to completion and returns its error code.
template <class Start>
beast::error_code runToCompletion(asio::io_context& ioc, Start&& start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

tcp::endpoint resolve(asio::io_context& ioc, const std::string& host, unsigned short port) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) return {address, port};
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port));
  return *results.begin();
}

HttpResponse toResponse(http::response<http::string_body>&& res, std::string request) {
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res.base()) {
    out.headers[lower(field.name_string())] = std::string(field.value());
  }
  out.body = std::move(res.body());
  out.request = std::move(request);
  return out;
}

bool isClosedByPeer(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// HttpResponse

json::value HttpResponse::json() const {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) throw std::runtime_error("response body is not JSON: " + describe());
  return value;
}

json::object HttpResponse::object() const {
  json::value value = json();
  if (!value.is_object()) throw std::runtime_error("response body is not an object: " + describe());
  return std::move(value.as_object());
}

std::string HttpResponse::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpResponse::describe() const {
  constexpr std::size_t kMaxBody = 600;
  std::string shown = body.size() > kMaxBody ? body.substr(0, kMaxBody) + "..." : body;
  return request + " -> " + std::to_string(status) + " " + shown;
}

// ---------------------------------------------------------------------------------------
// HttpClient

struct HttpClient::Impl {
  std::string host;
  unsigned short port;
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
  int requestsOnConnection = 0;
  int connectionsOpened = 0;
  std::chrono::milliseconds timeout{15000};

  Impl(std::string h, unsigned short p) : host(std::move(h)), port(p) {}

  void connect() {
    const tcp::endpoint endpoint = resolve(ioc, host, port);
    stream.expires_after(timeout);
    auto ec = runToCompletion(ioc, [&](auto handler) { stream.async_connect(endpoint, handler); });
    if (ec) {
      stream.close();
      throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                               ec.message());
    }
    stream.socket().set_option(tcp::no_delay(true));
    connected = true;
    requestsOnConnection = 0;
    ++connectionsOpened;
    buffer.consume(buffer.size());
  }

  void disconnect() {
    if (!connected) return;
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    connected = false;
    buffer.consume(buffer.size());
  }

  // One attempt on the current connection.
  beast::error_code exchange(http::request<http::string_body>& req,
                             http::response<http::string_body>& res) {
    stream.expires_after(timeout);
    auto ec = runToCompletion(ioc, [&](auto handler) { http::async_write(stream, req, handler); });
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    stream.expires_after(timeout);
    ec = runToCompletion(ioc,
                         [&](auto handler) { http::async_read(stream, buffer, parser, handler); });
    if (ec) return ec;
    res = parser.release();
    return {};
  }
};

HttpClient::HttpClient(std::string host, unsigned short port)
    : impl_(std::make_unique<Impl>(std::move(host), port)) {}
HttpClient::~HttpClient() {
  if (impl_) impl_->disconnect();
}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

void HttpClient::setTimeout(std::chrono::milliseconds timeout) {
  impl_->timeout = timeout;
}
int HttpClient::connectionsOpened() const {
  return impl_->connectionsOpened;
}
void HttpClient::close() {
  impl_->disconnect();
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 std::optional<std::string> body, Headers extraHeaders) {
  http::request<http::string_body> req;
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(target);
  req.version(11);
  req.set(http::field::host, impl_->host + ":" + std::to_string(impl_->port));
  req.set(http::field::user_agent, "offers-api-integration-tests");
  req.keep_alive(true);
  if (body) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(*body);
  }
  req.prepare_payload();
  for (auto& [name, value] : extraHeaders) req.set(name, value);

  const std::string described = std::string(method) + " " + std::string(target);
  for (int attempt = 0;; ++attempt) {
    const bool reused = impl_->connected && impl_->requestsOnConnection > 0;
    if (!impl_->connected) impl_->connect();
    http::response<http::string_body> res;
    const beast::error_code ec = impl_->exchange(req, res);
    if (!ec) {
      ++impl_->requestsOnConnection;
      const bool keepAlive = res.keep_alive();
      HttpResponse out = toResponse(std::move(res), described);
      if (!keepAlive) impl_->disconnect();
      return out;
    }
    impl_->disconnect();
    // A keep-alive connection the server closed while it sat idle: the request never
    // reached the server, so it is safe to send again on a fresh connection.
    if (reused && attempt == 0 && isClosedByPeer(ec)) continue;
    throw std::runtime_error(
        described + ": " +
        (ec == beast::error::timeout ? std::string("no response in time") : ec.message()));
  }
}

HttpResponse HttpClient::post(std::string_view target, const json::object& body) {
  return request("POST", target, json::serialize(body));
}

HttpResponse HttpClient::patch(std::string_view target, const json::object& body) {
  return request("PATCH", target, json::serialize(body));
}

// ---------------------------------------------------------------------------------------
// RawConnection

struct RawConnection::Impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

RawConnection::RawConnection(const std::string& host, unsigned short port)
    : impl_(std::make_unique<Impl>()) {
  const tcp::endpoint endpoint = resolve(impl_->ioc, host, port);
  impl_->stream.expires_after(std::chrono::seconds(10));
  auto ec = runToCompletion(impl_->ioc,
                            [&](auto handler) { impl_->stream.async_connect(endpoint, handler); });
  if (ec) {
    throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                             ec.message());
  }
}

RawConnection::~RawConnection() {
  beast::error_code ignored;
  impl_->stream.socket().close(ignored);
}

bool RawConnection::send(std::string_view bytes) {
  impl_->stream.expires_after(std::chrono::seconds(10));
  auto ec = runToCompletion(impl_->ioc, [&](auto handler) {
    asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()), handler);
  });
  if (ec == beast::error::timeout) throw std::runtime_error("raw send: timed out");
  return !ec;
}

RawConnection::Reply RawConnection::readResponse(std::chrono::milliseconds timeout) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  impl_->stream.expires_after(timeout);
  auto ec = runToCompletion(impl_->ioc, [&](auto handler) {
    http::async_read(impl_->stream, impl_->buffer, parser, handler);
  });
  Reply reply;
  if (!ec) {
    reply.kind = Reply::Kind::kResponse;
    reply.response = toResponse(parser.release(), "raw request");
  } else if (ec == beast::error::timeout) {
    reply.kind = Reply::Kind::kTimeout;
  } else if (isClosedByPeer(ec) || ec == http::error::partial_message) {
    reply.kind = Reply::Kind::kClosed;
  } else {
    throw std::runtime_error("raw read: the server's reply is not HTTP: " + ec.message());
  }
  return reply;
}

RawConnection::Reply RawConnection::waitForReply(std::chrono::milliseconds timeout) {
  if (impl_->buffer.size() == 0) {
    // poll() rather than a read with a deadline: tcp_stream closes the socket when its
    // deadline passes, and this wait must not.
    pollfd ready{impl_->stream.socket().native_handle(), POLLIN | POLLRDHUP, 0};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      const int n = ::poll(&ready, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
      if (n > 0) break;
      if (n == 0) return Reply{};  // kTimeout, the connection left as it was
      if (errno != EINTR) throw std::runtime_error("raw wait: poll failed");
    }
  }
  // Something arrived (bytes, the end of the stream or a reset): the rest of a response
  // follows at once, if it is one.
  return readResponse(std::chrono::seconds(10));
}

// ---------------------------------------------------------------------------------------

std::string urlEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
  return out;
}

::testing::AssertionResult IsApiError(const HttpResponse& response, int status,
                                      std::string_view code, std::string_view mention) {
  if (response.status != status) {
    return ::testing::AssertionFailure()
           << "expected status " << status << ", got " << response.describe();
  }
  boost::system::error_code ec;
  json::value body = json::parse(response.body, ec);
  if (ec || !body.is_object()) {
    return ::testing::AssertionFailure()
           << "error body is not a JSON object: " << response.describe();
  }
  const json::value* error = body.as_object().if_contains("error");
  if (error == nullptr || !error->is_object()) {
    return ::testing::AssertionFailure() << "no \"error\" object: " << response.describe();
  }
  const json::value* gotCode = error->as_object().if_contains("code");
  const json::value* message = error->as_object().if_contains("message");
  if (gotCode == nullptr || !gotCode->is_string() || gotCode->as_string() != code) {
    return ::testing::AssertionFailure()
           << "expected error code \"" << code << "\": " << response.describe();
  }
  if (message == nullptr || !message->is_string()) {
    return ::testing::AssertionFailure() << "no error message string: " << response.describe();
  }
  if (!mention.empty() &&
      std::string_view(message->as_string()).find(mention) == std::string_view::npos) {
    return ::testing::AssertionFailure()
           << "error message does not name \"" << mention << "\": " << response.describe();
  }
  const std::string contentType = response.header("content-type");
  if (contentType.find("application/json") == std::string::npos) {
    return ::testing::AssertionFailure() << "Content-Type is \"" << contentType
                                         << "\", not application/json: " << response.describe();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace offers::testing
