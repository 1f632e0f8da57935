/* SQL cursors of PostgreSQL clients: DECLARE … CURSOR, FETCH, MOVE and CLOSE (psycopg2 named
 * cursors, psycopg 3 server-side cursors, psql's FETCH_COUNT). A cursor is a named portal of the
 * connection, so the protocol's Describe, Execute and Close reach it too. Only src/pg includes
 * this. */
#ifndef LAKEHOUSE_PG_PG_CURSOR_H
#define LAKEHOUSE_PG_PG_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pg/pg_conn.h"

/* Each runs its statement; *failed when an error was sent. via is the portal running it in the
 * extended protocol (DECLARE takes its parameters, FETCH its result formats), NULL otherwise. */
void pg_cursor_declare(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool *failed);
void pg_cursor_fetch(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool move, bool *failed);
void pg_cursor_close(struct pg_conn *c, const char *sql, size_t len, bool *failed);
/* CLOSE ALL: every cursor of the connection. */
void pg_cursor_close_all(struct pg_conn *c);
/* RowDescription of what FETCH sql returns, in formats; false (nothing sent) when sql is not a
 * FETCH of an open cursor. */
bool pg_cursor_describe_fetch(struct pg_conn *c, const char *sql, const int16_t *formats, int nformats);
/* The protocol on the cursor's own portal: Describe, and Execute of up to max_rows (0: all). */
void pg_cursor_describe_portal(struct pg_conn *c, struct pg_portal *p);
void pg_cursor_execute(struct pg_conn *c, struct pg_portal *p, int32_t max_rows);
/* The transaction ended: cursors without HOLD close, and so do those it declared when it did not
 * commit. */
void pg_cursors_txn_end(struct pg_conn *c, bool committed);
void pg_cursor_free(struct pg_conn *c, struct pg_cursor *k);

#endif
