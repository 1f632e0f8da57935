/* Session registry: a hash by id plus an LRU list of everything open. All state is under one mutex;
 * payload destruction happens outside it, by the caller. */
#include "engine/session_registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"

struct sess_registry {
	pthread_mutex_t mu;
	pthread_cond_t released;
	size_t max;
	int64_t idle_ms;
	size_t count;
	size_t nbuckets;
	struct sess_entry **buckets;
	struct sess_entry *lru_head, *lru_tail; /* head = most recently used */
};

int64_t sess_now_ms(void) { return clock_mono_us() / 1000; }

struct sess_registry *sess_registry_new(size_t max_sessions, int64_t idle_ms)
{
	struct sess_registry *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->nbuckets = 64;
	while (r->nbuckets < max_sessions * 2)
		r->nbuckets *= 2;
	r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
	if (!r->buckets) {
		free(r);
		return NULL;
	}
	r->max = max_sessions;
	r->idle_ms = idle_ms;
	pthread_mutex_init(&r->mu, NULL);
	cond_init_monotonic(&r->released);
	return r;
}

static void lru_unlink(struct sess_registry *r, struct sess_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		r->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		r->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(struct sess_registry *r, struct sess_entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = r->lru_head;
	if (r->lru_head)
		r->lru_head->lru_prev = e;
	r->lru_head = e;
	if (!r->lru_tail)
		r->lru_tail = e;
}

static struct sess_entry **find_slot(struct sess_registry *r, const char *id)
{
	struct sess_entry **p = &r->buckets[hash_str(id) & (r->nbuckets - 1)];
	while (*p && strcmp((*p)->id, id) != 0)
		p = &(*p)->hnext;
	return p;
}

/* Unlinks e from the hash and the LRU list; the caller frees it. */
static void detach(struct sess_registry *r, struct sess_entry *e)
{
	struct sess_entry **p = find_slot(r, e->id);
	if (*p == e)
		*p = e->hnext;
	lru_unlink(r, e);
	r->count--;
}

static void *entry_free(struct sess_entry *e)
{
	void *payload = e->payload;
	free(e->owner);
	free(e);
	return payload;
}

void sess_registry_free(struct sess_registry *r, void (*destroy)(void *payload))
{
	if (!r)
		return;
	struct sess_entry *e = r->lru_head;
	while (e) {
		struct sess_entry *next = e->lru_next;
		void *payload = entry_free(e);
		if (destroy)
			destroy(payload);
		e = next;
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->released);
	free(r->buckets);
	free(r);
}

int sess_registry_acquire(struct sess_registry *r, const char *id, const char *owner, int timeout_ms,
                          struct sess_entry **out)
{
	struct timespec deadline = clock_deadline_ms(timeout_ms);
	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct sess_entry *e = *find_slot(r, id);
		/* Another user's session is reported as unknown: ids are not secrets to guess at. */
		if (!e || strcmp(e->owner, owner) != 0) {
			pthread_mutex_unlock(&r->mu);
			return SESS_NOT_FOUND;
		}
		if (!e->held) {
			e->held = 1;
			e->last_used_ms = sess_now_ms();
			lru_unlink(r, e);
			lru_push_front(r, e);
			pthread_mutex_unlock(&r->mu);
			*out = e;
			return SESS_OK;
		}
		if (pthread_cond_timedwait(&r->released, &r->mu, &deadline) == ETIMEDOUT) {
			pthread_mutex_unlock(&r->mu);
			return SESS_TIMEOUT;
		}
	}
}

int sess_registry_insert(struct sess_registry *r, const char *id, const char *owner, void *payload,
                         struct sess_entry **out, void **evicted)
{
	*evicted = NULL;
	struct sess_entry *e = calloc(1, sizeof(*e));
	if (!e || !(e->owner = strdup(owner))) {
		free(e);
		return SESS_NOMEM;
	}
	e->payload = payload;
	e->held = 1;
	e->last_used_ms = sess_now_ms();
	pthread_mutex_lock(&r->mu);
	if (id && *find_slot(r, id)) {
		pthread_mutex_unlock(&r->mu);
		entry_free(e);
		return SESS_EXISTS;
	}
	if (r->count >= r->max) {
		struct sess_entry *victim = r->lru_tail;
		while (victim && victim->held)
			victim = victim->lru_prev;
		if (!victim) {
			pthread_mutex_unlock(&r->mu);
			entry_free(e);
			return SESS_FULL;
		}
		detach(r, victim);
		*evicted = entry_free(victim);
	}
	if (id) {
		memcpy(e->id, id, UUID_STR_LEN);
		e->id[UUID_STR_LEN] = '\0';
	} else {
		do
			uuid_v4(e->id);
		while (*find_slot(r, e->id));
	}
	struct sess_entry **slot = find_slot(r, e->id);
	*slot = e;
	lru_push_front(r, e);
	r->count++;
	pthread_mutex_unlock(&r->mu);
	*out = e;
	return SESS_OK;
}

void sess_registry_release(struct sess_registry *r, struct sess_entry *e)
{
	pthread_mutex_lock(&r->mu);
	e->held = 0;
	e->last_used_ms = sess_now_ms();
	pthread_cond_broadcast(&r->released);
	pthread_mutex_unlock(&r->mu);
}

void *sess_registry_remove(struct sess_registry *r, struct sess_entry *e)
{
	pthread_mutex_lock(&r->mu);
	detach(r, e);
	pthread_cond_broadcast(&r->released);
	pthread_mutex_unlock(&r->mu);
	return entry_free(e);
}

size_t sess_registry_expire(struct sess_registry *r, int64_t now_ms, void **out, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&r->mu);
	struct sess_entry *e = r->lru_tail;
	while (e && n < max) {
		struct sess_entry *prev = e->lru_prev;
		if (!e->held && now_ms - e->last_used_ms >= r->idle_ms) {
			detach(r, e);
			out[n++] = entry_free(e);
		}
		e = prev;
	}
	pthread_mutex_unlock(&r->mu);
	return n;
}

size_t sess_registry_count(struct sess_registry *r)
{
	pthread_mutex_lock(&r->mu);
	size_t n = r->count;
	pthread_mutex_unlock(&r->mu);
	return n;
}
