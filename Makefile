# whatworks - build, test and run
#
#   make run     install what is missing, build, start a local PostgreSQL in
#                ./var, import evidence/ and serve on 127.0.0.1:8080
#   make test    install, build, run every test against a throwaway PostgreSQL,
#                the API contract with its clients (tests/contract), then the
#                C tests again under AddressSanitizer and UBSan
#   make bench   benchmarks (figures printed, never asserted)
#   make lint    clang-format check
#
# The Debian packages the project needs, in one place. The Dockerfile installs
# the same list (tests/integration checks that they agree).
DEB_PACKAGES = build-essential pkg-config git ca-certificates \
	libpq-dev libmicrohttpd-dev libjansson-dev libyaml-dev libgit2-dev \
	libcurl4-openssl-dev libssl-dev libcriterion-dev zlib1g-dev libarchive-dev postgresql-15 postgresql-client-15 \
	clang-format wrk nginx-light curl python3 python3-yaml python3-jsonschema time bc \
	libcmark-dev chromium nodejs npm clang libclang-rt-14-dev libreoffice-calc-nogui

BUILD ?= build
SAN ?=
PKGS = libpq libmicrohttpd jansson yaml-0.1 libgit2 libcurl zlib libcrypto libcmark libarchive
# CC, CFLAGS, CPPFLAGS and LDFLAGS from the environment or the command line
# are honoured; the project's own flags (C11, -Werror, the include paths) are
# always added after them.
CC ?= cc
OPT ?= -O2
CFLAGS ?= -g $(OPT)
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	-Wno-missing-field-initializers -Iservice -Iimporters \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(SANFLAGS)
override LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT = -O1
endif

LIB_SRC = $(filter-out service/main.c,$(wildcard service/*.c importers/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o $(BUILD)/obj/gen/openapi.o \
	$(BUILD)/obj/gen/css.o
MIGRATIONS = $(sort $(wildcard schema/[0-9]*.sql))
UNIT_SRC = $(wildcard tests/unit/*.c)
INTEG_SRC = $(wildcard tests/integration/*.c)
BENCH_SRC = $(wildcard tests/bench/*.c)

PREFIX ?= /usr/local
DATA_DIR ?= $(CURDIR)/var


.PHONY: stop evidence-check contract
.PHONY: all deps run test test-fast test-san unit integration browser bench lint format clean install
.PHONY: fuzz fuzz-check fuzz-build

all: deps $(BUILD)/whatworks

# Installs the missing packages when run as root, otherwise prints the line.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  case $$p in npm) command -v npm >/dev/null && continue;; esac; \
	  : "npm: NodeSource's nodejs carries its own, which Debian's npm would conflict with"; \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages; run as root:"; \
	    echo "  apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/migrations.c: $(MIGRATIONS) schema/gen-migrations.sh
	@mkdir -p $(dir $@)
	schema/gen-migrations.sh $@ $(MIGRATIONS)

$(BUILD)/obj/gen/migrations.o: $(BUILD)/gen/migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# /openapi.json is served from the binary, so the document matches the build.
$(BUILD)/gen/openapi.c: service/openapi.json service/gen-openapi.sh
	@mkdir -p $(dir $@)
	service/gen-openapi.sh $@ service/openapi.json

$(BUILD)/obj/gen/openapi.o: $(BUILD)/gen/openapi.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The pages' stylesheet is served from the binary too.
$(BUILD)/gen/css.c: service/web.css service/gen-css.sh
	@mkdir -p $(dir $@)
	service/gen-css.sh $@ service/web.css

$(BUILD)/obj/gen/css.o: $(BUILD)/gen/css.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libwhatworks.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/whatworks: $(BUILD)/obj/service/main.o $(BUILD)/libwhatworks.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The test build: the same binary with the test-only fault hooks
# (WHATWORKS_POLICE_UK_FAIL_AFTER_UNITS); only the files that have hooks are
# compiled again, with -DWW_TESTING, and linked ahead of the library.
TESTING_SRC = importers/policeuk.c service/config.c
TESTING_OBJ = $(TESTING_SRC:%.c=$(BUILD)/obj-testing/%.o)
$(BUILD)/obj-testing/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DWW_TESTING -MMD -MP -c $< -o $@

$(BUILD)/whatworks-test: $(BUILD)/obj/service/main.o $(TESTING_OBJ) $(BUILD)/libwhatworks.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit: $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libwhatworks.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

$(BUILD)/tests/integration: $(INTEG_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libwhatworks.a \
	  $(BUILD)/whatworks-test
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter-out $(BUILD)/whatworks-test,$^) $(LDLIBS) -lcriterion

# Each benchmark is a program of its own: tests/bench/NAME.c -> build/bench/NAME.
BENCH_BIN = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(BUILD)/libwhatworks.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(BUILD)/tests/unit
	$(BUILD)/tests/unit --jobs 2

# The integration suite starts its own throwaway PostgreSQL cluster.
integration: $(BUILD)/whatworks $(BUILD)/tests/integration
	WHATWORKS_BIN=$(CURDIR)/$(BUILD)/whatworks tests/with-postgres.sh $(BUILD)/tests/integration --jobs 1

# The shipped evidence passes the validator and the JSON Schema agrees with it.
evidence-check: $(BUILD)/whatworks
	$(BUILD)/whatworks validate evidence
	/usr/bin/python3 tests/schema_check.py

# The pages in Debian's chromium (puppeteer-core and axe-core pinned in
# tests/browser/package-lock.json): the suite starts its own PostgreSQL and
# daemon with the shipped evidence; screenshots go to build/screenshots.
browser: $(BUILD)/whatworks
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	WHATWORKS_BIN=$(CURDIR)/$(BUILD)/whatworks SCREENSHOTS=$(CURDIR)/$(BUILD)/screenshots \
	  tests/with-postgres.sh tests/browser/run.sh

# The API contract as its clients hold it: Redocly lint, openapi-typescript +
# tsc --strict, Ajv on every response of a daemon run (tests/contract/run.sh).
# The npm packages are pinned in tests/contract/package-lock.json; the
# machine's Node.js (>= 20.19, with npm) runs them.
contract: $(BUILD)/whatworks
	@command -v npm >/dev/null || { echo "the contract tests need Node.js >= 20.19 with npm"; exit 1; }
	cd tests/contract && npm ci --no-audit --no-fund --loglevel=error
	WHATWORKS_BIN=$(CURDIR)/$(BUILD)/whatworks tests/with-postgres.sh tests/contract/run.sh

test-fast: deps
	$(MAKE) unit integration evidence-check contract

test-san: deps
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  $(MAKE) BUILD=build/san SAN=1 unit integration

test: deps
	$(MAKE) unit integration evidence-check fuzz-check browser contract
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  $(MAKE) BUILD=build/san SAN=1 unit integration

bench: deps $(BUILD)/whatworks $(BENCH_BIN)
	WHATWORKS_BIN=$(CURDIR)/$(BUILD)/whatworks WHATWORKS_BENCH_DIR=$(CURDIR)/$(BUILD)/bench \
	  tests/with-postgres.sh tests/bench/run.sh

# libFuzzer harnesses (tests/fuzz/fuzz_NAME.c), one per parser of untrusted
# bytes, built with clang, ASan and UBSan. `make fuzz` runs each for
# FUZZ_SECONDS on a scratch copy of its corpus (tests/fuzz/corpus/NAME, the
# seeds; add a finding there to keep it); `make fuzz-check` (part of `make
# test`) runs each over its corpus plus FUZZ_RUNS fixed-seed mutations, so a
# regression on a known input fails. New inputs go to build/fuzz, never into
# the corpus.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_BUILD = build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 2000
FUZZ_SAN = -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -Wno-error

fuzz-build: deps
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 SANFLAGS="$(FUZZ_SAN)" \
	  $(FUZZ_NAMES:%=$(FUZZ_BUILD)/bin/fuzz_%)

$(BUILD)/bin/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/libwhatworks.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz: fuzz-build
	@for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_BUILD)/work/$$n; \
	  echo "fuzz_$$n: $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/bin/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/work/$$n- $(FUZZ_BUILD)/work/$$n tests/fuzz/corpus/$$n \
	    || exit 1; \
	done

fuzz-check: fuzz-build
	@for n in $(FUZZ_NAMES); do \
	  echo "fuzz_$$n: corpus and $(FUZZ_RUNS) runs"; \
	  rm -rf $(FUZZ_BUILD)/check/$$n; mkdir -p $(FUZZ_BUILD)/check/$$n; \
	  $(FUZZ_BUILD)/bin/fuzz_$$n -runs=$(FUZZ_RUNS) -seed=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/check/$$n tests/fuzz/corpus/$$n \
	    2>$(FUZZ_BUILD)/fuzz_$$n.log \
	    || { tail -40 $(FUZZ_BUILD)/fuzz_$$n.log; exit 1; }; \
	done

# WHATWORKS_DATABASE_URL points every command at another database instead of
# the local cluster in ./var.
run: all
	@if [ -z "$$WHATWORKS_DATABASE_URL" ]; then \
	  conn=$$(service/pgcluster.sh start $(DATA_DIR)) || exit 1; \
	  echo "PostgreSQL is running ($$conn; 'make stop' stops it)"; fi
	WHATWORKS_DATA_DIR=$(DATA_DIR) $(BUILD)/whatworks migrate
	WHATWORKS_DATA_DIR=$(DATA_DIR) $(BUILD)/whatworks import git --name evidence --repo $(CURDIR) --path evidence
	@echo "serving on http://127.0.0.1:8080 - open it in a browser, or try:"
	@echo "  curl -s 'http://127.0.0.1:8080/v1/interventions?theme=knife-crime&sort=-evidence_rating&limit=10'"
	@echo "  curl -s 'http://127.0.0.1:8080/v1/interventions/checkpoint-deferred-prosecution'"
	@echo "  curl -s 'http://127.0.0.1:8080/v1/scores?format=csv' -o scores.csv"
	@echo "  curl -s http://127.0.0.1:8080/v1/themes   (and /openapi.json, /readyz, /metrics)"
	WHATWORKS_DATA_DIR=$(DATA_DIR) $(BUILD)/whatworks serve --listen 127.0.0.1:8080

# Stops the local cluster make run started.
stop:
	service/pgcluster.sh stop $(DATA_DIR)

lint:
	clang-format --dry-run --Werror service/*.[ch] importers/*.[ch] tests/*/*.c

format:
	clang-format -i service/*.[ch] importers/*.[ch] tests/*/*.c

install: all
	install -D -m 0755 $(BUILD)/whatworks $(DESTDIR)$(PREFIX)/bin/whatworks
	install -d $(DESTDIR)$(PREFIX)/share/whatworks/schema
	install -m 0644 schema/*.sql schema/*.json $(DESTDIR)$(PREFIX)/share/whatworks/schema/

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj $(BUILD)/obj-testing -name '*.d' 2>/dev/null)
