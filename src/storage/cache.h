/* The local SSD cache of bucket objects. Lake objects are immutable, so an object is cached
 * whole under its bucket's space and key, downloaded once however many readers want it at once,
 * verified before it is published, kept within a size bound by evicting the least recently used
 * object nobody reads, and found again after a restart. A pinned object is never evicted. */
#ifndef LAKEHOUSE_STORAGE_CACHE_H
#define LAKEHOUSE_STORAGE_CACHE_H

#include <stdint.h>

#include "storage/store.h"

struct cache;
struct cache_entry;

struct cache_stats {
	uint64_t hits;          /* objects found local */
	uint64_t misses;        /* objects that had to be downloaded */
	uint64_t waits;         /* readers that waited for another reader's download of the same object */
	uint64_t bytes_fetched; /* downloaded from buckets */
	uint64_t bytes_cached;  /* on local disk now */
	uint64_t objects;       /* on local disk now */
	uint64_t evictions;
	uint64_t capacity;
};

/* Opens (creating) the cache in dir with room for max_bytes, indexing what an earlier run left. */
struct cache *cache_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen);
void cache_close(struct cache *c);

/* The folder holding a space's objects, with a trailing '/': local path = root + key. A space is
 * one bucket's objects (its id, a short name without '/'). */
void cache_space_root(const struct cache *c, const char *space, char *out, size_t outlen);
/* The folder holding every space (what readers of cached objects must be allowed to open). */
const char *cache_objects_dir(const struct cache *c);

/* What one reader's acquisitions found: objects already local (or downloaded meanwhile by another
 * reader) and objects it downloaded itself, with their bytes. */
struct cache_use {
	uint64_t hits, misses;
	uint64_t hit_bytes, miss_bytes;
};

/* Makes space/key local, downloading it from store when missing, and pins it until
 * cache_release. expected_size, when not 0, is what the object must weigh (a cached copy that
 * differs is fetched again). use, when not NULL, counts the outcome (under the cache's lock, so
 * several threads may share one). */
int cache_acquire(struct cache *c, struct store *store, const char *space, const char *key, uint64_t expected_size,
                  struct cache_entry **pin, struct cache_use *use, struct store_error *err);
void cache_release(struct cache *c, struct cache_entry *pin);

/* Write-through: path (a complete local file, just uploaded as key) becomes the cached copy. The
 * file is consumed whatever happens. */
void cache_adopt(struct cache *c, const char *space, const char *key, const char *path);
/* Drops the cached copy of an object deleted from its bucket (after its last reader). */
void cache_forget(struct cache *c, const char *space, const char *key);
/* Drops every object of a space (a bucket removed from the server). */
void cache_forget_space(struct cache *c, const char *space);

void cache_get_stats(struct cache *c, struct cache_stats *out);

#endif
