/* Encodes DuckDB result chunks as JSON, one rule per type as the REST contract states (exact
 * integers, shortest doubles, RFC 3339 TIMESTAMPTZ in the session zone, named STRUCT fields …).
 * Type analysis happens once per result; encoding a value never allocates beyond the output. */
#ifndef LAKEHOUSE_ENGINE_RESULT_JSON_H
#define LAKEHOUSE_ENGINE_RESULT_JSON_H

#include "duckdb.h"
#include "util/buf.h"

struct rj_encoder;

/* types are borrowed for the call only. tz_name is the session zone for TIMESTAMPTZ (NULL = UTC). */
struct rj_encoder *rj_encoder_new(duckdb_logical_type *types, idx_t ncols, const char *tz_name);
void rj_encoder_free(struct rj_encoder *enc);

/* Appends rows [from, to) of chunk: as `[v1,v2,...]\n` arrays, or with names as
 * `{"name":v1,...}\n` objects when names is non-NULL. */
void rj_encode_rows(struct rj_encoder *enc, duckdb_data_chunk chunk, idx_t from, idx_t to,
                    const char *const *names, buf *out);

/* DuckDB's name for a type: INTEGER, DECIMAL(18,3), INTEGER[], STRUCT(a INTEGER), JSON … */
void rj_type_name(duckdb_logical_type type, buf *out);

#endif
