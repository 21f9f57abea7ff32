// The settings table (app/settings.hpp) is the one list of the binary's settings: the
// table of docs/configuration.md must list the same ones, with the same variables,
// commands and defaults; the defaults shown are those of a default-constructed Config;
// every variable, those without a flag included, is read through the table.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/settings.hpp"

namespace offers::testing {
namespace {

using app::Setting;

// One row of a settings table as documentation shows it.
struct DocRow {
  std::string flag;
  std::string envVar;
  std::string commands;
  std::string shownDefault;
  bool operator==(const DocRow&) const = default;
};

// The row as docs/configuration.md writes it, up to its meaning.
std::ostream& operator<<(std::ostream& os, const DocRow& r) {
  const auto code = [](const std::string& text) { return text.empty() ? text : "`" + text + "`"; };
  return os << "| " << code(r.flag) << " | " << code(r.envVar) << " | " << r.commands << " | "
            << code(r.shownDefault) << " |";
}

bool contains(const std::vector<DocRow>& rows, const DocRow& row) {
  return std::find(rows.begin(), rows.end(), row) != rows.end();
}

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

// A cell's text without the backticks around code.
std::string plain(const std::string& cell) {
  std::string out;
  for (const char c : trimmed(cell)) {
    if (c != '`') out.push_back(c);
  }
  return out;
}

// The rows of the markdown table whose header starts "| flag | environment | commands |
// default |" in `markdown`.
std::vector<DocRow> parseSettingsTable(const std::string& markdown) {
  std::istringstream in(markdown);
  std::string line;
  bool inTable = false;
  std::vector<DocRow> rows;
  while (std::getline(in, line)) {
    if (!inTable) {
      inTable = line.starts_with("| flag | environment | commands | default |");
      continue;
    }
    if (!line.starts_with("|")) break;
    if (line.starts_with("|---")) continue;
    std::vector<std::string> cells;
    std::size_t start = 1;
    for (std::size_t bar = line.find('|', start); bar != std::string::npos;
         bar = line.find('|', start)) {
      cells.push_back(line.substr(start, bar - start));
      start = bar + 1;
    }
    if (cells.size() < 4) throw std::runtime_error("a row of fewer than 4 cells: " + line);
    rows.push_back({plain(cells[0]), plain(cells[1]), plain(cells[2]), plain(cells[3])});
  }
  return rows;
}

DocRow rowOf(const Setting& s) {
  return {std::string(s.flag), std::string(s.envVar), app::commandNames(s.commands),
          s.shownDefault()};
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SettingsDoc, TheConfigurationTableIsTheSettingsTable) {
  const std::string path = std::string(OFFERS_SOURCE_DIR) + "/docs/configuration.md";
  const std::vector<DocRow> documented = parseSettingsTable(readFile(path));
  ASSERT_FALSE(documented.empty()) << "no settings table in " << path;
  std::vector<DocRow> expected;
  for (const auto& s : app::settings()) expected.push_back(rowOf(s));

  for (const auto& row : expected) {
    EXPECT_TRUE(contains(documented, row))
        << path << " lacks, or differs from the binary on, the row\n"
        << row;
  }
  for (const auto& row : documented) {
    EXPECT_TRUE(contains(expected, row)) << path << " has a row the binary does not:\n" << row;
  }
  if (!HasFailure()) {
    EXPECT_EQ(documented, expected) << "the same rows, not in the order of the settings table";
  }
}

TEST(Settings, FlagsAndVariablesAreUniqueAndEverySettingIsExplained) {
  std::set<std::string_view> flags, variables;
  for (const auto& s : app::settings()) {
    SCOPED_TRACE(std::string(s.name()));
    EXPECT_FALSE(s.envVar.empty());
    EXPECT_FALSE(s.help.empty());
    EXPECT_NE(s.commands, 0u);
    EXPECT_TRUE(variables.insert(s.envVar).second) << "variable used twice";
    if (!s.flag.empty()) {
      EXPECT_TRUE(s.flag.starts_with("--"));
      EXPECT_TRUE(flags.insert(s.flag).second) << "flag used twice";
    } else {
      EXPECT_FALSE(s.placeholder.empty()) << "a variable alone always carries a value";
    }
  }
}

// The defaults shown are values the setting accepts, and applying one changes nothing.
TEST(Settings, ApplyingAShownDefaultChangesNothing) {
  const app::Config defaults;
  for (const auto& s : app::settings()) {
    const std::string shown = s.shownDefault();
    // --burst: its default is a rule ("the rate"), not a number one could give.
    if (shown.empty() || s.flag == "--burst") continue;
    SCOPED_TRACE(std::string(s.name()) + " " + shown);
    app::Config config;
    ASSERT_NO_THROW(s.apply(config, std::string(s.name()), shown));
    for (const auto& other : app::settings()) {
      EXPECT_EQ(other.show(config), other.show(defaults)) << other.name();
    }
  }
}

TEST(Settings, UsageListsEveryFlagAndVariable) {
  const std::string text = app::usage();
  for (const auto& s : app::settings()) {
    if (!s.flag.empty()) {
      EXPECT_NE(text.find("  " + std::string(s.flag) + " "), std::string::npos) << s.flag;
      EXPECT_NE(text.find("[" + std::string(s.envVar) + "]"), std::string::npos) << s.envVar;
    } else {
      EXPECT_NE(text.find("  " + std::string(s.envVar) + " "), std::string::npos) << s.envVar;
    }
  }
  for (const char* heading : {"Options of serve:", "Options of serve and seed:", "Options of seed:",
                              "Options of link-brand:"}) {
    EXPECT_NE(text.find(heading), std::string::npos) << heading;
  }
}

// ---- Reading the environment ---------------------------------------------------------------

app::Environment environmentOf(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

const std::string kKey = "0123456789abcdef0123";
const std::string kOtherKey = "fedcba98765432100123";

TEST(Settings, KeysFromTheEnvironmentAreReadThroughTheTable) {
  const auto config = app::parseCommandLine(
      {"serve"}, environmentOf({{"OFFERS_API_KEYS", "alice:" + kKey + ",bob:" + kOtherKey},
                                {"OFFERS_METRICS_KEY", kOtherKey + "x"}}));
  ASSERT_EQ(config.environmentApiKeys.size(), 2u);
  EXPECT_EQ(config.environmentApiKeys[0].name, "alice");
  EXPECT_EQ(config.environmentApiKeys[1].key, kOtherKey);
  EXPECT_EQ(config.metricsKey, kOtherKey + "x");
}

TEST(Settings, ABadKeyInTheEnvironmentIsNamedButNotQuoted) {
  try {
    app::parseCommandLine({"serve"}, environmentOf({{"OFFERS_API_KEYS", "alice:short-key"}}));
    FAIL() << "a key of 9 characters was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("OFFERS_API_KEYS"), std::string::npos) << message;
    EXPECT_EQ(message.find("short-key"), std::string::npos) << message;
  }
}

TEST(Settings, AFlagWinsOverItsVariable) {
  const auto config = app::parseCommandLine(
      {"serve", "--port", "9001"},
      environmentOf({{"OFFERS_PORT", "9000"}, {"OFFERS_THREADS", "3"}, {"OFFERS_SEED", "on"}}));
  EXPECT_EQ(config.server.port, 9001);
  EXPECT_EQ(config.server.threads, 3u);
  EXPECT_TRUE(config.seed);
}

TEST(Settings, AVariableOfAnotherCommandIsIgnored) {
  // OFFERS_OFFER belongs to link-brand: serve neither reads nor refuses it.
  EXPECT_NO_THROW(app::parseCommandLine({"serve"}, environmentOf({{"OFFERS_OFFER", "x"}})));
  EXPECT_THROW(app::parseCommandLine({"serve", "--offer", "x"}, environmentOf({})),
               std::invalid_argument);
}

TEST(Settings, TheApiKeyOfLinkBrand) {
  const auto fromFlag =
      app::parseCommandLine({"link-brand", "--offer", "o", "--api-key", kKey}, environmentOf({}));
  EXPECT_EQ(fromFlag.apiKey, kKey);
  const auto fromVariable = app::parseCommandLine({"link-brand", "--offer", "o"},
                                                  environmentOf({{"OFFERS_API_KEY", kOtherKey}}));
  EXPECT_EQ(fromVariable.apiKey, kOtherKey);
  const auto without = app::parseCommandLine({"link-brand", "--offer", "o"}, environmentOf({}));
  EXPECT_FALSE(without.apiKey.has_value());
}

TEST(Settings, TheEngineIsAnEnumNamedAsUsersWriteIt) {
  EXPECT_EQ(app::defaultConfig().store, app::Engine::rocksdb);
  for (const auto engine : {app::Engine::rocksdb, app::Engine::dynamodb}) {
    EXPECT_EQ(app::parseEngine(app::engineName(engine)), engine);
  }
  EXPECT_EQ(app::engineName(app::Engine::dynamodb), "dynamodb");
  EXPECT_FALSE(app::parseEngine("cassandra").has_value());
  EXPECT_THROW(app::parseCommandLine({"seed", "--store", "cassandra"}, environmentOf({})),
               std::invalid_argument);
}

}  // namespace
}  // namespace offers::testing
