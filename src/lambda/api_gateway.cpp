#include "lambda/api_gateway.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <stdexcept>
#include <string_view>

#include "http/base64.hpp"
#include "http/request_id.hpp"

namespace offers::lambda {

namespace json = boost::json;

namespace {

const json::object* object(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

std::optional<std::string> string(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    throw std::invalid_argument(std::string(name).append(": expected a string"));
  }
  return std::string(v->as_string());
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string bodyOf(const json::object& event) {
  auto body = string(event, "body").value_or("");
  const auto* encoded = event.if_contains("isBase64Encoded");
  if (!encoded || !encoded->is_bool() || !encoded->as_bool()) return body;
  auto decoded = http::decodeBase64(body);
  if (!decoded) throw std::invalid_argument("body: not valid base64");
  return std::move(*decoded);
}

http::Method methodOf(const std::string& name) {
  const auto method = boost::beast::http::string_to_verb(name);
  if (method == http::Method::unknown) {
    throw std::invalid_argument(
        std::string("method: '").append(name).append("' is not an HTTP method"));
  }
  return method;
}

// A header's value by name in any case; repeated values (REST's multiValueHeaders)
// comma-joined, as HTTP allows.
std::string header(const json::object& event, std::string_view name) {
  std::string joined;
  if (const auto* multi = object(event, "multiValueHeaders")) {
    for (const auto& [key, values] : *multi) {
      if (lower(key) != name || !values.is_array()) continue;
      for (const auto& v : values.as_array()) {
        if (!v.is_string()) continue;
        if (!joined.empty()) joined += ",";
        joined += std::string(v.as_string());
      }
    }
    if (!joined.empty()) return joined;
  }
  if (const auto* headers = object(event, "headers")) {
    for (const auto& [key, value] : *headers) {
      if (lower(key) == name && value.is_string()) return std::string(value.as_string());
    }
  }
  return joined;
}

std::string percentEncode(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

// REST APIs hand the query over decoded: encoded again, in the order given.
std::string queryOfV1(const json::object& event) {
  std::string query;
  auto add = [&](std::string_view key, std::string_view value) {
    if (!query.empty()) query += "&";
    query.append(percentEncode(key)).append("=").append(percentEncode(value));
  };
  if (const auto* multi = object(event, "multiValueQueryStringParameters")) {
    for (const auto& [key, values] : *multi) {
      if (!values.is_array()) continue;
      for (const auto& v : values.as_array()) {
        if (v.is_string()) add(key, v.as_string());
      }
    }
  } else if (const auto* single = object(event, "queryStringParameters")) {
    for (const auto& [key, value] : *single) {
      if (value.is_string()) add(key, value.as_string());
    }
  }
  return query;
}

// The origin-form target; `field` names the path for the error when it is not one.
std::string withQuery(const std::string& path, const std::string& query, std::string_view field) {
  if (path.empty() || path[0] != '/') {
    throw std::invalid_argument(std::string(field).append(": must begin with '/'"));
  }
  std::string target = path;
  if (!query.empty()) {
    target += '?';
    target += query;
  }
  return target;
}

}  // namespace

std::optional<HttpEvent> decodeHttpEvent(const json::value& value) {
  if (!value.is_object()) return std::nullopt;
  const auto& event = value.as_object();
  const auto* context = object(event, "requestContext");
  HttpEvent out;
  if (const auto* version = event.if_contains("version"); version && version->is_string() &&
                                                          version->as_string() == "2.0" &&
                                                          context && object(*context, "http")) {
    const auto& h = *object(*context, "http");
    out.payloadVersion = 2;
    out.request.method = methodOf(string(h, "method").value_or(""));
    const auto path = string(event, "rawPath");
    if (!path) throw std::invalid_argument("rawPath: missing");
    out.request.target = withQuery(*path, string(event, "rawQueryString").value_or(""), "rawPath");
    out.request.remote = string(h, "sourceIp").value_or("");
  } else if (event.contains("httpMethod") && event.contains("path")) {
    out.payloadVersion = 1;
    out.request.method = methodOf(string(event, "httpMethod").value_or(""));
    out.request.target = withQuery(string(event, "path").value_or(""), queryOfV1(event), "path");
    if (context) {
      if (const auto* identity = object(*context, "identity")) {
        out.request.remote = string(*identity, "sourceIp").value_or("");
      }
    }
  } else {
    return std::nullopt;
  }
  out.request.body = bodyOf(event);
  out.request.authorization = header(event, "authorization");
  const auto gatewayId = context ? string(*context, "requestId").value_or("") : std::string();
  out.requestId = http::chooseRequestId(header(event, "x-request-id"), gatewayId);
  return out;
}

json::object encodeHttpResponse(const http::Response& response, const std::string& requestId) {
  json::object headers;
  if (!response.body.empty()) headers["Content-Type"] = "application/json";
  for (const auto& [name, value] : response.headers) headers[name] = value;
  headers["X-Request-Id"] = requestId;
  return {{"statusCode", static_cast<std::int64_t>(response.status)},
          {"headers", std::move(headers)},
          {"body", response.body},
          {"isBase64Encoded", false}};
}

Handler httpHandler(const http::Api& api) {
  return [&api](const Invocation& invocation) {
    boost::system::error_code ec;
    const auto event = json::parse(invocation.event, ec);
    if (ec) throw InvocationError("InvalidEvent", "the event is not JSON: " + ec.message());
    std::optional<HttpEvent> decoded;
    try {
      decoded = decodeHttpEvent(event);
    } catch (const std::invalid_argument& e) {
      throw InvocationError("InvalidEvent", std::string("a malformed HTTP event: ") + e.what());
    }
    if (!decoded) {
      throw InvocationError("InvalidEvent",
                            "the api function takes API Gateway HTTP events (payload 2.0 or "
                            "1.0), and this is neither");
    }
    const auto outcome = api.handle(decoded->request);
    return json::serialize(encodeHttpResponse(outcome.response, decoded->requestId));
  };
}

}  // namespace offers::lambda
