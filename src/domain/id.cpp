#include "domain/id.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace offers::domain {

std::string newId() {
  thread_local boost::uuids::random_generator_mt19937 generate;
  return boost::uuids::to_string(generate());
}

}  // namespace offers::domain
