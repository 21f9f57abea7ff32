#include "domain/time.hpp"

#include <chrono>
#include <cstdio>
#include <string_view>

namespace offers::domain {

Millis nowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string formatTimestamp(Millis ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{ms}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  const int y = int(ymd.year());
  if (y < 0 || y > 9999) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", y,
                  unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                  long(hms.minutes().count()), long(hms.seconds().count()),
                  long(hms.subseconds().count()));
    return buf;
  }
  // Every response and log line formats timestamps: digits by hand, not snprintf
  // (a quarter of the instructions of a GET of an offer went there).
  std::string out = "0000-00-00T00:00:00.000Z";
  auto put = [&](std::size_t at, long value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) out[at + i] = char('0' + value % 10);
  };
  put(0, y, 4);
  put(5, long(unsigned(ymd.month())), 2);
  put(8, long(unsigned(ymd.day())), 2);
  put(11, long(hms.hours().count()), 2);
  put(14, long(hms.minutes().count()), 2);
  put(17, long(hms.seconds().count()), 2);
  put(20, long(hms.subseconds().count()), 3);
  return out;
}

std::optional<Millis> parseTimestamp(std::string_view text) {
  // Exactly the shape formatTimestamp writes: YYYY-MM-DDTHH:MM:SS.mmmZ, digits only.
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != shape.size()) return std::nullopt;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const bool ok = shape[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == shape[i];
    if (!ok) return std::nullopt;
  }
  auto num = [&](std::size_t from, std::size_t n) {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
            s = num(17, 2), frac = num(20, 3);
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  const auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + milliseconds{frac};
  return duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

}  // namespace offers::domain
