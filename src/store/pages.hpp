// How both engines assemble a page of a list: at most `limit` items in order, and the
// cursor `last` only when more follow (the contract of domain::Page).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "domain/entities.hpp"

namespace offers::store {

// Rows read one beyond `limit`, so that the extra one tells whether more follow: keeps
// `limit` of them; true when the extra one was there.
template <class Row>
bool trimToLimit(std::vector<Row>& rows, std::size_t limit) {
  if (rows.size() <= limit) return false;
  rows.resize(limit);
  return true;
}

// The page of `items`; when `more`, `last` is cursorOf(the last item).
template <class T, class CursorOf>
domain::Page<T> pageOf(std::vector<T> items, bool more, CursorOf&& cursorOf) {
  domain::Page<T> out;
  out.items = std::move(items);
  if (more && !out.items.empty()) out.last = std::string(cursorOf(out.items.back()));
  return out;
}

// The page of entities listed by id: the cursor is the last one's id.
template <class T>
domain::Page<T> pageOf(std::vector<T> items, bool more) {
  return pageOf(std::move(items), more, [](const T& item) { return item.id; });
}

}  // namespace offers::store
