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
	libbenchmark-dev libcli11-dev libcpp-httplib-dev

.PHONY: all deps build test demo bench clean

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

demo: build
	./scripts/demo.sh $(BUILD_DIR)

bench: build
	@echo "benchmarks are in $(BUILD_DIR)/bench; see bench/README.md"

clean:
	rm -rf $(BUILD_DIR)
