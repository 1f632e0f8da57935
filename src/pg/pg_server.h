/* The PostgreSQL wire protocol listener. One event-loop thread owns every idle connection (no
 * thread per idle client); a connection with a complete request is handed to a small pool of
 * threads that runs it on the engine and streams the answer, then hands it back. */
#ifndef LAKEHOUSE_PG_PG_SERVER_H
#define LAKEHOUSE_PG_PG_SERVER_H

#include <stddef.h>

#include "server/config.h"

struct engine;
struct lake_meta;
struct pg_server;

/* Listens on cfg->bind:cfg->pg_port. NULL with err when it cannot. */
struct pg_server *pg_server_start(const struct config *cfg, struct engine *engine, struct lake_meta *meta, char *err,
                                  size_t errlen);
/* Stops accepting new connections; connections in a query finish it. */
void pg_server_quiesce(struct pg_server *s);
/* Closes every connection and frees the server. */
void pg_server_stop(struct pg_server *s);

#endif
