# detcd — top-level entry points. See README.md.
#
#   make deps    install every Debian package the project needs (idempotent, quiet)
#   make build   configure (CMake + Ninja, ccache when present) and build into build/
#   make test    deps + build + every test (ctest prints the output of failing tests)
#   make demo    deps + build + the main job on its built-in default
#   make bench   deps + build + the benchmarks in bench/
#   make teaching  deps + build + regenerate the teaching walk-throughs' diagrams
#                (docs/teaching/diagrams, from docs/teaching/generate.sh)

SHELL := /bin/bash
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

# Every Debian package the build, the tests, the demo and the benchmarks use.
DEB_PACKAGES := \
	build-essential cmake ninja-build ccache pkg-config \
	libboost-dev libcli11-dev libfmt-dev libspdlog-dev \
	nlohmann-json3-dev libyaml-cpp-dev libxxhash-dev \
	libprotobuf-dev protobuf-compiler libgrpc++-dev libabsl-dev protobuf-compiler-grpc \
	libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev \
	graphviz etcd-server etcd-client curl libssl-dev chromium chromium-driver python3-selenium

# Warnings are fatal in CI (CI=true), advisory on a developer's machine.
WERROR := $(if $(filter true 1 yes,$(CI)),ON,OFF)

.PHONY: deps build test demo bench teaching clean

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  echo "make deps: installing$$missing"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD_DIR)/build.ninja:
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DDETCD_WERROR=$(WERROR) >/dev/null

build: deps $(BUILD_DIR)/build.ninja
	@cmake -DDETCD_WERROR=$(WERROR) $(BUILD_DIR) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 1200

demo: build
	@$(BUILD_DIR)/bin/detcd-sim run scenarios/demo.yaml --seed 1 --report $(BUILD_DIR)/demo

bench: build
	@for b in $(BUILD_DIR)/bin/bench_*; do echo "== $$b"; $$b || exit 1; done

teaching: build
	@docs/teaching/generate.sh $(BUILD_DIR)/bin/detcd-sim docs/teaching/diagrams
	@echo "teaching: diagrams written to docs/teaching/diagrams"

clean:
	@rm -rf $(BUILD_DIR)
