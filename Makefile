# cmeta - meta-analysis of clinical trials. Plain Makefile, no configure step.
#
#   make            build build/cmeta, build/libcmeta.a, build/libcmeta.so
#   make run        install missing Debian packages (as root), build, run the lupus example
#   make test       the same set-up, then every test (unit suites + CLI golden tests)
#   make asan | ubsan | leakcheck | bench | examples | lint | format | clean
#
# Variables: BUILD (output directory, default build), CC, CFLAGS, JOBS.

BUILD   ?= build
CC      ?= cc
ifeq ($(origin CC),default)
CC      := gcc
endif
OPT     ?= -O2 -g
CFLAGS  ?= $(OPT)
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
STD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
# Recursively expanded on purpose: evaluated only when a rule runs, i.e. after `make deps`.
PKG_CFLAGS = $(shell pkg-config --cflags cairo 2>/dev/null)
GSL_LIBS   = $(shell gsl-config --libs-without-cblas 2>/dev/null || echo -lgsl -lm)
OPENMP  ?= -fopenmp
ALL_CFLAGS = $(STD) $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden $(OPENMP) -Iinclude -Isrc/lib $(PKG_CFLAGS) -MMD -MP
# OpenBLAS and cairo are not linked: the library opens each on first need behind one seam
# (src/lib/linalg.c, src/lib/plot_cairo.c), told the soname -lopenblas / -lcairo would have
# recorded (objdump; the defaults there otherwise). Start-up figures: bench/README.md.
LIBS       = -lcsv $(GSL_LIBS) $(OPENMP) -lpthread -ldl -lm
CLI_LIBS   = $(LIBS)
SONAME_OF  = $(shell objdump -p "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | sed -n 's/^ *SONAME *//p')
BLAS_SONAME = $(call SONAME_OF,openblas)
CAIRO_SONAME = $(call SONAME_OF,cairo)

LIB_SRC  := $(sort $(wildcard src/lib/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_UTIL:= $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
EX_SRC   := $(sort $(wildcard examples/*.c))
BENCH_SRC:= $(sort $(wildcard bench/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_UTIL_OBJ := $(TEST_UTIL:%.c=$(BUILD)/obj/%.o)
EX_BIN   := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

# Debian packages needed to build and test (binary package names).
DEB_PKGS := gcc make pkg-config libgsl-dev libopenblas-dev libcsv-dev libcunit1-dev \
            libcairo2-dev fonts-dejavu-core


.PHONY: deps-dev
.PHONY: all deps run test check unit cli-test layers asan ubsan leakcheck bench examples lint format clean fuzz

all: $(BUILD)/cmeta $(BUILD)/libcmeta.a $(BUILD)/libcmeta.so

# ---- set-up -----------------------------------------------------------------------
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; \
	elif [ "$$(id -u)" = 0 ]; then echo "deps: installing$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else echo "deps: missing packages; run as root:"; \
	  echo "  apt-get update && apt-get install -y$$missing"; exit 1; fi

run: deps
	@$(MAKE) --no-print-directory all
	@echo "== Pooled proportion of responders, single-arm MSC trials in lupus (logit, REML)"
	./$(BUILD)/cmeta pool datasets/lupus/responders.csv --measure PLO
	./$(BUILD)/cmeta forest datasets/lupus/responders.csv --measure PLO -o $(BUILD)/lupus-forest.svg
	@echo "forest plot written to $(BUILD)/lupus-forest.svg"

test: deps
	@$(MAKE) --no-print-directory check

check: all $(TEST_BIN)
	@$(MAKE) --no-print-directory unit cli-test layers

# The library's layering from the objects' symbol tables, and a proof that the check fails
# on a back-reference (tests/layers.sh).
layers: all
	@sh tests/layers.sh $(BUILD) && sh tests/layers.sh --selftest $(BUILD)

unit: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; CMETA_TEST_ROOT=. $$t || fail=1; done; \
	if [ $$fail = 0 ]; then echo "unit tests: all suites passed"; else echo "unit tests: FAILED"; exit 1; fi

cli-test: $(BUILD)/cmeta
	@CMETA=./$(BUILD)/cmeta sh tests/cli/run.sh

# ---- build ------------------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libcmeta.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libcmeta.so: $(LIB_OBJ)
	$(CC) -shared $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/cmeta: $(CLI_OBJ) $(BUILD)/libcmeta.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libcmeta.a $(CLI_LIBS)

$(BUILD)/obj/src/lib/linalg.o: ALL_CFLAGS += $(if $(BLAS_SONAME),-DCMETA_BLAS_SONAME='"$(BLAS_SONAME)"')
$(BUILD)/obj/src/lib/plot_cairo.o: ALL_CFLAGS += $(if $(CAIRO_SONAME),-DCMETA_CAIRO_SONAME='"$(CAIRO_SONAME)"')

# Tests link the static library; they may include private headers (src/lib) to test internals.
$(BUILD)/tests/%: tests/%.c $(TEST_UTIL_OBJ) $(BUILD)/libcmeta.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(TEST_UTIL_OBJ) $(BUILD)/libcmeta.a $(LIBS) -lcunit

$(BUILD)/examples/%: examples/%.c $(BUILD)/libcmeta.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libcmeta.a $(LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libcmeta.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libcmeta.a $(LIBS)

examples: $(EX_BIN)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@sh bench/run.sh

# ---- developer targets ----------------------------------------------------------------
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer
# The library checks every allocation, so ASan returns NULL for impossible sizes (the
# million-row test) instead of stopping; leaks are reported (LeakSanitizer works here).
asan: deps-dev
	ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	$(MAKE) BUILD=build-asan CFLAGS="$(SAN_FLAGS) -fsanitize=address,undefined -fno-sanitize-recover=undefined" check
ubsan: deps-dev
	UBSAN_OPTIONS=print_stacktrace=1 $(MAKE) BUILD=build-ubsan CFLAGS="$(SAN_FLAGS) -fsanitize=undefined -fno-sanitize-recover=undefined" check
# Valgrind over every unit program and CLI test, two streams at once (tests/leakcheck.sh).
leakcheck: deps-dev all $(TEST_BIN)
	@sh tests/leakcheck.sh $(BUILD) $(TEST_BIN)

lint:
	cppcheck --quiet --enable=warning,performance,portability --std=c11 -Iinclude -Isrc/lib src

format:
	clang-format -i include/cmeta/*.h src/lib/*.[ch] src/cli/*.[ch] tests/*.[ch]

# libFuzzer targets (clang). FUZZ_SECONDS per target; corpora grow in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
fuzz: deps-dev
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPENMP= \
	  CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libcmeta.a
	@for t in $(FUZZ_TARGETS); do \
	  clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude tests/fuzz/$$t.c build-fuzz/libcmeta.a \
	    $(LIBS) -o build-fuzz/$$t || exit 1; \
	  seed=tests/fuzz/seed-$${t#fuzz_}; mkdir -p build-fuzz/corpus-$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  UBSAN_OPTIONS=halt_on_error=1 ./build-fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -max_len=65536 \
	    -print_final_stats=1 build-fuzz/corpus-$$t $$seed 2>build-fuzz/$$t.log || { tail -40 build-fuzz/$$t.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" build-fuzz/$$t.log; \
	done

# Tools for the developer targets (sanitizers, valgrind, fuzzing).
DEV_PKGS := clang libclang-rt-14-dev valgrind
deps-dev: deps
	@missing=""; for p in $(DEV_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else echo "deps-dev: run as root: apt-get install -y$$missing"; exit 1; fi

clean:
	rm -rf build build-asan build-ubsan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
