// `offers-api serve` on an address it cannot listen on, a port another socket holds:
// a message naming the address and the reason, exit status 1, and no library internals.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

// A socket listening on an ephemeral port of 127.0.0.1, closed at the end of the scope.
class OccupiedPort {
 public:
  OccupiedPort() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(fd_, 1) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      close(fd_);
      throw std::runtime_error("cannot listen on an ephemeral port");
    }
    port_ = ntohs(address.sin_port);
  }
  ~OccupiedPort() { close(fd_); }
  OccupiedPort(const OccupiedPort&) = delete;
  OccupiedPort& operator=(const OccupiedPort&) = delete;

  unsigned short port() const { return port_; }

 private:
  int fd_;
  unsigned short port_ = 0;
};

TEST(ListenCliTest, APortInUseIsNamedAndExitsOne) {
  const OccupiedPort occupied;
  TempDir dir;
  const std::string port = std::to_string(occupied.port());
  const CommandResult r =
      runCommand(OFFERS_API_BINARY, {"serve", "--host", "127.0.0.1", "--port", port, "--data-dir",
                                     (dir.path() / "data").string()});
  ASSERT_FALSE(r.timedOut) << "the server started on a port in use";
  EXPECT_EQ(r.exitCode, 1) << "stderr: " << r.err;
  EXPECT_NE(r.err.find("cannot listen on 127.0.0.1:" + port + ": address already in use"),
            std::string::npos)
      << r.err;
  // Not Asio's own words ("bind: Address already in use [system:98 at ...]").
  EXPECT_EQ(r.err.find("system:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("bind:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace offers::testing
