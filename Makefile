# lakehouse build. `make` builds build/lakehouse; `make SAN=1` builds the same with AddressSanitizer
# and UndefinedBehaviorSanitizer into build-san/; `make check` runs every test (see scripts/test.sh).
# libduckdb.so and duckdb.h come from scripts/deps.sh (pinned npm packages, never committed).

SAN ?= 0
CC ?= cc
DUCKDB_DIR := deps/duckdb
ifeq ($(SAN),1)
BUILD := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1 -g
else
BUILD := build
SANFLAGS :=
OPT := -O2 -g
endif

PKGS := libmicrohttpd jansson libcurl libpq sqlite3 libssl libcrypto zlib libedit
CFLAGS_ALL := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -pthread \
	$(OPT) $(SANFLAGS) -Isrc -isystem $(DUCKDB_DIR) $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
LDFLAGS_ALL := $(SANFLAGS) -pthread -L$(BUILD) -Wl,-rpath,'$$ORIGIN' $(LDFLAGS)
LIBS := -lduckdb $(shell pkg-config --libs $(PKGS)) -lm

SRC := $(wildcard src/util/*.c src/server/*.c src/http/*.c src/engine/*.c src/lake/*.c src/storage/*.c src/pg/*.c src/cli/*.c)
LIB_SRC := $(filter-out src/main.c,$(SRC))
OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/obj/pg/pg_catalog_sql.o
DEPS := $(OBJ:.o=.d) $(BUILD)/obj/main.d

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all clean check unit fuzz deps
all: $(BUILD)/lakehouse

deps:
	./scripts/deps.sh

$(BUILD)/libduckdb.so: $(DUCKDB_DIR)/libduckdb.so
	@mkdir -p $(BUILD)
	cp $< $@

$(DUCKDB_DIR)/libduckdb.so $(DUCKDB_DIR)/duckdb.h:
	./scripts/deps.sh

$(BUILD)/obj/%.o: src/%.c $(DUCKDB_DIR)/duckdb.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The PostgreSQL catalog compatibility script, built into the binary as one C string.
$(BUILD)/obj/pg/pg_catalog_sql.c: src/pg/pg_catalog.sql
	@mkdir -p $(dir $@)
	{ echo 'const char pg_catalog_sql[] ='; sed 's/\\/\\\\/g; s/"/\\"/g; s/?/\\?/g; s/.*/"&\\n"/' $<; echo ';'; } >$@

$(BUILD)/obj/pg/pg_catalog_sql.o: $(BUILD)/obj/pg/pg_catalog_sql.c
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/liblakehouse.a: $(OBJ)
	ar rcs $@ $^

$(BUILD)/lakehouse: $(BUILD)/obj/main.o $(BUILD)/liblakehouse.a $(BUILD)/libduckdb.so
	$(CC) $(BUILD)/obj/main.o $(BUILD)/liblakehouse.a -o $@ $(LDFLAGS_ALL) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liblakehouse.a $(BUILD)/libduckdb.so
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $< $(BUILD)/liblakehouse.a -o $@ -L$(BUILD) -Wl,-rpath,'$$ORIGIN/..' $(SANFLAGS) -pthread $(LIBS) -lcmocka

unit: $(UNIT_BIN)

# libFuzzer targets need clang; they build with ASan and UBSan.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))
FUZZ_LIB_SRC := src/util/buf.c src/util/json.c src/util/uuid.c src/util/tz.c src/util/timefmt.c src/util/base64.c \
	src/http/query_request.c src/engine/sql_split.c src/engine/statement_guard.c src/engine/statement_head.c \
	src/storage/s3_xml.c src/pg/pg_msg.c src/pg/pg_wire.c src/pg/pg_scram.c src/pg/pg_rewrite.c src/pg/pg_sqlcmd.c src/pg/pg_stmtlog.c \
	src/util/log.c src/util/clock.c src/cli/json_scan.c
fuzz: $(FUZZ_BIN)
build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRC)
	@mkdir -p build-fuzz
	clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -isystem $(DUCKDB_DIR) \
		$(shell pkg-config --cflags jansson) $^ -o $@ $(shell pkg-config --libs jansson libcrypto) -lm

check:
	./scripts/test.sh

clean:
	rm -rf build build-san build-fuzz

-include $(DEPS)
