#include "store/dynamodb/table.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <thread>

#include "domain/backoff.hpp"
#include "domain/error.hpp"

namespace offers::store::dynamodb {

namespace json = boost::json;
using domain::Error;
using domain::ErrorCode;

namespace {

// Opaque client JSON kept as text: numbers and nesting round-trip byte for byte.
constexpr std::string_view kJsonText[] = {"metadata", "data"};

bool isJsonText(std::string_view name) {
  for (auto n : kJsonText) {
    if (n == name) return true;
  }
  return false;
}

const char* indexName(Index index) {
  switch (index) {
    case Index::table:
      return nullptr;
    case Index::gsi1:
      return "GSI1";
    case Index::gsi2:
      return "GSI2";
    case Index::gsi3:
      return "GSI3";
  }
  return nullptr;
}

std::pair<const char*, const char*> keyNames(Index index) {
  switch (index) {
    case Index::table:
      return {"PK", "SK"};
    case Index::gsi1:
      return {"GSI1PK", "GSI1SK"};
    case Index::gsi2:
      return {"GSI2PK", "GSI2SK"};
    case Index::gsi3:
      return {"GSI3PK", "GSI3SK"};
  }
  return {"PK", "SK"};
}

// Before resending the part of a batch DynamoDB left unprocessed (it was throttled):
// backoff with jitter, then give up after many rounds.
void waitToResend(int round) {
  if (round > 50) throw Error(ErrorCode::unavailable, "the store is unavailable");
  const domain::Backoff backoff{std::chrono::milliseconds(5), std::chrono::milliseconds(320),
                                domain::Jitter::full};
  std::this_thread::sleep_for(backoff.delay(round, domain::randomDraw()));
}

void addExpression(json::object& request, const Expression& e) {
  if (!e.update.empty()) request["UpdateExpression"] = e.update;
  if (!e.condition.empty()) request["ConditionExpression"] = e.condition;
  if (!e.names.empty()) request["ExpressionAttributeNames"] = e.names;
  if (!e.values.empty()) request["ExpressionAttributeValues"] = e.values;
}

}  // namespace

json::object S(std::string_view s) {
  return {{"S", s}};
}
json::object N(std::int64_t n) {
  return {{"N", std::to_string(n)}};
}
json::object SS(std::string_view s) {
  return {{"SS", json::array{json::string(s)}}};
}

json::value toAttribute(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return json::object{{"NULL", true}};
    case json::kind::bool_:
      return json::object{{"BOOL", v.as_bool()}};
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return json::object{{"N", json::serialize(v)}};
    case json::kind::string:
      return json::object{{"S", v.as_string()}};
    case json::kind::array: {
      json::array out;
      for (const auto& x : v.as_array()) out.push_back(toAttribute(x));
      return json::object{{"L", std::move(out)}};
    }
    case json::kind::object: {
      json::object out;
      for (const auto& [k, x] : v.as_object()) out[k] = toAttribute(x);
      return json::object{{"M", std::move(out)}};
    }
  }
  return json::object{{"NULL", true}};
}

json::value fromAttribute(const json::value& attribute) {
  const auto& a = attribute.as_object();
  const auto& [type, v] = *a.begin();
  if (type == "S") return v;
  if (type == "N") return json::parse(v.as_string());
  if (type == "BOOL") return v;
  if (type == "NULL") return nullptr;
  if (type == "SS" || type == "NS") {
    json::array out;
    for (const auto& x : v.as_array()) out.push_back(type == "SS" ? x : json::parse(x.as_string()));
    return out;
  }
  if (type == "L") {
    json::array out;
    for (const auto& x : v.as_array()) out.push_back(fromAttribute(x));
    return out;
  }
  if (type == "M") {
    json::object out;
    for (const auto& [k, x] : v.as_object()) out[k] = fromAttribute(x);
    return out;
  }
  throw Error(ErrorCode::internal, "unexpected stored data", "attribute type " + std::string(type));
}

json::object toAttributes(const json::object& plain) {
  json::object out;
  for (const auto& [k, v] : plain) {
    if (isJsonText(k) && !v.is_null()) {
      out[k] = S(json::serialize(v));
    } else {
      out[k] = toAttribute(v);
    }
  }
  return out;
}

json::object fromAttributes(const json::object& item) {
  json::object out;
  for (const auto& [k, v] : item) {
    auto plain = fromAttribute(v);
    if (isJsonText(k) && plain.is_string()) plain = json::parse(plain.as_string());
    out[k] = std::move(plain);
  }
  return out;
}

json::object Table::keyOf(const Key& key) const {
  return {{"PK", S(key.pk)}, {"SK", S(key.sk)}};
}

void Table::translate(const ServiceError& e, std::string_view operation) {
  if (e.type() == "ValidationException") {
    // The item breaks one of DynamoDB's limits (400 KB, say): the request was too big.
    throw Error(ErrorCode::invalid_request, "the store refused the data: " + std::string(e.what()),
                std::string(operation) + ": " + e.what());
  }
  throw Error(ErrorCode::unavailable, "the store is unavailable",
              std::string(operation) + " on " + name_ + ": " + e.what());
}

std::optional<json::object> Table::get(const Key& key) {
  try {
    auto r = client_.call("GetItem",
                          {{"TableName", name_}, {"Key", keyOf(key)}, {"ConsistentRead", true}});
    const auto* item = r.if_contains("Item");
    if (!item) return std::nullopt;
    return fromAttributes(item->as_object());
  } catch (const ServiceError& e) {
    translate(e, "GetItem");
  }
}

std::vector<json::object> Table::batchGet(const std::vector<Key>& keys) {
  std::vector<json::object> out;
  for (std::size_t first = 0; first < keys.size(); first += 100) {
    json::array wanted;
    for (std::size_t i = first; i < keys.size() && i < first + 100; ++i) {
      wanted.push_back(keyOf(keys[i]));
    }
    json::object request{
        {"RequestItems", {{name_, {{"Keys", std::move(wanted)}, {"ConsistentRead", true}}}}}};
    for (int round = 0;; ++round) {
      json::object r;
      try {
        r = client_.call("BatchGetItem", request);
      } catch (const ServiceError& e) {
        translate(e, "BatchGetItem");
      }
      if (const auto* got = r.at("Responses").as_object().if_contains(name_)) {
        for (const auto& item : got->as_array()) out.push_back(fromAttributes(item.as_object()));
      }
      const auto* rest = r.if_contains("UnprocessedKeys");
      if (!rest || rest->as_object().empty()) break;
      waitToResend(round);
      request["RequestItems"] = *rest;
    }
  }
  return out;
}

namespace {

// Asks for the item with a refusal, when the caller wants it.
void askForCurrent(json::object& request, Table::Current* current) {
  if (current) {
    current->reset();
    request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD";
  }
}

}  // namespace

void Table::keepCurrent(const ServiceError& e, const Key& key, Current* current) {
  if (!current) return;
  if (const auto* item = e.body().if_contains("Item"); item && item->is_object()) {
    *current = fromAttributes(item->as_object());
  } else {
    *current = get(key);
  }
}

bool Table::put(const json::object& item, const Expression& condition, Current* current) {
  json::object request{{"TableName", name_}, {"Item", toAttributes(item)}};
  addExpression(request, condition);
  askForCurrent(request, current);
  try {
    client_.call("PutItem", request);
    return true;
  } catch (const ServiceError& e) {
    if (!e.conditionFailed()) translate(e, "PutItem");
    if (current) {
      keepCurrent(e,
                  {std::string(item.at("PK").as_string()), std::string(item.at("SK").as_string())},
                  current);
    }
    return false;
  }
}

std::optional<json::object> Table::update(const Key& key, const Expression& e, Current* current) {
  json::object request{{"TableName", name_}, {"Key", keyOf(key)}, {"ReturnValues", "ALL_NEW"}};
  addExpression(request, e);
  askForCurrent(request, current);
  try {
    auto r = client_.call("UpdateItem", request);
    const auto* attrs = r.if_contains("Attributes");
    return attrs ? fromAttributes(attrs->as_object()) : json::object{};
  } catch (const ServiceError& err) {
    if (!err.conditionFailed()) translate(err, "UpdateItem");
    keepCurrent(err, key, current);
    return std::nullopt;
  }
}

std::optional<json::object> Table::remove(const Key& key, const Expression& condition) {
  json::object request{{"TableName", name_}, {"Key", keyOf(key)}, {"ReturnValues", "ALL_OLD"}};
  addExpression(request, condition);
  try {
    auto r = client_.call("DeleteItem", request);
    const auto* attrs = r.if_contains("Attributes");
    if (!attrs) return std::nullopt;
    return fromAttributes(attrs->as_object());
  } catch (const ServiceError& err) {
    if (err.conditionFailed()) return std::nullopt;
    translate(err, "DeleteItem");
  }
}

namespace {

json::object queryRequest(const std::string& table, const QuerySpec& spec) {
  const auto [pkName, skName] = keyNames(spec.index);
  json::object names = spec.names;
  json::object values = spec.values;
  names["#qpk"] = pkName;
  values[":qpk"] = S(spec.partition);
  std::string condition = "#qpk = :qpk";
  if (spec.from || spec.to) {
    names["#qsk"] = skName;
    if (spec.from) values[":qfrom"] = S(*spec.from);
    values[":qto"] = S(spec.to.value_or("\xF4\x8F\xBF\xBF"));
    condition += spec.from ? " AND #qsk BETWEEN :qfrom AND :qto" : " AND #qsk <= :qto";
  }
  json::object request{{"TableName", table},
                       {"KeyConditionExpression", condition},
                       {"ExpressionAttributeNames", names},
                       {"ExpressionAttributeValues", values}};
  if (const char* index = indexName(spec.index)) {
    request["IndexName"] = index;
  } else {
    request["ConsistentRead"] = true;
  }
  if (spec.filter) request["FilterExpression"] = *spec.filter;
  if (spec.descending) request["ScanIndexForward"] = false;
  return request;
}

}  // namespace

QueryResult Table::query(const QuerySpec& spec) {
  auto request = queryRequest(name_, spec);
  QueryResult out;
  for (;;) {
    // One more than wanted tells whether more exist; a filter may drop some of them.
    const std::size_t wanted = spec.limit + 1 - out.items.size() + (spec.filter ? 50 : 0);
    request["Limit"] = std::int64_t(std::min<std::size_t>(wanted, 2000));
    json::object r;
    try {
      r = client_.call("Query", request);
    } catch (const ServiceError& e) {
      translate(e, "Query");
    }
    for (const auto& item : r.at("Items").as_array()) {
      out.items.push_back(fromAttributes(item.as_object()));
      if (out.items.size() > spec.limit) {
        out.items.resize(spec.limit);
        out.more = true;
        return out;
      }
    }
    const auto* next = r.if_contains("LastEvaluatedKey");
    if (!next) return out;
    request["ExclusiveStartKey"] = *next;
  }
}

std::int64_t Table::count(const QuerySpec& spec) {
  auto request = queryRequest(name_, spec);
  request["Select"] = "COUNT";
  std::int64_t total = 0;
  for (;;) {
    json::object r;
    try {
      r = client_.call("Query", request);
    } catch (const ServiceError& e) {
      translate(e, "Query");
    }
    total += r.at("Count").to_number<std::int64_t>();
    const auto* next = r.if_contains("LastEvaluatedKey");
    if (!next) return total;
    request["ExclusiveStartKey"] = *next;
  }
}

void Table::createIfMissing() {
  auto attr = [](const char* name) {
    return json::object{{"AttributeName", name}, {"AttributeType", "S"}};
  };
  auto gsi = [](const char* name, const char* pk, const char* sk) {
    return json::object{
        {"IndexName", name},
        {"KeySchema", json::array{json::object{{"AttributeName", pk}, {"KeyType", "HASH"}},
                                  json::object{{"AttributeName", sk}, {"KeyType", "RANGE"}}}},
        {"Projection", {{"ProjectionType", "ALL"}}}};
  };
  json::object request{
      {"TableName", name_},
      {"BillingMode", "PAY_PER_REQUEST"},
      {"AttributeDefinitions",
       json::array{attr("PK"), attr("SK"), attr("GSI1PK"), attr("GSI1SK"), attr("GSI2PK"),
                   attr("GSI2SK"), attr("GSI3PK"), attr("GSI3SK")}},
      {"KeySchema", json::array{json::object{{"AttributeName", "PK"}, {"KeyType", "HASH"}},
                                json::object{{"AttributeName", "SK"}, {"KeyType", "RANGE"}}}},
      {"GlobalSecondaryIndexes",
       json::array{gsi("GSI1", "GSI1PK", "GSI1SK"), gsi("GSI2", "GSI2PK", "GSI2SK"),
                   gsi("GSI3", "GSI3PK", "GSI3SK")}}};
  try {
    client_.call("CreateTable", request);
  } catch (const ServiceError& e) {
    if (e.type() != "ResourceInUseException") translate(e, "CreateTable");
  }
  for (int i = 0; i < 600; ++i) {
    try {
      auto r = client_.call("DescribeTable", {{"TableName", name_}});
      if (r.at("Table").at("TableStatus").as_string() == "ACTIVE") return;
    } catch (const ServiceError& e) {
      if (e.type() != "ResourceNotFoundException") translate(e, "DescribeTable");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw Error(ErrorCode::unavailable, "table " + name_ + " did not become ACTIVE");
}

}  // namespace offers::store::dynamodb
