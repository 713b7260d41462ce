# Set-up and everyday targets. `make test` and `make demo` are all a fresh
# Debian bookworm machine needs; both are idempotent.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages fti builds and tests with (see README "Dependencies").
DEPS := build-essential cmake pkg-config git ca-certificates \
	libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev libarchive-dev \
	libfmt-dev libtbb-dev liblapack-dev libopenblas-dev libgtest-dev googletest \
	libbenchmark-dev libcli11-dev libcpp-httplib-dev libre2-dev

.PHONY: all deps build test demo bench clean fuzz-deps fuzz-build fuzz-smoke test-sanitize test-tsan package install

FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
# Above libFuzzer's 1 MiB default so the certificate seeds (up to 1.9 MB) are not truncated.
FUZZ_MAX_LEN ?= 2100000
FUZZ_TARGETS := safetensors_header_fuzz shard_index_fuzz archive_list_fuzz policy_fuzz commitment_file_fuzz proof_parse_fuzz certificate_fuzz attestation_fuzz model_signing_fuzz

all: build

deps:
	@missing=""; for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "dependencies present"; fi

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DFTI_WERROR=ON
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 600

# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (stop at the first report) and under ThreadSanitizer. Not part of `make
# test` (each doubles the build time on a 2-core CI runner); run before each
# release and after changes to parsers or parallel code (docs/SECURITY.md).
SANITIZE_DIR ?= build-asan
TSAN_DIR ?= build-tsan
test-sanitize: deps
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFTI_SANITIZE=address,undefined -DFTI_BUILD_BENCH=OFF
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j $(JOBS) --timeout 1800

# TSan runs against oneTBB rebuilt with -fsanitize=thread from Debian's
# source package (scripts/tsan-tbb.sh): the packaged libtbb is not
# instrumented and every parallel_for would read as a race.
test-tsan: deps
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFTI_SANITIZE=thread -DFTI_BUILD_BENCH=OFF
	cmake --build $(TSAN_DIR) -j $(JOBS)
	tbb="$$(./scripts/tsan-tbb.sh $(TSAN_DIR)/tbb)" && \
	  LD_LIBRARY_PATH="$$tbb" TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp \
	  ctest --test-dir $(TSAN_DIR) --output-on-failure -j $(JOBS) --timeout 1800

demo: build
	./scripts/demo.sh $(BUILD_DIR)

# The Debian package (CPack DEB, cmake/packaging.cmake): $(BUILD_DIR)/fti_<version>_<arch>.deb,
# the file ci-examples/scripts/install-fti.sh installs from $$FTI_DEB_URL.
package: build
	cd $(BUILD_DIR) && cpack -G DEB

# bin/fti, share/doc/fti and share/fti/ci-examples under PREFIX.
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

bench: build
	@echo "benchmarks are in $(BUILD_DIR)/bench; see bench/README.md"

# libFuzzer targets under ASan+UBSan, each run for FUZZ_SECONDS on the seed
# corpus in tests/fuzz/corpus (findings are written to $(FUZZ_DIR)/findings).
fuzz-deps: deps
	@dpkg-query -W -f='$${Status}' clang libclang-rt-14-dev 2>/dev/null | grep -c "install ok installed" | grep -q 2 || \
	  (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev)

fuzz-build: fuzz-deps
	CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFTI_BUILD_FUZZ=ON \
	  -DFTI_BUILD_TESTS=OFF -DFTI_BUILD_BENCH=OFF -DFTI_SANITIZE=address,undefined
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(FUZZ_TARGETS)

# Fails when any target found something (the pipe through grep hides the
# fuzzer's own exit status, so the findings directory decides).
fuzz-smoke: fuzz-build
	@rm -rf $(FUZZ_DIR)/findings && mkdir -p $(FUZZ_DIR)/findings
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t; \
	  echo "== $$t ($(FUZZ_SECONDS)s)"; \
	  ./$(FUZZ_DIR)/tests/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 -max_len=$(FUZZ_MAX_LEN) \
	    -artifact_prefix=$(FUZZ_DIR)/findings/$$t- $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t 2>&1 | \
	    grep -E "^#[0-9]+.*(DONE|pulse)|ERROR|SUMMARY|Done" | tail -n 3; \
	done; \
	if [ -n "$$(ls -A $(FUZZ_DIR)/findings)" ]; then \
	  echo "fuzz-smoke: findings in $(FUZZ_DIR)/findings:"; ls $(FUZZ_DIR)/findings; exit 1; \
	fi

clean:
	rm -rf $(BUILD_DIR)
