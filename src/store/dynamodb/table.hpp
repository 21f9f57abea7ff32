// The one DynamoDB table of the single-table design (docs/dynamodb-model.md), as the
// engine uses it: items in and out as plain JSON objects (our entity JSON), converted to
// and from DynamoDB's typed AttributeValues here; the handful of operations the engine
// needs, with the protocol's chores done once (UnprocessedKeys resent, 1 MB query pages
// followed, 100-key BatchGetItem chunks).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"

namespace offers::store::dynamodb {

// The engine speaks to DynamoDB through the shared AWS client (src/aws/).
using aws::CallPhase;
using aws::CapacityMeter;
using aws::Client;
using aws::ClientOptions;
using aws::Credentials;
using aws::ServiceError;

// Plain JSON <-> AttributeValue. Strings, numbers, booleans, null, arrays and objects map
// to S, N, BOOL, NULL, L and M; the fields named in kJsonText (client metadata and event
// data) are kept as JSON text in an S attribute so they round-trip exactly.
boost::json::object toAttributes(const boost::json::object& plain);
boost::json::object fromAttributes(const boost::json::object& item);
boost::json::value toAttribute(const boost::json::value& plain);
boost::json::value fromAttribute(const boost::json::value& attribute);

// A string attribute value {"S": s} and a number {"N": "n"}.
boost::json::object S(std::string_view s);
boost::json::object N(std::int64_t n);
// {"SS": [s]}: a one-element string set, for ADD/DELETE of a token.
boost::json::object SS(std::string_view s);

struct Key {
  std::string pk;
  std::string sk;
};

// An UpdateItem / conditional write: expression text with #names and :values.
struct Expression {
  std::string update;
  std::string condition;
  boost::json::object names;   // "#n" -> attribute name
  boost::json::object values;  // ":v" -> AttributeValue
};

// Which key a query walks: the table's own (PK/SK) or one of the GSIs.
enum class Index { table, gsi1, gsi2, gsi3 };

struct QuerySpec {
  Index index = Index::table;
  std::string partition;
  // Sort-key range, both inclusive when set.
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> filter;  // FilterExpression over #names/:values below
  boost::json::object names;
  boost::json::object values;
  std::size_t limit = 100;  // items wanted (after the filter)
  bool descending = false;
};

struct QueryResult {
  std::vector<boost::json::object> items;  // plain JSON, key attributes included
  bool more = false;                       // items beyond `limit` exist
};

class Table {
 public:
  Table(Client& client, std::string name) : client_(client), name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  Client& client() { return client_; }

  // Strongly consistent reads.
  std::optional<boost::json::object> get(const Key& key);
  // Up to any number of keys (chunked by 100); missing items are absent from the result.
  std::vector<boost::json::object> batchGet(const std::vector<Key>& keys);

  // Where a refused write leaves the item as it stands (nullopt: there is none). Asked for
  // with the refusal (ReturnValuesOnConditionCheckFailure ALL_OLD: DynamoDB and moto
  // return it when the item exists, dynalite never does) and read with a strongly
  // consistent GetItem only when it did not come.
  using Current = std::optional<boost::json::object>;

  // PutItem; returns false when the condition failed.
  bool put(const boost::json::object& item, const Expression& condition = {},
           Current* current = nullptr);
  // UpdateItem (ReturnValues ALL_NEW); nullopt when the condition failed.
  std::optional<boost::json::object> update(const Key& key, const Expression& e,
                                            Current* current = nullptr);
  // DeleteItem (ReturnValues ALL_OLD); nullopt when the condition failed or nothing was
  // there to delete.
  std::optional<boost::json::object> remove(const Key& key, const Expression& condition = {});

  // Items in sort-key order; the table's own key reads consistently, GSIs cannot.
  QueryResult query(const QuerySpec& spec);
  // How many items a query matches (Select COUNT, every page).
  std::int64_t count(const QuerySpec& spec);

  // CreateTable (PK/SK and GSI1..3, pay per request) unless it exists; waits until ACTIVE.
  void createIfMissing();

 private:
  boost::json::object keyOf(const Key& key) const;
  // Fills `current` (when asked for) after a refusal, from the refusal or by a read.
  void keepCurrent(const ServiceError& e, const Key& key, Current* current);
  // Translates ServiceError outside the expected ones into domain errors.
  [[noreturn]] void translate(const ServiceError& e, std::string_view operation);

  Client& client_;
  std::string name_;
};

}  // namespace offers::store::dynamodb
