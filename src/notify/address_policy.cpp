// The address classifier (pure) and the registration-time host check (getaddrinfo on a
// thread of its own, so that a slow resolver costs a request at most kHostLookupTimeout).
#include "notify/address_policy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "domain/error.hpp"

namespace offers::notify {

namespace {

AddressClass classifyV4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  if (a == 0) return AddressClass::unspecified;
  if (a == 10) return AddressClass::privateNetwork;
  if (a == 100 && (b & 0xC0) == 64) return AddressClass::sharedAddress;
  if (a == 127) return AddressClass::loopback;
  if (a == 169 && b == 254) return AddressClass::linkLocal;
  if (a == 172 && (b & 0xF0) == 16) return AddressClass::privateNetwork;
  if (a == 192 && b == 0 && c == 0) return AddressClass::reserved;
  if (a == 192 && b == 168) return AddressClass::privateNetwork;
  if (a == 198 && (b & 0xFE) == 18) return AddressClass::benchmarking;
  if ((a & 0xF0) == 224) return AddressClass::multicast;
  if (a == 255 && b == 255 && c == 255 && d == 255) return AddressClass::broadcast;
  if ((a & 0xF0) == 240) return AddressClass::reserved;
  return AddressClass::publicAddress;
}

bool allZero(const std::uint8_t* first, const std::uint8_t* last) {
  return std::all_of(first, last, [](std::uint8_t byte) { return byte == 0; });
}

// Host lookups whose thread is still in getaddrinfo, including abandoned ones. Past the
// limit a registration is answered 503 rather than starting yet another thread.
std::atomic<int> lookupsRunning{0};
constexpr int kMaxLookupsRunning = 32;

struct Lookup {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  int status = 0;
  std::vector<IpAddress> addresses;
};

// A host as messages quote it: a decoded host may hold control characters (%00, say).
std::string printable(std::string_view host) {
  std::string out(host);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  return out;
}

// `finding` says what is wrong with the URL's host ("10.1.2.3 is a private address").
[[noreturn]] void refuseTarget(const std::string& finding) {
  domain::throwInvalid("url: " + finding +
                       "; webhook targets must be public (--allow-private-webhooks allows them)");
}

}  // namespace

std::string IpAddress::toString() const {
  char text[INET6_ADDRSTRLEN] = {};
  const int af = family == Family::v4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes.data(), text, sizeof text) == nullptr) return "?";
  return text;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string terminated(text);
  IpAddress address;
  if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = Family::v4;
    return address;
  }
  if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = Family::v6;
    return address;
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::from(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return std::nullopt;
  IpAddress out;
  if (address->sa_family == AF_INET && length >= socklen_t(sizeof(sockaddr_in))) {
    sockaddr_in v4;
    std::memcpy(&v4, address, sizeof v4);
    out.family = Family::v4;
    std::memcpy(out.bytes.data(), &v4.sin_addr, 4);
    return out;
  }
  if (address->sa_family == AF_INET6 && length >= socklen_t(sizeof(sockaddr_in6))) {
    sockaddr_in6 v6;
    std::memcpy(&v6, address, sizeof v6);
    out.family = Family::v6;
    std::memcpy(out.bytes.data(), &v6.sin6_addr, 16);
    return out;
  }
  return std::nullopt;
}

AddressClass classify(const IpAddress& address) {
  const auto& b = address.bytes;
  if (address.family == IpAddress::Family::v4) return classifyV4(b[0], b[1], b[2], b[3]);

  const std::uint8_t* first = b.data();
  if (allZero(first, first + 15)) {
    if (b[15] == 0) return AddressClass::unspecified;  // ::
    if (b[15] == 1) return AddressClass::loopback;     // ::1
  }
  const bool mapped = allZero(first, first + 10) && b[10] == 0xFF && b[11] == 0xFF;
  const bool compatible = allZero(first, first + 12);
  const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B &&
                     allZero(first + 4, first + 12);
  if (mapped || compatible || nat64) return classifyV4(b[12], b[13], b[14], b[15]);
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return AddressClass::linkLocal;  // fe80::/10
  if ((b[0] & 0xFE) == 0xFC) return AddressClass::privateNetwork;             // fc00::/7
  if (b[0] == 0xFF) return AddressClass::multicast;                           // ff00::/8
  return AddressClass::publicAddress;
}

std::string_view describe(AddressClass kind) {
  switch (kind) {
    case AddressClass::publicAddress:
      return "a public address";
    case AddressClass::unspecified:
      return "an unspecified address";
    case AddressClass::loopback:
      return "a loopback address";
    case AddressClass::privateNetwork:
      return "a private address";
    case AddressClass::sharedAddress:
      return "a shared (carrier-grade NAT) address";
    case AddressClass::linkLocal:
      return "a link-local address";
    case AddressClass::reserved:
      return "a reserved address";
    case AddressClass::benchmarking:
      return "a benchmarking address";
    case AddressClass::multicast:
      return "a multicast address";
    case AddressClass::broadcast:
      return "the broadcast address";
  }
  return "an address";
}

void checkWebhookHost(std::string_view host) {
  if (const auto literal = IpAddress::parse(host)) {
    const AddressClass kind = classify(*literal);
    if (kind != AddressClass::publicAddress) {
      refuseTarget(literal->toString() + " is " + std::string(describe(kind)));
    }
    return;
  }
  const std::string name(host);
  const std::string quoted = "host '" + printable(name) + "'";
  const std::string doesNotResolve = "url: " + quoted + " does not resolve";
  if (name.find('\0') != std::string::npos) domain::throwInvalid(doesNotResolve);

  if (lookupsRunning.fetch_add(1) >= kMaxLookupsRunning) {
    lookupsRunning.fetch_sub(1);
    throw domain::Error(domain::ErrorCode::unavailable,
                        "too many webhook host lookups in progress; try again later");
  }
  // The thread owns a share of the state, so abandoning a slow lookup is safe.
  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread([lookup, name] {
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;  // both families: any refused address refuses the host
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* found = nullptr;
      const int status = getaddrinfo(name.c_str(), nullptr, &hints, &found);
      std::vector<IpAddress> addresses;
      for (const addrinfo* a = found; status == 0 && a != nullptr; a = a->ai_next) {
        if (auto address = IpAddress::from(a->ai_addr, a->ai_addrlen)) {
          addresses.push_back(*address);
        }
      }
      if (found != nullptr) freeaddrinfo(found);
      lookupsRunning.fetch_sub(1);
      const std::lock_guard lock(lookup->mutex);
      lookup->status = status;
      lookup->addresses = std::move(addresses);
      lookup->done = true;
      lookup->finished.notify_all();
    }).detach();
  } catch (const std::system_error& e) {
    lookupsRunning.fetch_sub(1);
    throw domain::Error(domain::ErrorCode::unavailable, "could not look up the webhook host",
                        e.what());
  }

  std::unique_lock lock(lookup->mutex);
  if (!lookup->finished.wait_for(lock, kHostLookupTimeout, [&] { return lookup->done; })) {
    domain::throwInvalid("url: " + quoted + " did not resolve within " +
                         std::to_string(kHostLookupTimeout.count()) + " ms");
  }
  if (lookup->status != 0) {
    throw domain::Error(domain::ErrorCode::invalid_request, doesNotResolve,
                        gai_strerror(lookup->status));
  }
  if (lookup->addresses.empty()) domain::throwInvalid(doesNotResolve);
  for (const IpAddress& address : lookup->addresses) {
    const AddressClass kind = classify(address);
    if (kind != AddressClass::publicAddress) {
      refuseTarget(quoted + " resolves to " + address.toString() + ", " +
                   std::string(describe(kind)));
    }
  }
}

}  // namespace offers::notify
