/* SQL-level prepared statements and cursors of PostgreSQL clients (PREPARE, EXECUTE, DEALLOCATE,
 * DECLARE, FETCH, MOVE, CLOSE, DISCARD), kept in the connection's statements and portals. Only
 * src/pg includes this. */
#ifndef LAKEHOUSE_PG_PG_CURSOR_H
#define LAKEHOUSE_PG_PG_CURSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "pg/pg_conn.h"

/* Runs one of those commands (but EXECUTE); false when sql is none of them. via is the portal
 * running it in the extended protocol (its parameters and result formats), NULL otherwise. */
bool pg_cursor_command(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool *failed);
/* EXECUTE name(args) as the text to run instead (malloc'd): the prepared statement with its
 * parameters replaced by the arguments; NULL with a SQLSTATE and message when it cannot be. */
char *pg_cursor_expand_execute(struct pg_conn *c, const char *sql, char state[6], char *msg, size_t msglen);
/* Describe of a FETCH: the cursor's RowDescription sent; false when sql is not a FETCH of a cursor. */
bool pg_cursor_describe(struct pg_conn *c, const char *sql, const int16_t *formats, int nformats);
/* The transaction ended: cursors without HOLD close, and so do those it declared when it rolled back. */
void pg_cursors_txn_end(struct pg_conn *c, bool committed);

#endif
