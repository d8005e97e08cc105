# SPDX-License-Identifier: BSD-3-Clause
# Thin front door.  Everything real lives in meson.build, devtools/, bench/.
#
#   make deps    install apt packages, build DPDK 22.11 + liburing (cached)
#   make build   configure and build rtap (runs deps)
#   make test    unit + integration suites (root), prints "N passed, N failed"
#   make run     the demo: netns testbed, real kernel traffic through DPDK
#   make bench   quick benchmark against the anchors (< 5 min)
#   make matrix  the full benchmark matrix (< 45 min)
#   make lint    cppcheck + clang-tidy (.clang-tidy), fails on any finding
#   make clean   remove the build directory

DEPS_PREFIX ?= /opt/rtap-deps
BUILD ?= build
MESON_OPTS ?=
export RTAP_DEPS_PREFIX := $(DEPS_PREFIX)

.PHONY: all deps build test unit integration run bench matrix lint clean

all: build

deps:
	@devtools/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dpkg_config_path=$(DEPS_PREFIX)/lib/pkgconfig $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: build
	@devtools/run-tests.sh $(BUILD)

unit: build
	@devtools/run-tests.sh $(BUILD) unit

integration: build
	@devtools/run-tests.sh $(BUILD) integration

run: build
	@devtools/run-demo.sh $(BUILD)

bench: build
	@bench/run.sh --quick --build $(BUILD)

matrix: build
	@bench/run.sh --full --build $(BUILD)

lint: $(BUILD)/build.ninja
	@devtools/lint.sh $(BUILD)

clean:
	rm -rf $(BUILD)
