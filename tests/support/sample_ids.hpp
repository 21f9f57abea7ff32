// The ids of the sample data that `offers-api serve --seed` inserts
// (seed/sample-data.json), for tests that start a seeded server.
#pragma once

namespace offers::testing {

inline constexpr const char* kStarbucks = "692126c8-6e72-4ad7-8a73-25fc2f1f56e4";
inline constexpr const char* kSeededOffer = "d9b1d9ff-543e-47c7-895f-87f71dcad91b";
inline constexpr const char* kSeededLocations[] = {"03665f6d-27e2-4e69-aa9b-5b39d03e5f59",
                                                   "706ef281-e00f-4288-9a84-973aeb29636e",
                                                   "1c7a27de-4bbd-4d63-a5ec-2eae5a0f1870"};

}  // namespace offers::testing
