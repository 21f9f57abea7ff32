// Which network addresses a webhook may reach. A client chooses a webhook's URL, so without
// a rule it could make the server POST into the server's own network: loopback services,
// the cloud metadata endpoint at 169.254.169.254, private ranges (server-side request
// forgery). Unless `--allow-private-webhooks`, only public addresses are reachable, and
// this is checked twice:
//   - at registration, by checkWebhookHost (injected into service::Service by main.cpp):
//     the URL's host, resolved, must have public addresses only; 400 invalid_request on `url`;
//   - at delivery, by WebhookSender on every socket curl opens, after curl's own name
//     resolution, so a name that resolves differently later (DNS rebinding) still cannot
//     reach a refused address.
// classify() is a pure function of an address; checkWebhookHost resolves names.
// Pinned by tests/unit/test_address_policy.cpp and tests/integration/test_webhook_targets.cpp.
#pragma once

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace offers::notify {

// An IPv4 or IPv6 address, in network byte order.
struct IpAddress {
  enum class Family { v4, v6 };
  Family family = Family::v4;
  std::array<std::uint8_t, 16> bytes{};  // IPv4: the first 4

  // The standard text form ("10.0.0.5", "::ffff:127.0.0.1").
  std::string toString() const;

  // From strict text: a dotted quad or an RFC 4291 IPv6 address (inet_pton), without
  // brackets or zone; nullopt for anything else, host names included.
  static std::optional<IpAddress> parse(std::string_view text);
  // From a socket address of family AF_INET or AF_INET6; nullopt for other families or a
  // length too short for the family.
  static std::optional<IpAddress> from(const sockaddr* address, socklen_t length);
};

// Where an address points. Everything other than publicAddress is refused as a webhook
// target unless --allow-private-webhooks.
enum class AddressClass {
  publicAddress,
  unspecified,     // 0.0.0.0/8, ::  (connecting to 0.0.0.0 reaches this host)
  loopback,        // 127.0.0.0/8, ::1
  privateNetwork,  // 10/8, 172.16/12, 192.168/16 (RFC 1918); fc00::/7 (unique local)
  sharedAddress,   // 100.64.0.0/10, carrier-grade NAT (RFC 6598)
  linkLocal,       // 169.254.0.0/16 (cloud metadata services), fe80::/10
  reserved,        // 192.0.0.0/24 (IETF protocol assignments), 240.0.0.0/4 (future use)
  benchmarking,    // 198.18.0.0/15 (RFC 2544)
  multicast,       // 224.0.0.0/4, ff00::/8
  broadcast,       // 255.255.255.255
};

// The class of `address`. An IPv6 address that embeds an IPv4 one is classified by the
// embedded address: IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d (other than ::
// and ::1 themselves) and NAT64 64:ff9b::a.b.c.d (RFC 6052), because each of them can
// reach that IPv4 address.
AddressClass classify(const IpAddress& address);

// "a loopback address", "an unspecified address", ...: for messages.
std::string_view describe(AddressClass kind);

// How long registration waits for a host's addresses. getaddrinfo has no timeout of its
// own (it follows resolv.conf: 5 s per attempt and server by default), so the lookup runs
// on a thread of its own and is abandoned, left to finish in the background, after this.
inline constexpr std::chrono::milliseconds kHostLookupTimeout{2000};

// The registration check of a webhook URL's host (decoded, IPv6 without brackets): an IP
// literal is classified directly; a name is resolved (getaddrinfo, IPv4 and IPv6) and
// every address it has must be public. Throws domain::Error invalid_request naming `url`
// when an address is not public, or when the name does not resolve within
// kHostLookupTimeout; unavailable (503) while too many earlier lookups are still stuck.
// Blocks the calling thread for at most kHostLookupTimeout.
void checkWebhookHost(std::string_view host);

}  // namespace offers::notify
