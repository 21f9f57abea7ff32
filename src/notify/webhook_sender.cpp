// WebhookSender on libcurl's multi interface, and the signature helpers on OpenSSL's HMAC.
// Pinned by tests/unit/test_webhook_sender.cpp against a real receiver on loopback.
#include "notify/webhook_sender.hpp"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "notify/address_policy.hpp"

namespace offers::notify {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t millisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

// A header value must not smuggle in another header (or end the header block).
bool isHeaderSafe(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The response body is read, so the connection stays reusable, and dropped.
std::size_t discardBody(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// Everything one delivery's easy handle points into lives here until the handle is gone.
struct Transfer {
  std::string key;
  std::string body;
  Clock::time_point started;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  char error[CURL_ERROR_SIZE] = {};
  std::string refused;  // why openPublicSocket refused an address, the first time it did
  std::unique_ptr<CURL, EasyDeleter> easy;  // last: cleaned up before what it points into
};

// CURLOPT_OPENSOCKETFUNCTION, when only public targets are allowed: curl has resolved the
// name (or taken the literal) and is about to connect to `address`; proxies are off then.
// For a refused address no socket is made: CURL_SOCKET_BAD makes curl fail that
// connection attempt with CURLE_COULDNT_CONNECT (curl's documented way of blocking
// addresses), and the refusal becomes the outcome's error. Should curl go on to another
// address of the same host, that one passes through here too.
curl_socket_t openPublicSocket(void* clientp, curlsocktype, curl_sockaddr* address) {
  auto& transfer = *static_cast<Transfer*>(clientp);
  const auto ip = IpAddress::from(&address->addr, address->addrlen);
  if (!ip) {
    if (transfer.refused.empty()) transfer.refused = "refused: not an IPv4 or IPv6 address";
    return CURL_SOCKET_BAD;
  }
  if (const AddressClass kind = classify(*ip); kind != AddressClass::publicAddress) {
    if (transfer.refused.empty()) {
      transfer.refused = "refused: " + ip->toString() + " is " + std::string(describe(kind)) +
                         "; webhook targets must be public (--allow-private-webhooks allows them)";
    }
    return CURL_SOCKET_BAD;
  }
  const int fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  return fd < 0 ? CURL_SOCKET_BAD : fd;
}

}  // namespace

bool DeliveryOutcome::ok() const {
  return status && *status >= 200 && *status < 300 && error.empty();
}

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // OpenSSL 3 refuses a null key pointer even with length 0; an empty key is still a key.
  static const unsigned char kEmpty = 0;
  const void* keyBytes = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  if (HMAC(EVP_sha256(), keyBytes, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 0x0f]);
  }
  return hex;
}

std::string signatureHeader(std::string_view secret, std::int64_t unixSeconds,
                            std::string_view body) {
  const std::string t = std::to_string(unixSeconds);
  std::string signedText;
  signedText.reserve(t.size() + 1 + body.size());
  signedText.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + hmacSha256Hex(secret, signedText);
}

bool verifySignature(std::string_view header, std::string_view secret, std::string_view body) {
  // Only t is parsed; everything else is checked by comparing the whole header with the one
  // we would have written for that t, so there is a single definition of the format.
  constexpr std::string_view kPrefix = "t=";
  if (!header.starts_with(kPrefix)) return false;
  const char* first = header.data() + kPrefix.size();
  const char* last = header.data() + header.size();
  if (first == last || *first < '0' || *first > '9') return false;  // no sign, no blank
  std::int64_t t = 0;
  const auto [end, ec] = std::from_chars(first, last, t);
  if (ec != std::errc() || end == last || *end != ',') return false;
  const std::string expected = signatureHeader(secret, t, body);
  return header.size() == expected.size() &&
         CRYPTO_memcmp(header.data(), expected.data(), expected.size()) == 0;
}

class WebhookSender::Impl {
 public:
  explicit Impl(SenderOptions options) : options_(std::move(options)) {
    initCurlOnce();
    multi_ = curl_multi_init();
    if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
  }

  ~Impl() {
    for (auto& [easy, transfer] : transfers_) curl_multi_remove_handle(multi_, easy);
    transfers_.clear();
    curl_multi_cleanup(multi_);
  }

  std::size_t inFlight() const { return transfers_.size() + failedEarly_.size(); }
  bool hasCapacity() const { return inFlight() < options_.maxConcurrent; }

  void send(OutgoingDelivery delivery) {
    if (!hasCapacity()) {
      throw std::logic_error("WebhookSender::send: " + std::to_string(inFlight()) +
                             " deliveries in flight already, the limit; check hasCapacity()");
    }
    auto transfer = std::make_unique<Transfer>();
    transfer->key = std::move(delivery.key);
    transfer->body = std::move(delivery.body);
    transfer->started = Clock::now();
    auto failEarly = [&](std::string error) {
      DeliveryOutcome outcome;
      outcome.key = std::move(transfer->key);
      outcome.error = std::move(error);
      outcome.durationMs = millisSince(transfer->started);
      failedEarly_.push_back(std::move(outcome));
    };
    if (!isHeaderSafe(delivery.eventId)) {
      return failEarly("event id: not a valid header value (CR, LF or NUL)");
    }
    transfer->easy.reset(curl_easy_init());
    if (!transfer->easy) return failEarly("curl_easy_init failed");

    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto unixSeconds = std::chrono::duration_cast<std::chrono::seconds>(now).count();
    curl_slist* headers = nullptr;
    for (const std::string& line :
         {std::string("Content-Type: application/json"), "X-Offers-Event-Id: " + delivery.eventId,
          "X-Offers-Signature: " + signatureHeader(delivery.secret, unixSeconds, transfer->body),
          // No "Expect: 100-continue" for large bodies: it costs a round trip, or a second
          // when the receiver ignores it.
          std::string("Expect:")}) {
      curl_slist* grown = curl_slist_append(headers, line.c_str());
      if (grown == nullptr) {
        curl_slist_free_all(headers);
        return failEarly("curl_slist_append failed");
      }
      headers = grown;
    }
    transfer->headers.reset(headers);

    if (const CURLcode code = configure(*transfer, delivery.url); code != CURLE_OK) {
      return failEarly(describe(code, transfer->error));
    }
    CURL* easy = transfer->easy.get();
    if (const CURLMcode code = curl_multi_add_handle(multi_, easy); code != CURLM_OK) {
      return failEarly(std::string("curl_multi_add_handle: ") + curl_multi_strerror(code));
    }
    transfers_.emplace(easy, std::move(transfer));
  }

  std::vector<DeliveryOutcome> poll(std::chrono::milliseconds wait) {
    const auto deadline = Clock::now() + wait;
    std::vector<DeliveryOutcome> done = std::move(failedEarly_);
    failedEarly_.clear();
    for (;;) {
      int running = 0;
      curl_multi_perform(multi_, &running);
      collectFinished(done);
      if (!done.empty() || woken_.exchange(false)) return done;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return done;
      // Returns on socket activity, on curl's own timers (e.g. a transfer's timeout), or on
      // curl_multi_wakeup, whichever comes first.
      const int timeoutMs = static_cast<int>(std::min<std::int64_t>(left.count(), INT_MAX));
      if (curl_multi_poll(multi_, nullptr, 0, timeoutMs, nullptr) != CURLM_OK) return done;
    }
  }

  void wakeUp() {
    woken_.store(true);
    curl_multi_wakeup(multi_);
  }

 private:
  static std::string describe(CURLcode code, const char* detail) {
    return detail[0] != '\0' ? std::string(detail) : std::string(curl_easy_strerror(code));
  }

  // The easy handle's options; the first that curl refuses is returned.
  CURLcode configure(Transfer& transfer, const std::string& url) const {
    CURL* easy = transfer.easy.get();
    CURLcode code = CURLE_OK;
    auto set = [&](CURLoption option, auto value) {
      if (code == CURLE_OK) code = curl_easy_setopt(easy, option, value);
    };
    set(CURLOPT_ERRORBUFFER, transfer.error);
    set(CURLOPT_URL, url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    set(CURLOPT_USERAGENT, options_.userAgent.c_str());
    set(CURLOPT_HTTPHEADER, transfer.headers.get());
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer.body.size()));
    set(CURLOPT_POSTFIELDS, transfer.body.data());
    set(CURLOPT_WRITEFUNCTION, &discardBody);
    // The CA bundle the environment names, as for the AWS client (src/aws/client.cpp).
    if (const char* ca = std::getenv("SSL_CERT_FILE"); ca && *ca) set(CURLOPT_CAINFO, ca);
    if (!options_.allowPrivateTargets) {
      set(CURLOPT_OPENSOCKETFUNCTION, &openPublicSocket);
      set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&transfer));
      set(CURLOPT_PROXY, "");  // "" overrides the environment's proxy variables
    }
    return code;
  }

  void collectFinished(std::vector<DeliveryOutcome>& done) {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode result = message->data.result;
      auto found = transfers_.find(easy);
      if (found == transfers_.end()) continue;
      Transfer& transfer = *found->second;

      DeliveryOutcome outcome;
      outcome.key = std::move(transfer.key);
      outcome.durationMs = millisSince(transfer.started);
      long status = 0;
      if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status != 0) {
        outcome.status = status;
      }
      if (result == CURLE_COULDNT_CONNECT && !transfer.refused.empty()) {
        outcome.error = transfer.refused;
      } else if (result != CURLE_OK) {
        outcome.error = describe(result, transfer.error);
      }
      done.push_back(std::move(outcome));

      curl_multi_remove_handle(multi_, easy);
      transfers_.erase(found);
    }
  }

  SenderOptions options_;
  CURLM* multi_ = nullptr;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers_;
  std::vector<DeliveryOutcome> failedEarly_;  // outcomes owed by the next poll()
  std::atomic<bool> woken_{false};
};

WebhookSender::WebhookSender(SenderOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
WebhookSender::~WebhookSender() = default;
std::size_t WebhookSender::inFlight() const {
  return impl_->inFlight();
}
bool WebhookSender::hasCapacity() const {
  return impl_->hasCapacity();
}
void WebhookSender::send(OutgoingDelivery delivery) {
  impl_->send(std::move(delivery));
}
std::vector<DeliveryOutcome> WebhookSender::poll(std::chrono::milliseconds wait) {
  return impl_->poll(wait);
}
void WebhookSender::wakeUp() {
  impl_->wakeUp();
}

}  // namespace offers::notify
