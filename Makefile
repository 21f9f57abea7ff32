# offers-api: `make run` and `make test` are all a new machine needs.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
PORT ?= 8080
DATA_DIR ?= ./data

# `make test` runs these stages, each in its own build directory, prints a recap of their
# results, counts and times, and fails if any failed (after running them all):
#   release  the build above; every suite
#   asan     unit, conformance and integration tests under AddressSanitizer (leaks
#            included) and UndefinedBehaviorSanitizer, built with clang in $(ASAN_DIR)
#   tsan     the concurrency tests under ThreadSanitizer, in $(TSAN_DIR)
#   fuzz     every libFuzzer target of tests/fuzz for FUZZ_SMOKE_SECONDS, in $(ASAN_DIR)
# `make test-<stage>` runs one; `make fuzz` runs every fuzz target for FUZZ_SECONDS.
TEST_STAGES ?= release asan tsan fuzz
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5

# clang (gcc 12 cannot build -fsanitize with -Werror, see CMakeLists.txt); -O1 with line
# tables only: full stack traces, reasonable speed, and a quicker build than -O2 -g.
SANITIZER_CMAKE = cmake -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DOFFERS_BUILD_BENCH=OFF
# Every report fails the test that meets it: ASan and UBSan stop the process (UBSan through
# -fno-sanitize-recover, CMakeLists.txt), and TSan is told to, so that a race in a server
# that a test later kills with SIGKILL still fails that test.
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:strict_init_order=1 \
  UBSAN_OPTIONS=print_stacktrace=1
# ThreadSanitizer runs without suppressions, with two of its checks narrowed:
# - ignore_interceptors_accesses: RocksDB (Debian's, not built with TSan) hands data
#   between threads under atomics TSan cannot see (the lock-free memtable, the WAL write
#   group whose leader copies the other writers' batches), and TSan then reports the
#   memcpy and memcmp calls that read or write those bytes, often without a RocksDB frame
#   on the stack to suppress them by. Accesses inside such libc calls are ignored; our
#   code's own loads and stores are instrumented and still checked. The write group's
#   copies also run through std::string code instrumented in our binary, so a TSan build
#   writes one batch at a time (RocksDbStore::Impl::write).
# - detect_deadlocks=0: the lock-order detector holds at most 64 locks per thread and
#   aborts beyond; the embedded engine takes a stripe lock per entity of a batch or a job
#   page, hundreds at once, always in ascending order so that they cannot deadlock
#   (src/store/rocksdb/lock_table.hpp).
TSAN_ENV = TSAN_OPTIONS=halt_on_error=1:ignore_interceptors_accesses=1:detect_deadlocks=0

# The DynamoDB flavours run against dynalite (a Node.js process) or moto (Python) and take
# minutes; the release stage runs them, the sanitizer stages leave them out for time.
SANITIZER_SKIP = ^(integration-dynamodb\.|conformance\.(DynamoDb|Moto))
# ThreadSanitizer: the conformance suite on the embedded engine (its concurrent link,
# unlink and delete tests and the jobs racing requests run in-process) and the integration
# suite, whose server, built with TSan too, runs its HTTP, job and webhook threads under
# every test, the concurrent links of test_links_concurrency.cpp among them.
TSAN_TESTS = ^(conformance\.RocksDb|integration\.)

.PHONY: all setup setup-serve configure server lambda build run test bench bench-bulk bench-dynamodb bench-lambda format clean \
  test-release test-asan test-tsan test-fuzz fuzzers fuzz bench-soak

all: build

setup:
	@bash scripts/setup.sh

setup-serve:
	@bash scripts/setup.sh serve

# `make run` installs and builds only what serving needs: a build directory configured
# without the tests and benchmarks (which need more packages), and only the offers-api
# target. A build directory that `make build` or `make test` configured keeps its
# settings; only offers-api is built for `make run` either way.
$(BUILD_DIR)/build.ninja: | setup-serve
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DOFFERS_BUILD_TESTS=OFF \
	  -DOFFERS_BUILD_BENCH=OFF $(CMAKE_FLAGS)

server: setup-serve $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target offers-api

run: server
	$(BUILD_DIR)/offers-api serve --port $(PORT) --data-dir $(DATA_DIR) --seed

# The AWS Lambda zip, $(BUILD_DIR)/lambda/offers-api-lambda.zip (docs/deploy-aws.md).
lambda: setup $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target lambda_zip

# Everything: the server, the tests (check_headers among them) and the benchmarks.
configure: setup
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DOFFERS_BUILD_TESTS=ON \
	  -DOFFERS_BUILD_BENCH=ON $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: SHELL := /bin/bash
test:
	@set -o pipefail; failed=0; recap=""; \
	for stage in $(TEST_STAGES); do \
	  echo "=== make test: $$stage ==="; \
	  log=$$(mktemp); start=$$SECONDS; \
	  if $(MAKE) --no-print-directory test-$$stage 2>&1 | tee "$$log"; then \
	    result=passed; else result=FAILED; failed=1; fi; \
	  counts=$$(grep -E '^[0-9]+% tests passed' "$$log" | tail -n 1); rm -f "$$log"; \
	  recap+=$$(printf '%-8s %-6s %5ss  %s' "$$stage" "$$result" "$$((SECONDS - start))" \
	    "$${counts:-no tests ran}")$$'\n'; \
	done; \
	printf '\n=== make test: stage, result, time, ctest summary ===\n%s' "$$recap"; \
	exit $$failed

test-release: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

$(ASAN_DIR)/build.ninja: CMakeLists.txt | setup
	$(SANITIZER_CMAKE) -S . -B $(ASAN_DIR) -DOFFERS_SANITIZE=address,undefined -DOFFERS_FUZZ=ON

$(TSAN_DIR)/build.ninja: CMakeLists.txt | setup
	$(SANITIZER_CMAKE) -S . -B $(TSAN_DIR) -DOFFERS_SANITIZE=thread

test-asan: setup $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS) --target unit_tests conformance_tests integration_tests
	cd $(ASAN_DIR) && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS) -LE fuzz \
	  -E '$(SANITIZER_SKIP)'

test-tsan: setup $(TSAN_DIR)/build.ninja
	cmake --build $(TSAN_DIR) -j $(JOBS) --target conformance_tests integration_tests
	cd $(TSAN_DIR) && $(TSAN_ENV) ctest --output-on-failure -j $(JOBS) \
	  -R '$(TSAN_TESTS)' -E '$(SANITIZER_SKIP)'

# The fuzz targets share the ASan+UBSan build: one instrumented core library for both.
fuzzers: setup $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS) --target fuzzers

test-fuzz: fuzzers
	cd $(ASAN_DIR) && FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) $(ASAN_ENV) \
	  ctest --output-on-failure -j $(JOBS) -L fuzz

fuzz: fuzzers
	cd $(ASAN_DIR) && FUZZ_SECONDS=$(FUZZ_SECONDS) $(ASAN_ENV) \
	  ctest --output-on-failure -j $(JOBS) -L fuzz

bench: build
	bash bench/run.sh

bench-bulk: build
	bash bench/bulk.sh

bench-dynamodb: build
	bash bench/dynamodb.sh

bench-soak: build
	bash bench/soak.sh

bench-lambda: build
	python3 bench/lambda.py

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR)
