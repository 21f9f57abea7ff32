// The webhook address policy (src/notify/address_policy.hpp): every refused IPv4 and IPv6
// range at its edges and just outside them, IPv6 forms that embed an IPv4 address, socket
// addresses, and the registration check of a host, literal or resolved.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/error.hpp"
#include "expect_error.hpp"
#include "notify/address_policy.hpp"

namespace offers::notify {
// Failure messages name the class ("a loopback address"), not its number.
void PrintTo(AddressClass kind, std::ostream* out) {
  *out << describe(kind);
}
}  // namespace offers::notify

namespace offers::testing {
namespace {

using notify::AddressClass;
using notify::checkWebhookHost;
using notify::classify;
using notify::IpAddress;

AddressClass classOf(const std::string& text) {
  const auto address = IpAddress::parse(text);
  if (!address) throw std::invalid_argument("not an IP address: " + text);
  return classify(*address);
}

struct Case {
  std::string address;
  AddressClass expected;
};

void expectClasses(const std::vector<Case>& cases) {
  for (const Case& c : cases) EXPECT_EQ(classOf(c.address), c.expected) << c.address;
}

constexpr auto kPublic = AddressClass::publicAddress;

TEST(AddressPolicy, RefusesEachIPv4RangeUpToItsEdges) {
  expectClasses({
      {"0.0.0.0", AddressClass::unspecified},
      {"0.255.255.255", AddressClass::unspecified},
      {"10.0.0.0", AddressClass::privateNetwork},
      {"10.1.2.3", AddressClass::privateNetwork},
      {"10.255.255.255", AddressClass::privateNetwork},
      {"100.64.0.0", AddressClass::sharedAddress},
      {"100.127.255.255", AddressClass::sharedAddress},
      {"127.0.0.0", AddressClass::loopback},
      {"127.0.0.1", AddressClass::loopback},
      {"127.255.255.255", AddressClass::loopback},
      {"169.254.0.0", AddressClass::linkLocal},
      {"169.254.169.254", AddressClass::linkLocal},  // cloud metadata
      {"169.254.255.255", AddressClass::linkLocal},
      {"172.16.0.0", AddressClass::privateNetwork},
      {"172.31.255.255", AddressClass::privateNetwork},
      {"192.0.0.0", AddressClass::reserved},
      {"192.0.0.255", AddressClass::reserved},
      {"192.168.0.0", AddressClass::privateNetwork},
      {"192.168.255.255", AddressClass::privateNetwork},
      {"198.18.0.0", AddressClass::benchmarking},
      {"198.19.255.255", AddressClass::benchmarking},
      {"224.0.0.0", AddressClass::multicast},
      {"239.255.255.255", AddressClass::multicast},
      {"240.0.0.0", AddressClass::reserved},
      {"255.255.255.254", AddressClass::reserved},
      {"255.255.255.255", AddressClass::broadcast},
  });
}

TEST(AddressPolicy, AcceptsTheIPv4AddressesJustOutsideEachRange) {
  expectClasses({
      {"1.0.0.0", kPublic},
      {"9.255.255.255", kPublic},
      {"11.0.0.0", kPublic},
      {"100.63.255.255", kPublic},
      {"100.128.0.0", kPublic},
      {"126.255.255.255", kPublic},
      {"128.0.0.0", kPublic},
      {"169.253.255.255", kPublic},
      {"169.255.0.0", kPublic},
      {"172.15.255.255", kPublic},
      {"172.32.0.0", kPublic},
      {"191.255.255.255", kPublic},
      {"192.0.1.0", kPublic},
      {"192.0.2.1", kPublic},  // documentation range: not in the
                               // refused list
      {"192.167.255.255", kPublic},
      {"192.169.0.0", kPublic},
      {"198.17.255.255", kPublic},
      {"198.20.0.0", kPublic},
      {"223.255.255.255", kPublic},
      {"8.8.8.8", kPublic},
      {"93.184.216.34", kPublic},
  });
}

TEST(AddressPolicy, RefusesEachIPv6RangeAndAcceptsItsNeighbours) {
  expectClasses({
      {"::", AddressClass::unspecified},
      {"::1", AddressClass::loopback},
      {"fe80::", AddressClass::linkLocal},
      {"fe80::1", AddressClass::linkLocal},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressClass::linkLocal},
      {"fc00::", AddressClass::privateNetwork},
      {"fd12:3456:789a::1", AddressClass::privateNetwork},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressClass::privateNetwork},
      {"ff00::", AddressClass::multicast},
      {"ff02::1", AddressClass::multicast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressClass::multicast},

      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", kPublic},
      {"fec0::", kPublic},  // site-local, deprecated: not in the refused list
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", kPublic},
      {"fe00::", kPublic},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", kPublic},
      {"2001:4860:4860::8888", kPublic},
      {"2606:2800:220:1:248:1893:25c8:1946", kPublic},
      {"::1:0:0:1", kPublic},  // neither ::1 nor an embedded IPv4 form
  });
}

TEST(AddressPolicy, ClassifiesIPv6FormsThatEmbedAnIPv4AddressByThatAddress) {
  expectClasses({
      // IPv4-mapped ::ffff:0:0/96
      {"::ffff:127.0.0.1", AddressClass::loopback},
      {"::ffff:7f00:1", AddressClass::loopback},  // the same, in hex
      {"::ffff:10.0.0.5", AddressClass::privateNetwork},
      {"::ffff:169.254.169.254", AddressClass::linkLocal},
      {"::ffff:0.0.0.0", AddressClass::unspecified},
      {"::ffff:100.64.0.1", AddressClass::sharedAddress},
      {"::ffff:255.255.255.255", AddressClass::broadcast},
      {"::ffff:8.8.8.8", kPublic},
      {"::ffff:172.32.0.0", kPublic},
      // IPv4-compatible ::/96
      {"::127.0.0.1", AddressClass::loopback},
      {"::192.168.1.1", AddressClass::privateNetwork},
      {"::0.0.0.2", AddressClass::unspecified},
      {"::8.8.8.8", kPublic},
      // NAT64 64:ff9b::/96
      {"64:ff9b::10.1.2.3", AddressClass::privateNetwork},
      {"64:ff9b::127.0.0.1", AddressClass::loopback},
      {"64:ff9b::a9fe:a9fe", AddressClass::linkLocal},  // 169.254.169.254
      {"64:ff9b::8.8.8.8", kPublic},
      {"64:ff9b:0:0:0:1:7f00:1", kPublic},  // outside the /96: not NAT64's form
      // Almost mapped: another value where ::ffff:0:0/96 has ffff.
      {"::fffe:127.0.0.1", kPublic},
  });
}

TEST(AddressPolicy, ParsesOnlyStrictLiterals) {
  for (const char* text :
       {"localhost", "example.com", "127.1", "2130706433", "0x7f.0.0.1", "010.0.0.1", "1.2.3.4.5",
        "256.0.0.1", "[::1]", "fe80::1%eth0", "::ffff:1.2.3.256", "", " 127.0.0.1"}) {
    EXPECT_FALSE(IpAddress::parse(text).has_value()) << text;
  }
  const auto mapped = IpAddress::parse("::FFFF:127.0.0.1");
  ASSERT_TRUE(mapped.has_value());
  EXPECT_EQ(mapped->family, IpAddress::Family::v6);
  EXPECT_EQ(mapped->toString(), "::ffff:127.0.0.1");
  const auto v4 = IpAddress::parse("10.0.0.5");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->family, IpAddress::Family::v4);
  EXPECT_EQ(v4->toString(), "10.0.0.5");
}

TEST(AddressPolicy, ReadsSocketAddressesOfBothFamiliesOnly) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(80);
  ASSERT_EQ(inet_pton(AF_INET, "10.0.0.5", &v4.sin_addr), 1);
  const auto fromV4 = IpAddress::from(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
  ASSERT_TRUE(fromV4.has_value());
  EXPECT_EQ(fromV4->toString(), "10.0.0.5");
  EXPECT_EQ(classify(*fromV4), AddressClass::privateNetwork);
  EXPECT_FALSE(IpAddress::from(reinterpret_cast<const sockaddr*>(&v4), sizeof v4 - 1));

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:169.254.169.254", &v6.sin6_addr), 1);
  const auto fromV6 = IpAddress::from(reinterpret_cast<const sockaddr*>(&v6), sizeof v6);
  ASSERT_TRUE(fromV6.has_value());
  EXPECT_EQ(fromV6->family, IpAddress::Family::v6);
  EXPECT_EQ(classify(*fromV6), AddressClass::linkLocal);
  ASSERT_EQ(inet_pton(AF_INET6, "2001:4860:4860::8888", &v6.sin6_addr), 1);
  EXPECT_EQ(classify(*IpAddress::from(reinterpret_cast<const sockaddr*>(&v6), sizeof v6)), kPublic);

  sockaddr_un unix{};
  unix.sun_family = AF_UNIX;
  EXPECT_FALSE(IpAddress::from(reinterpret_cast<const sockaddr*>(&unix), sizeof unix));
  EXPECT_FALSE(IpAddress::from(nullptr, 0));
}

// --- The registration check ----------------------------------------------------------

constexpr const char* kMustBePublic =
    "; webhook targets must be public (--allow-private-webhooks allows them)";

TEST(WebhookHostCheck, RefusesNonPublicLiteralsNamingUrlAndTheAddress) {
  EXPECT_TRUE(rejects([] { checkWebhookHost("127.0.0.1"); },
                      std::string("url: 127.0.0.1 is a loopback address") + kMustBePublic));
  EXPECT_TRUE(rejects([] { checkWebhookHost("169.254.169.254"); },
                      "url: 169.254.169.254 is a link-local address"));
  EXPECT_TRUE(rejects([] { checkWebhookHost("10.1.2.3"); }, "url: 10.1.2.3 is a private address"));
  EXPECT_TRUE(rejects([] { checkWebhookHost("::1"); }, "url: ::1 is a loopback address"));
  EXPECT_TRUE(rejects([] { checkWebhookHost("::ffff:192.168.0.1"); },
                      "url: ::ffff:192.168.0.1 is a private address"));
  EXPECT_TRUE(rejects([] { checkWebhookHost("0.0.0.0"); }, "url: 0.0.0.0 is an unspecified"));
}

// A literal is judged without a lookup, so these pass with no network at all.
TEST(WebhookHostCheck, AcceptsPublicLiterals) {
  EXPECT_NO_THROW(checkWebhookHost("93.184.216.34"));
  EXPECT_NO_THROW(checkWebhookHost("2606:2800:220:1:248:1893:25c8:1946"));
  EXPECT_NO_THROW(checkWebhookHost("::ffff:8.8.8.8"));
}

// localhost comes from the hosts file; the numeric forms are read by getaddrinfo itself
// (inet_aton's rules), all without a DNS server.
TEST(WebhookHostCheck, ResolvesNamesAndRefusesWhatTheyResolveTo) {
  EXPECT_TRUE(rejects([] { checkWebhookHost("localhost"); }, "url: host 'localhost' resolves to "));
  for (const char* numeric : {"127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1"}) {
    EXPECT_TRUE(rejects([&] { checkWebhookHost(numeric); },
                        "url: host '" + std::string(numeric) +
                            "' resolves to 127.0.0.1, a loopback address" + kMustBePublic))
        << numeric;
  }
  // inet_aton reads 012 as octal: 10.0.0.1, which is private, not the public 12.0.0.1.
  EXPECT_TRUE(rejects([] { checkWebhookHost("012.0.0.1"); },
                      "url: host '012.0.0.1' resolves to 10.0.0.1, a private address"));
}

TEST(WebhookHostCheck, RefusesAHostThatDoesNotResolve) {
  // .invalid is reserved never to resolve (RFC 6761). Without any DNS the lookup fails
  // too, or at worst runs out of time; each is a 400 naming the host.
  EXPECT_TRUE(rejects([] { checkWebhookHost("no-such-host.invalid"); },
                      "url: host 'no-such-host.invalid' d"));
  EXPECT_TRUE(rejects([] { checkWebhookHost(std::string("localhost\0.example", 18)); },
                      "url: host 'localhost?.example' does not resolve"));
}

}  // namespace
}  // namespace offers::testing
