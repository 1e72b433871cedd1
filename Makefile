# cmeta - meta-analysis of clinical trials. Plain Makefile, no configure step.
#
#   make            build build/cmeta, build/libcmeta.a, build/libcmeta.so
#   make run        install missing Debian packages (as root), build, run the lupus example
#   make test       the same set-up, then every test (unit suites, CLI golden tests, README examples, install)
#   make install    PREFIX=/usr/local, DESTDIR= (staging root); make uninstall with the same values
#   make asan | ubsan | leakcheck | bench | examples | lint | format | clean
#
# Variables: BUILD (output directory, default build), CC, CFLAGS, JOBS, PREFIX, DESTDIR.

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
# No OpenMP: the library's threads are its own (src/lib/threads.c: passive waiting, see there).
OPENMP  ?=
ALL_CFLAGS = $(STD) $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden $(OPENMP) -Iinclude -Isrc/lib $(PKG_CFLAGS) -MMD -MP
# OpenBLAS and cairo are not linked: the library opens each on first need behind one seam
# (src/lib/linalg.c, src/lib/plot_cairo.c), told the soname -lopenblas / -lcairo would have
# recorded (objdump; the defaults there otherwise). Start-up figures: bench/README.md.
LIBS       = -lcsv $(GSL_LIBS) $(OPENMP) -lpthread -ldl -lm
# The program links GSL and libcsv statically when their archives are installed (Debian's -dev
# packages ship them), and packs its relative relocations (DT_RELR) when the toolchain and the C
# library can: on this VM every page fault at start-up costs ~70 us, and each shared library
# brings its own (mapping, relocations). `cmeta --version` 105 -> 76 page faults, ~9 -> ~5 ms of
# CPU (bench/README.md, "Issue 15, third pass"). Recursively expanded: evaluated at the link.
STATIC_ARCHIVES = $(shell for l in csv gsl gslcblas; do f=$$($(CC) -print-file-name=lib$$l.a); \
                    [ -f "$$f" ] || exit 0; done; echo yes)
CLI_STATIC_LIBS = -Wl,-Bstatic -lcsv -lgsl -lgslcblas -Wl,-Bdynamic $(OPENMP) -lpthread -ldl -lm
CLI_LIBS   = $(if $(STATIC_ARCHIVES),$(CLI_STATIC_LIBS),$(LIBS))
CLI_LDFLAGS = $(shell t=$$(mktemp) && printf 'int main(void){return 0;}' | \
                $(CC) -x c -Wl,-z,pack-relative-relocs -Wl,--fatal-warnings -o "$$t" - 2>/dev/null && \
                "$$t" && echo -Wl,-z,pack-relative-relocs; rm -f "$$t")
SONAME_OF  = $(shell objdump -p "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | sed -n 's/^ *SONAME *//p')
BLAS_SONAME = $(call SONAME_OF,openblas)
CAIRO_SONAME = $(call SONAME_OF,cairo)

# Shared library version and what it links. SO_LIBS is separate from LIBS so that moving a
# dependency behind a seam (loaded at run time) is one edit here and in PC_* below.
SO_VERSION := $(shell sed -n 's/^\#define CMETA_VERSION "\([0-9.]*\)".*/\1/p' include/cmeta/status.h)
SO_MAJOR   := $(firstword $(subst ., ,$(SO_VERSION)))
SONAME     := libcmeta.so.$(SO_MAJOR)
SO_FILE    := libcmeta.so.$(SO_VERSION)
SO_LIBS     = $(LIBS)
# cmeta.pc: Libs is what every program linking libcmeta needs besides -lcmeta (GSL: callers call
# gsl_set_error_handler_off() in main, the library never changes GSL's handler); Libs.private and
# Requires.private what a static link of libcmeta.a adds (pkg-config --static).
PC_LIBS             = -lgsl
# OpenBLAS and cairo are opened by the library at run time (src/lib/linalg.c, plot_cairo.c): not linked.
PC_REQUIRES_PRIVATE =
PC_LIBS_PRIVATE     = -lcsv $(GSL_LIBS) $(OPENMP) -lpthread -ldl -lm

LIB_SRC  := $(sort $(wildcard src/lib/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_UTIL:= $(filter-out $(TEST_SRC) tests/numcmp.c,$(wildcard tests/*.c))
EX_SRC   := $(sort $(wildcard examples/*.c))
BENCH_SRC:= $(sort $(wildcard bench/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_UTIL_OBJ := $(TEST_UTIL:%.c=$(BUILD)/obj/%.o)
EX_BIN   := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
NUMCMP   := $(BUILD)/tests/numcmp

# Debian packages needed to build and test (binary package names).
DEB_PKGS := gcc make binutils pkg-config libgsl-dev libopenblas-dev libcsv-dev libcunit1-dev \
            libcairo2-dev fonts-dejavu-core


.PHONY: deps-dev

.PHONY: batch-kill killtest browser-test deps-test
.PHONY: all deps run test check unit cli-test readme-test readme-update install uninstall install-test layers FORCE asan ubsan leakcheck bench examples lint format clean fuzz

all: $(BUILD)/cmeta $(BUILD)/libcmeta.a $(BUILD)/libcmeta.so $(BUILD)/cmeta.1 $(BUILD)/cmeta.bash-completion

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

test: deps deps-test
	@$(MAKE) --no-print-directory check

# What `make test` adds for the browser test of the HTML reports (tests/report_chromium.sh):
# Debian's chromium, and node (Debian's nodejs) when no node is on the PATH. As root they are
# installed; otherwise the browser test says SKIP and the rest runs.
TEST_PKGS := chromium
deps-test: deps
	@missing=""; for p in $(TEST_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then echo "deps-test: installing$$missing (the browser test of the reports)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else echo "deps-test: without$$missing the browser test is skipped; as root: apt-get install -y$$missing"; fi

check: all $(TEST_BIN)
	@$(MAKE) --no-print-directory unit cli-test readme-test install-test layers batch-kill browser-test

# The library's layering from the objects' symbol tables, and a proof that the check fails
# on a back-reference (tests/layers.sh); no function over 120 lines without a stated reason
# (tests/funclen.sh).
layers: all
	@sh tests/layers.sh $(BUILD) && sh tests/layers.sh --selftest $(BUILD)
	@sh tests/funclen.sh && sh tests/funclen.sh --selftest

unit: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; CMETA_TEST_ROOT=. $$t || fail=1; done; \
	if [ $$fail = 0 ]; then echo "unit tests: all suites passed"; else echo "unit tests: FAILED"; exit 1; fi

cli-test: $(BUILD)/cmeta $(NUMCMP)
	@CMETA=./$(BUILD)/cmeta NUMCMP=./$(NUMCMP) sh tests/cli/run.sh

# The batch kill test (tests/batch_kill.sh): SIGKILL/SIGTERM of a 300-file `cmeta batch` at
# random moments, OUT checked after each (old or new complete set, workers gone, the next run
# cleans up). check runs KILL_TRIALS (5); killtest runs 100 (result in bench/README.md).
KILL_TRIALS ?= 5
batch-kill: $(BUILD)/cmeta
	@CMETA=./$(BUILD)/cmeta sh tests/batch_kill.sh $(KILL_TRIALS)
killtest: $(BUILD)/cmeta
	@CMETA=./$(BUILD)/cmeta sh tests/batch_kill.sh 100

# The HTML reports in headless Chromium (tests/report_chromium.sh, driven by node through the
# DevTools protocol): console errors, requests, overflow at 1280 and 390 px, print to PDF.
# Skipped with a message (exit 0) when chromium or node is missing; no network install.
browser-test: $(BUILD)/cmeta
	@CMETA=./$(BUILD)/cmeta sh tests/report_chromium.sh

# Every ```console block of README.md run and its shown output compared (tests/readme.sh);
# readme-update rewrites the shown outputs from the program (review with git diff).
readme-test: $(BUILD)/cmeta $(NUMCMP) $(EX_BIN)
	@CMETA=./$(BUILD)/cmeta NUMCMP=./$(NUMCMP) sh tests/readme.sh
readme-update: $(BUILD)/cmeta $(NUMCMP) $(EX_BIN)
	@CMETA=./$(BUILD)/cmeta NUMCMP=./$(NUMCMP) sh tests/readme.sh --update

# ---- build ------------------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libcmeta.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The shared library: libcmeta.so.VERSION with SONAME libcmeta.so.MAJOR (CMETA_VERSION in
# include/cmeta/status.h), and the links libcmeta.so.MAJOR and libcmeta.so beside it.
$(BUILD)/$(SO_FILE): $(LIB_OBJ)
	$(CC) -shared $(CFLAGS) -Wl,-soname,$(SONAME) -Wl,--no-undefined -o $@ $^ $(SO_LIBS)

$(BUILD)/libcmeta.so: $(BUILD)/$(SO_FILE)
	ln -sf $(SO_FILE) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

$(BUILD)/cmeta: $(CLI_OBJ) $(BUILD)/libcmeta.a
	$(CC) $(CFLAGS) $(CLI_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libcmeta.a $(CLI_LIBS)

# The man page and the bash completion are generated by the program from its option tables
# (src/cli/options.c), so they always match the parser.
$(BUILD)/cmeta.1: $(BUILD)/cmeta
	$(BUILD)/cmeta --man >$@.tmp && mv $@.tmp $@
$(BUILD)/cmeta.bash-completion: $(BUILD)/cmeta
	$(BUILD)/cmeta --completion bash >$@.tmp && mv $@.tmp $@

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
# kernels.c times dgemm itself (the library opens OpenBLAS at run time; this program links it)
$(BUILD)/bench/kernels: LIBS += -lopenblas

examples: $(EX_BIN)

# The golden-file comparer (tests/numcmp.c): structure byte for byte, numbers with a tolerance.
$(NUMCMP): tests/numcmp.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -o $@ $< -lm

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@$(BUILD)/bench/fault_cost
	@sh bench/run.sh
	@echo; sh bench/threads.sh
	@echo; sh bench/run_large.sh
	@echo; sh bench/batch_durable.sh 2000 1

# ---- install ----------------------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=staging root]; make uninstall with the same values.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
HEADERS    := $(sort $(wildcard include/cmeta/*.h))
INSTALL    ?= install
# the .pc's paths relative to ${prefix} where they are under it
pc_rel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

$(BUILD)/cmeta.pc: include/cmeta/status.h Makefile FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(call pc_rel,$(LIBDIR))' 'includedir=$(call pc_rel,$(INCLUDEDIR))' '' \
	  'Name: cmeta' 'Description: meta-analysis of clinical trials (effect sizes, pooling, diagnostics, resampling, plots)' \
	  'Version: $(SO_VERSION)' \
	  'Requires.private: $(PC_REQUIRES_PRIVATE)' \
	  'Cflags: -I$${includedir}' \
	  'Libs: -L$${libdir} -lcmeta $(PC_LIBS)' \
	  'Libs.private: $(PC_LIBS_PRIVATE)' >$@.tmp && mv $@.tmp $@

install: all $(BUILD)/cmeta.pc $(BUILD)/cmeta.1 $(BUILD)/cmeta.bash-completion
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/cmeta \
	  $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 755 $(BUILD)/cmeta $(DESTDIR)$(BINDIR)/cmeta
	$(INSTALL) -m 644 $(BUILD)/libcmeta.a $(DESTDIR)$(LIBDIR)/libcmeta.a
	$(INSTALL) -m 755 $(BUILD)/$(SO_FILE) $(DESTDIR)$(LIBDIR)/$(SO_FILE)
	ln -sf $(SO_FILE) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libcmeta.so
	$(INSTALL) -m 644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/cmeta/
	$(INSTALL) -m 644 $(BUILD)/cmeta.pc $(DESTDIR)$(PKGCONFIGDIR)/cmeta.pc
	$(INSTALL) -m 644 $(BUILD)/cmeta.1 $(DESTDIR)$(MANDIR)/man1/cmeta.1
	$(INSTALL) -m 644 $(BUILD)/cmeta.bash-completion $(DESTDIR)$(BASHCOMPDIR)/cmeta
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# Removes exactly what install wrote (and the cmeta/ include directory when it is empty).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cmeta $(DESTDIR)$(LIBDIR)/libcmeta.a $(DESTDIR)$(LIBDIR)/libcmeta.so \
	  $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/$(SO_FILE) $(DESTDIR)$(PKGCONFIGDIR)/cmeta.pc \
	  $(DESTDIR)$(MANDIR)/man1/cmeta.1 $(DESTDIR)$(BASHCOMPDIR)/cmeta \
	  $(addprefix $(DESTDIR)$(INCLUDEDIR)/cmeta/,$(notdir $(HEADERS)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/cmeta 2>/dev/null

# Installs into a temporary DESTDIR, builds examples/api.c against it with pkg-config (shared
# and static), runs it, checks the SONAME, uninstalls (tests/install.sh).
install-test: all $(BUILD)/cmeta.1 $(BUILD)/cmeta.bash-completion
	@BUILD=$(BUILD) MAKE="$(MAKE)" CC="$(CC)" CFLAGS="$(CFLAGS)" sh tests/install.sh


FORCE:

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
leakcheck: deps-dev all $(TEST_BIN) $(NUMCMP)
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
