// The exposition parser: line by line, HELP and TYPE comments, samples with their label
// sets, and the grouping rules that tie samples to their family.
#include "support/prometheus.hpp"

#include <cctype>
#include <cstdlib>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace offers::testing {

namespace {

bool isNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool isNameChar(char c) {
  return isNameStart(c) || std::isdigit(static_cast<unsigned char>(c));
}

}  // namespace

std::optional<double> Exposition::find(const std::string& name, const Labels& labels) const {
  for (const auto& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

double Exposition::value(const std::string& name, const Labels& labels) const {
  return find(name, labels).value_or(0);
}

std::vector<Sample> Exposition::series(const std::string& name) const {
  std::vector<Sample> out;
  for (const auto& s : samples) {
    if (s.name == name) out.push_back(s);
  }
  return out;
}

std::string Exposition::familyOf(const std::string& name) const {
  if (type.contains(name)) return name;
  for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const std::string base = name.substr(0, name.size() - suffix.size());
      if (type.contains(base)) return base;
    }
  }
  return name;
}

Exposition parseExposition(const std::string& text) {
  Exposition out;
  if (!text.empty() && text.back() != '\n') throw std::runtime_error("does not end with \\n");
  std::istringstream in(text);
  std::set<std::string> finishedFamilies;
  std::string currentFamily;
  std::set<std::pair<std::string, Labels>> seen;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    auto fail = [&](const std::string& why) {
      throw std::runtime_error("line " + std::to_string(number) + ": " + why + ": " + line);
    };
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, keyword, family;
      words >> hash >> keyword >> family;
      if (keyword != "HELP" && keyword != "TYPE") continue;  // a comment
      if (family.empty()) fail("no metric name");
      std::string rest;
      std::getline(words, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      if (keyword == "HELP") {
        if (out.help.contains(family)) fail("a second HELP");
        out.help[family] = rest;
      } else {
        if (out.type.contains(family)) fail("a second TYPE");
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.contains(rest)) fail("unknown type");
        if (finishedFamilies.contains(family) || currentFamily == family) {
          fail("TYPE after the family's samples");
        }
        out.type[family] = rest;
      }
      continue;
    }
    Sample sample;
    std::size_t i = 0;
    if (!isNameStart(line[0])) fail("not a metric name");
    while (i < line.size() && isNameChar(line[i])) ++i;
    sample.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const std::size_t start = i;
        while (i < line.size() && isNameChar(line[i]) && line[i] != ':') ++i;
        const std::string label = line.substr(start, i - start);
        if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
          fail("malformed label");
        }
        i += 2;
        std::string value;
        for (;; ++i) {
          if (i >= line.size()) fail("unterminated label value");
          if (line[i] == '"') break;
          if (line[i] == '\\') {
            if (++i >= line.size()) fail("dangling escape");
            if (line[i] == 'n') {
              value.push_back('\n');
            } else if (line[i] == '\\' || line[i] == '"') {
              value.push_back(line[i]);
            } else {
              fail("unknown escape");
            }
          } else {
            value.push_back(line[i]);
          }
        }
        ++i;  // the closing quote
        if (sample.labels.contains(label)) fail("label given twice");
        sample.labels[label] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) fail("unterminated label set");
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') fail("no space before the value");
    while (i < line.size() && line[i] == ' ') ++i;
    const std::string rest = line.substr(i);
    const std::string valueText = rest.substr(0, rest.find(' '));
    char* end = nullptr;
    sample.value = std::strtod(valueText.c_str(), &end);
    if (valueText.empty() || end != valueText.c_str() + valueText.size()) fail("not a number");
    if (rest.find(' ') != std::string::npos) {
      const std::string timestamp = rest.substr(rest.find(' ') + 1);
      if (timestamp.empty() || timestamp.find_first_not_of("-0123456789") != std::string::npos) {
        fail("malformed timestamp");
      }
    }
    const std::string family = out.familyOf(sample.name);
    if (family != currentFamily) {
      if (finishedFamilies.contains(family)) fail("the family's samples are not in one group");
      if (!currentFamily.empty()) finishedFamilies.insert(currentFamily);
      currentFamily = family;
    }
    if (!seen.insert({sample.name, sample.labels}).second) fail("the same series twice");
    out.samples.push_back(std::move(sample));
  }
  return out;
}

}  // namespace offers::testing
