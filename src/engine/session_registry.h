/* The session registry: sessions by id, one holder at a time, idle expiry and a cap on how many are
 * open. It owns no DuckDB state: each entry carries an opaque payload the caller creates and
 * destroys, which keeps the bookkeeping testable on its own. */
#ifndef LAKEHOUSE_ENGINE_SESSION_REGISTRY_H
#define LAKEHOUSE_ENGINE_SESSION_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "util/uuid.h"

struct sess_registry;

struct sess_entry {
	char id[UUID_STR_LEN + 1];
	char *owner;
	void *payload;
	/* registry-private from here */
	int64_t last_used_ms;
	int held;
	struct sess_entry *hnext;
	struct sess_entry *lru_prev, *lru_next;
};

enum { SESS_OK = 0, SESS_NOT_FOUND = 1, SESS_TIMEOUT = 2, SESS_FULL = 3, SESS_NOMEM = 4, SESS_EXISTS = 5 };

struct sess_registry *sess_registry_new(size_t max_sessions, int64_t idle_ms);
/* Frees the registry; calls destroy on each payload. */
void sess_registry_free(struct sess_registry *r, void (*destroy)(void *payload));

/* Holds the session `id` owned by `owner`, waiting up to timeout_ms while another caller holds it. */
int sess_registry_acquire(struct sess_registry *r, const char *id, const char *owner, int timeout_ms,
                          struct sess_entry **out);
/* Adds a new session, already held, under `id` (a fresh random one when NULL; SESS_EXISTS when
 * taken). When the registry is full the least recently used session that
 * nobody holds is evicted and its payload handed back in *evicted for the caller to destroy. */
int sess_registry_insert(struct sess_registry *r, const char *id, const char *owner, void *payload,
                         struct sess_entry **out, void **evicted);
/* Gives the session back; it stays open for later requests. */
void sess_registry_release(struct sess_registry *r, struct sess_entry *e);
/* Removes a held session for good (its payload is returned for the caller to destroy). */
void *sess_registry_remove(struct sess_registry *r, struct sess_entry *e);
/* Removes up to max sessions idle since before now_ms - idle_ms; their payloads go to out. */
size_t sess_registry_expire(struct sess_registry *r, int64_t now_ms, void **out, size_t max);
size_t sess_registry_count(struct sess_registry *r);

int64_t sess_now_ms(void);

#endif
