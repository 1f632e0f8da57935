/* SQL-level prepared statements of PostgreSQL clients (PREPARE, EXECUTE, DEALLOCATE), which share
 * their namespace with the protocol's (Parse), and DISCARD, which forgets what a pooled
 * connection should not carry over. Only src/pg includes this. */
#ifndef LAKEHOUSE_PG_PG_PREPARE_H
#define LAKEHOUSE_PG_PG_PREPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "pg/pg_conn.h"

/* Each runs its statement; *failed when an error was sent. */
void pg_prepare_statement(struct pg_conn *c, const char *sql, size_t len, bool *failed);
void pg_deallocate(struct pg_conn *c, const char *sql, size_t len, bool *failed);
/* via: the portal running the DISCARD in the extended protocol, which DISCARD ALL leaves open. */
void pg_discard(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool *failed);
/* EXECUTE name(args) as the text to run instead (malloc'd): the prepared statement with its
 * parameters replaced by the arguments; NULL with a SQLSTATE and message when it cannot be. */
char *pg_prepare_expand(struct pg_conn *c, const char *sql, char state[6], char *msg, size_t msglen);

#endif
