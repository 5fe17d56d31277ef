# Thin front door over CMake/CTest. Every target installs what is missing
# first (scripts/deps.sh is idempotent and quick when nothing is missing).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr/local

.PHONY: all deps build install package run test test-asan fuzz fuzz-build fuzz-smoke bench soak valgrind valgrind-smoke clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/Makefile: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

# Installs the programs, man pages, configuration and systemd unit under
# PREFIX (configuration in /etc when PREFIX is /usr), staged in DESTDIR when
# set: `make install PREFIX=/usr DESTDIR=/tmp/stage`.
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX) --strip

# The Debian package, $(BUILD)/modelserver_VERSION_ARCH.deb, for /usr.
package: build
	cd $(BUILD) && cpack -G DEB

# The demo: embedded broker, server and publisher on this machine.
run: build
	@bash scripts/run-demo.sh

# Every test twice: the normal build, then the ASan+UBSan build; then the
# short fuzzing pass and the integration tests under valgrind.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-asan
	$(MAKE) fuzz-smoke
	$(MAKE) valgrind-smoke

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# Every libFuzzer target (or those named in FUZZ_TARGETS, without the
# fuzz_ prefix) for FUZZ_SECONDS each, after replaying its whole corpus.
# New inputs go to a scratch copy, never into the checked-in corpus.
fuzz: fuzz-build
	bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# The short pass `make test` runs: every corpus replayed, then FUZZ_TOTAL
# seconds of fuzzing shared by all targets (about a minute).
FUZZ_TOTAL ?= 60
fuzz-smoke: fuzz-build
	bash scripts/fuzz.sh --total $(FUZZ_BUILD) $(FUZZ_TOTAL)

bench: build
	@bash scripts/bench.sh $(BUILD)

# Valgrind memcheck (scripts/valgrind.sh): the unit tests, then the
# integration tests in VALGRIND_TESTS with every modelserver, publisher
# and modelscore they start under valgrind; fails on any report.
VALGRIND_TESTS ?= test_bad_inputs test_model_url test_startup test_http_infer
valgrind: build
	VALGRIND_TESTS="$(VALGRIND_TESTS)" bash scripts/valgrind.sh $(BUILD)

# The part `make test` runs: the integration tests of VALGRIND_TESTS only
# (2 to 3 minutes; the unit tests, 3 more, have the ASan build in CI).
valgrind-smoke: build
	VALGRIND_TESTS="$(VALGRIND_TESTS)" bash scripts/valgrind.sh --no-units $(BUILD)

# The soak (not in CI): SOAK_SECONDS of records at SOAK_RATE per second
# with a model swap every 5 s, checked for lost records, RSS growth and
# leaked descriptors (bench/soak.py --help).
SOAK_SECONDS ?= 600
SOAK_RATE    ?= 5000
soak: build
	bench/soak.py --build $(BUILD) --seconds $(SOAK_SECONDS) --rate $(SOAK_RATE)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
