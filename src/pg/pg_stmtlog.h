/* One log line per PostgreSQL statement (each of a simple Query, each Execute), at info like the
 * REST door's request lines: who, what kind of statement with a bounded prefix of its text in
 * which string literals are masked, rows, duration, and the SQLSTATE when it failed. Parameter
 * values are never logged. Only src/pg includes this. */
#ifndef LAKEHOUSE_PG_PG_STMTLOG_H
#define LAKEHOUSE_PG_PG_STMTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "pg/pg_conn.h"

#define PG_STMTLOG_PREFIX 80

/* What a statement's log line shows of its text: at most PG_STMTLOG_PREFIX bytes, white space
 * folded, '…' for each string literal's contents, no byte that would break the log format. */
void pg_stmtlog_text(const char *sql, size_t len, char out[PG_STMTLOG_PREFIX + 8]);

/* Around one statement: begin forgets the last outcome; end logs the statement whose text was
 * summarised into text, from the tag or error the connection sent since. */
void pg_stmtlog_begin(struct pg_conn *c);
void pg_stmtlog_end(struct pg_conn *c, const char *protocol, const char *text, int64_t start_us);

#endif
