# Makefile -- a thin wrapper around CMake for the usual
#   make && make test && sudo make install
# PREFIX (default /usr/local) and DESTDIR (staging, for packagers) apply to
# install; BUILD_DIR and BUILD_TYPE choose the CMake build.  scripts/build.sh
# and scripts/test.sh keep working on their own.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
# Ninja when there is one, for a new build directory only (an existing one
# keeps the generator it was made with).
GENERATOR := $(if $(wildcard $(BUILD_DIR)/CMakeCache.txt),,$(if $(shell command -v ninja 2>/dev/null),-G Ninja,))

.PHONY: all configure test unit-test api-test install uninstall clean distclean deb deb-test

all: configure
	cmake --build $(BUILD_DIR)

# PREFIX goes in at configure time too: the installed unit file names the
# installed binary.
configure:
	cmake -S . -B $(BUILD_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	      -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null

test: unit-test api-test

unit-test: all
	cd $(BUILD_DIR) && ctest --output-on-failure -j2

# needs Node.js and tests/api/node_modules (scripts/deps.sh --test)
api-test: all
	cd tests/api && NUMBERD_BIN=$(abspath $(BUILD_DIR))/numberd node --test

install: all
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# removes what the last install put in place (its manifest lists the
# paths without DESTDIR: give the same DESTDIR as to install)
uninstall:
	test -f $(BUILD_DIR)/install_manifest.txt
	sed 's|^|$(DESTDIR)|' $(BUILD_DIR)/install_manifest.txt | xargs -d '\n' rm -f --

# The Debian package, built by dpkg-buildpackage from a copy of the tree
# (scripts/deb.sh says why): build-deb/numberd_<version>_<arch>.deb.  Needs
# debhelper (scripts/deps.sh --deb).  deb-test installs it into a clean
# Debian 12 root made with debootstrap and runs it there (scripts/deb-test.sh).
deb:
	bash scripts/deb.sh

deb-test:
	bash scripts/deb-test.sh

clean:
	if [ -f $(BUILD_DIR)/CMakeCache.txt ]; then cmake --build $(BUILD_DIR) --target clean; fi

distclean:
	rm -rf $(BUILD_DIR)

# Long-form reliability runs; CI (scripts/test.sh) runs their short forms.
#   make fuzz     every libFuzzer target for FUZZ_SECONDS (60) each
#   make fuzz-long  the same for FUZZ_LONG_SECONDS (600) each, FUZZ_JOBS (2)
#                 at a time; the corpus each run grows is kept in
#                 tests/fuzz/corpus-run/<target>/ (git-ignored) and is where
#                 the next run starts, so long runs build on each other
#   make stress   crash.test.js with STRESS_CYCLES SIGKILLs (100) and
#                 races.test.js with STRESS_OPS operations per account (2000),
#                 against NUMBERD_BIN (build/numberd)
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS ?= 600
FUZZ_JOBS ?= 2
STRESS_CYCLES ?= 100
STRESS_OPS ?= 2000
NUMBERD_BIN ?= $(CURDIR)/build/numberd

.PHONY: fuzz fuzz-long stress

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

fuzz-long:
	FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) bash scripts/fuzz.sh

stress:
	bash scripts/build.sh RelWithDebInfo
	cd tests/api && NUMBERD_BIN=$(NUMBERD_BIN) CRASH_CYCLES=$(STRESS_CYCLES) RACE_OPS=$(STRESS_OPS) \
	  node --test crash.test.js races.test.js
