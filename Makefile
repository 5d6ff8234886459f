# synesthd -- build, run, test, bench.
#
#   make run     build and serve the demo on http://127.0.0.1:8080
#   make test    build and run every test suite (SAN=1: with ASan+UBSan)
#   make bench   speed figures against peers measured in the same run
#   make eval    quality figures: round-trip SSIM, known signals, ladders, retrieval
#   make calibrate  re-measure the generators' tables (modalities/fusion/calibration.def)
#   make fuzz    the decoders' mutation fuzzer (use SAN=1), bounded in count and time
#   make libfuzz coverage-guided libFuzzer runs of every harness (FUZZ_SECONDS each)
#   make lint    cppcheck and clang-format over every C file in git (make test runs it)
#   make fmt     clang-format every C file in place (FILES="a.c b.h": only those)
#   make deps    install missing Debian packages (apt-get as root)
#
# Every library comes from a Debian package found by pkg-config.

# --- packages: keep docker/Dockerfile's lists in step with these ----------
BUILD_PKGS := build-essential pkg-config libmicrohttpd-dev libjansson-dev \
              libsndfile1-dev libfftw3-dev libpng-dev libcmocka-dev libstb-dev \
              libespeak-ng-dev libseccomp-dev fonts-dejavu-core fonts-wqy-microhei
# Everything a suite of `make test` calls that a minimal Debian 12 lacks; a
# suite never skips for want of one of these (tests/run: under CI a skip fails).
#   api, lib.sh:   curl, sox, python3 (numpy; json/socket from the stdlib)
#   quality:       python3-numpy python3-skimage python3-scipy (Spearman)
#                  python3-pil (the drawn word), alsa-utils and
#                  sound-theme-freedesktop (real recordings), fonts-dejavu-core
#   browser:       chromium, nodejs (+ npm ci: playwright-core), sox
#   docker:        podman and its helpers, iptables (netavark's NAT rules; without
#                  it no container gets a network), debootstrap (the base image),
#                  podman-compose, docker-compose, python3-yaml (docker/k8s)
#   fuzz:          clang and libclang-rt-14-dev (libFuzzer)
#   lint:          cppcheck, clang-format (tests/lint/test_lint.sh)
#   api:           procps (pgrep: the decoder workers), iproute2 (ss: CLOSE-WAIT
#                  sockets), both absent from a minimal debootstrap
# coreutils, diffutils (cmp), grep, sed, mawk and tar come with every Debian.
# make lint: cppcheck, and clang-format (Debian's clang-format package gives
# /usr/bin/clang-format; the clang package does not).
LINT_PKGS  := cppcheck clang-format
TEST_PKGS  := curl sox python3-numpy python3-skimage python3-scipy python3-pil python3-yaml \
              alsa-utils sound-theme-freedesktop procps iproute2 \
              podman buildah fuse-overlayfs slirp4netns uidmap debootstrap crun runc \
              netavark aardvark-dns iptables podman-compose docker-compose chromium nodejs \
              clang libclang-rt-14-dev $(LINT_PKGS)
BENCH_PKGS := hyperfine wrk nginx-light sox
# libFuzzer (clang's runtime) and the seed makers of tests/fuzz/make_seeds.sh:
# PIL writes the JPEGs, lame the MP3s.
FUZZ_PKGS  := clang libclang-rt-14-dev python3-pil lame sox

# libseccomp: the sandboxed decoder workers' filter (DESIGN.md section 1).
PKGCONF_LIBS := libmicrohttpd jansson sndfile fftw3f libpng zlib espeak-ng cmocka libseccomp

SAN ?= 0
ifeq ($(SAN),1)
BUILD := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1 -g
else
BUILD := build
SANFLAGS :=
OPT := -O2 -g
endif

CC      ?= cc
CFLAGS  ?=
CFLAGS  += -std=gnu11 -Wall -Wextra $(OPT) $(SANFLAGS) -Iinclude -I$(BUILD) \
           -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
           $(shell pkg-config --cflags $(PKGCONF_LIBS) 2>/dev/null)
LDFLAGS += $(SANFLAGS)
LDLIBS  := $(shell pkg-config --libs libmicrohttpd jansson sndfile fftw3f libpng zlib libseccomp 2>/dev/null) -lm -lpthread -ldl
CMOCKA  := $(shell pkg-config --libs cmocka 2>/dev/null)

FUSION_SRC := $(wildcard modalities/fusion/*.c)
MOD_SRC    := $(wildcard modalities/*.c)
SERVER_SRC := $(wildcard server/*.c)
STATIC     := $(sort $(wildcard static/*))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

LIB_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(FUSION_SRC) $(MOD_SRC))
SERVER_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(SERVER_SRC)) $(BUILD)/static_assets.o
# The server without main(): what tests/unit/test_server.c links.
SRV_LIB_OBJ := $(filter-out $(BUILD)/server/main.o,$(SERVER_OBJ))
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

BIN := $(BUILD)/synesthd

.PHONY: all run test unit bench eval calibrate fuzz libfuzz libfuzz-bins deps deps-test deps-fuzz deps-npm \
        deps-bench deps-lint clean fmt lint pkgconf-check
all: $(BIN)

# -MMD -MP: each object also depends on every header it includes
# (server/server.h, fusion/internal.h, lexicon.def ...), read back below.
$(BUILD)/%.o: %.c Makefile | pkgconf-check
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(LIB_OBJ:.o=.d) $(SERVER_OBJ:.o=.d)

# pkg-config prints nothing at all when one module is missing, which would
# surface as a wall of undefined references: name the missing ones instead.
pkgconf-check:
	@pkg-config --exists $(PKGCONF_LIBS) || { \
	  echo "missing libraries (pkg-config): $$(for m in $(PKGCONF_LIBS); do pkg-config --exists $$m || printf '%s ' $$m; done)"; \
	  echo "make deps installs them"; exit 1; }

$(BUILD)/libsyn.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libsrv.a: $(SRV_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# static/ is compiled into the binary so that it runs from anywhere, by a
# host tool (tools/: built and run here, never linked into the server).
$(BUILD)/tools/embed: tools/embed.c server/mime.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -O2 -Iserver $< -o $@
$(BUILD)/static_assets.c: $(BUILD)/tools/embed $(STATIC)
	$(BUILD)/tools/embed $@ $(STATIC)
$(BUILD)/static_assets.o: $(BUILD)/static_assets.c
	$(CC) $(CFLAGS) -c $< -o $@

# The generators' calibration tables (modalities/fusion/calibrate.c): swept,
# read back by the encoders, and written as the checked-in calibration.def.
# The unit tests fail when the file no longer matches the code.
$(BUILD)/tools/calibrate: tools/calibrate.c $(wildcard include/syn/*.h) $(BUILD)/libsyn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libsyn.a -o $@ $(LDLIBS)
calibrate: deps
	$(MAKE) $(BUILD)/tools/calibrate
	$(BUILD)/tools/calibrate modalities/fusion/calibration.def.new modalities/fusion/atlas.def.new
	mv modalities/fusion/calibration.def.new modalities/fusion/calibration.def
	mv modalities/fusion/atlas.def.new modalities/fusion/atlas.def
	$(MAKE) all

$(BIN): $(SERVER_OBJ) $(BUILD)/libsyn.a
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/harness.h $(wildcard include/syn/*.h) $(BUILD)/libsyn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libsyn.a -o $@ $(CMOCKA) $(LDLIBS)

# The server's unit tests also link server/ (libsrv.a, before libsyn.a).
$(BUILD)/tests/test_server: tests/unit/test_server.c tests/unit/harness.h server/server.h \
                            $(wildcard include/syn/*.h) $(BUILD)/libsrv.a $(BUILD)/libsyn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iserver $(LDFLAGS) $< $(BUILD)/libsrv.a $(BUILD)/libsyn.a -o $@ $(CMOCKA) $(LDLIBS)

# --- packages -------------------------------------------------------------
# Installs what is missing with apt-get as root; otherwise prints the command.
define need_pkgs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make deps: installing$$missing"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "make deps: missing Debian packages. Run:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call need_pkgs,$(BUILD_PKGS))
deps-test: deps
	$(call need_pkgs,$(TEST_PKGS))
	$(call need_pkgs,$(FUZZ_PKGS))
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps-npm
	@# playwright-core for tests/browser, pinned by package-lock.json; it drives
	@# /usr/bin/chromium and never downloads a browser.
	@if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  echo "make deps-test: npm ci (playwright-core)"; npm ci --no-audit --no-fund --loglevel=error || exit 1; \
	fi
# Debian's npm, only where nodejs did not bring its own (nodesource's does).
deps-npm:
	$(call need_pkgs,npm)
deps-fuzz: deps
	$(call need_pkgs,$(FUZZ_PKGS))
deps-bench: deps-test
	$(call need_pkgs,$(BENCH_PKGS))
deps-lint:
	$(call need_pkgs,$(LINT_PKGS))

run: deps
	$(MAKE) all
	$(BIN) --port $${PORT:-8080}

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

# One summary line for all suites: "N passed, N failed".
test: deps-test
	$(MAKE) all $(UNIT_BIN) $(BUILD)/fuzz libfuzz-bins
	SYNESTHD_BIN=$(abspath $(BIN)) BUILD=$(abspath $(BUILD)) SAN=$(SAN) \
	  UNIT_BINS="$(abspath $(UNIT_BIN))" tests/run

bench: deps-bench
	$(MAKE) all $(BUILD)/sandbox_bench
	SYNESTHD_BIN=$(abspath $(BIN)) SANDBOX_BENCH=$(abspath $(BUILD)/sandbox_bench) tests/bench/run

# The sandboxed decoders against in-process decoding (tests/bench/run).
$(BUILD)/sandbox_bench: tests/bench/sandbox_bench.c $(wildcard include/syn/*.h) $(BUILD)/libsyn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libsyn.a -o $@ $(LDLIBS)

# The quality suites of `make test`, with every figure they measure.
eval: deps-test
	$(MAKE) all
	SYNESTHD_BIN=$(abspath $(BIN)) /usr/bin/python3 tests/quality/test_roundtrip.py
	SYNESTHD_BIN=$(abspath $(BIN)) /usr/bin/python3 tests/quality/test_semantic.py
	SYNESTHD_BIN=$(abspath $(BIN)) /usr/bin/python3 tests/quality/test_crossing.py

# The decoders' mutation fuzzer (tests/fuzz/README.md): 2000 iterations, seed 1,
# at most 60 s by default; FUZZ_ARGS="-n 20000 -s 7 -t 300" for a longer run.
$(BUILD)/fuzz: tests/fuzz/fuzz.c $(wildcard include/syn/*.h) $(BUILD)/libsyn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libsyn.a -o $@ $(LDLIBS)

fuzz: deps
	$(MAKE) $(BUILD)/fuzz
	ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1} $(BUILD)/fuzz $(FUZZ_ARGS)

# --- libFuzzer (tests/fuzz/README.md) ---------------------------------------
# The project's sources compiled again with clang into build/libfuzzer/, with
# coverage instrumentation (fuzzer-no-link) and ASan+UBSan; each harness
# tests/fuzz/lf_NAME.c links them with libFuzzer's main.  lf_http also links
# server/ (without main.c) and runs the real daemon in-process.
# Not build/fuzz: that is the mutation fuzzer's binary ($(BUILD)/fuzz).
FZ         := build/libfuzzer
FZ_CC      := clang
FZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FZ_CFLAGS  := -std=gnu11 -Wall -Wextra -O1 -g $(FZ_SAN) -Iinclude -Iserver -I$(BUILD) \
              $(shell pkg-config --cflags $(PKGCONF_LIBS) 2>/dev/null)
FZ_TARGETS := image audio text convert http
FZ_LIB_OBJ := $(patsubst %.c,$(FZ)/obj/%.o,$(FUSION_SRC) $(MOD_SRC))
FZ_SRV_OBJ := $(patsubst %.c,$(FZ)/obj/%.o,$(filter-out server/main.c,$(SERVER_SRC))) \
              $(FZ)/obj/static_assets.o
FZ_BINS    := $(patsubst %,$(FZ)/lf_%,$(FZ_TARGETS))
FUZZ_SECONDS ?= 60

$(FZ)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(FZ_CC) $(FZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FZ)/obj/static_assets.o: $(BUILD)/static_assets.c
	@mkdir -p $(dir $@)
	$(FZ_CC) $(FZ_CFLAGS) -c $< -o $@

-include $(FZ_LIB_OBJ:.o=.d) $(FZ_SRV_OBJ:.o=.d)

$(FZ)/libsyn.a: $(FZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(FZ)/libsrv.a: $(FZ_SRV_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FZ)/lf_http: tests/fuzz/lf_http.c $(wildcard tests/fuzz/lf_*.h) $(FZ)/libsrv.a $(FZ)/libsyn.a
	$(FZ_CC) $(FZ_CFLAGS) -fsanitize=fuzzer $< $(FZ)/libsrv.a $(FZ)/libsyn.a -o $@ $(LDLIBS)
$(FZ)/lf_%: tests/fuzz/lf_%.c $(wildcard tests/fuzz/lf_*.h) $(FZ)/libsyn.a
	$(FZ_CC) $(FZ_CFLAGS) -fsanitize=fuzzer $< $(FZ)/libsyn.a -o $@ $(LDLIBS)

libfuzz-bins: $(FZ_BINS)

# Each harness for FUZZ_SECONDS (default 60) from seeds made now
# (tests/fuzz/make_seeds.sh) and the regression corpus; new inputs go to
# build/libfuzzer/corpus/NAME, crashes to build/libfuzzer/crashes/NAME.
# FUZZ_TARGETS="image audio" runs a subset; FUZZ_JOBS=2 two at a time.
libfuzz: deps-fuzz
	$(MAKE) libfuzz-bins
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$${FUZZ_TARGETS:-$(FZ_TARGETS)}" FZ=$(FZ) \
	  tests/fuzz/run_libfuzzer.sh

clean:
	rm -rf build

fmt:
	clang-format -i $(or $(FILES),$$(git ls-files '*.c' '*.h'))

# The same suite that `make test` runs first (tests/run: lint/test_lint.sh);
# the exit status is 1 when it prints a "not ok" line.
lint: deps-lint
	@mkdir -p $(BUILD) && BUILD=$(abspath $(BUILD)) tests/lint/test_lint.sh | tee $(BUILD)/lint.out; \
	  ! grep -q '^not ok' $(BUILD)/lint.out
