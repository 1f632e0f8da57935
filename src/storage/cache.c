/* The SSD cache: <dir>/objects/<space>/<key> holds complete, verified objects only (a download
 * lands in <dir>/tmp first and is renamed into place after its checks and an fsync), so what a
 * restart finds under objects/ is good to use. One mutex guards the index; downloads and copies
 * run outside it, and readers of an object being downloaded wait for that download instead of
 * starting their own. Recency survives restarts through the files' modification times. */
#include "storage/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/uuid.h"

/* How stale a cached object's modification time may get before a read refreshes it. */
#define TOUCH_EVERY_US (60LL * 1000000)

enum entry_state { ENTRY_LOADING, ENTRY_READY, ENTRY_FAILED };

struct cache_entry {
	char *id; /* space/key */
	uint64_t size;
	int pins;
	enum entry_state state;
	bool indexed; /* in the hash table (and, when ready, the recency list) */
	int64_t touched_us;
	struct cache_entry *hnext, *prev, *next;
	struct store_error err;
};

struct cache {
	char objects[PATH_MAX];
	char tmp[PATH_MAX];
	uint64_t max;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct cache_entry **table;
	size_t nbuckets, count;
	struct cache_entry *head, *tail; /* most recently used first; ready entries only */
	struct cache_stats st;
};

static bool space_valid(const char *space)
{
	size_t n = strlen(space);
	return n > 0 && n <= 64 && space[0] != '.' && !strchr(space, '/');
}

static void path_of(const struct cache *c, const char *id, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.2000s/%.1200s", c->objects, id);
}

static struct cache_entry **slot(struct cache *c, const char *id)
{
	struct cache_entry **p = &c->table[hash_str(id) & (c->nbuckets - 1)];
	while (*p && strcmp((*p)->id, id) != 0)
		p = &(*p)->hnext;
	return p;
}

static void grow(struct cache *c)
{
	size_t n = c->nbuckets * 2;
	struct cache_entry **t = calloc(n, sizeof(*t));
	if (!t)
		return; /* longer chains, nothing worse */
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct cache_entry *e = c->table[i], *next; e; e = next) {
			next = e->hnext;
			size_t b = hash_str(e->id) & (n - 1);
			e->hnext = t[b];
			t[b] = e;
		}
	free(c->table);
	c->table = t;
	c->nbuckets = n;
}

static void index_add(struct cache *c, struct cache_entry *e)
{
	if (c->count >= c->nbuckets)
		grow(c);
	struct cache_entry **p = slot(c, e->id);
	e->hnext = *p;
	*p = e;
	e->indexed = true;
	c->count++;
}

static void lru_unlink(struct cache *c, struct cache_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else if (c->head == e)
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else if (c->tail == e)
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct cache *c, struct cache_entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

/* Takes e out of the index; a ready entry's bytes stop counting and its file goes. */
static void unindex(struct cache *c, struct cache_entry *e, bool remove_file)
{
	if (!e->indexed)
		return;
	struct cache_entry **p = slot(c, e->id);
	if (*p == e)
		*p = e->hnext;
	e->indexed = false;
	c->count--;
	if (e->state == ENTRY_READY) {
		lru_unlink(c, e);
		c->st.bytes_cached -= e->size;
		c->st.objects--;
		if (remove_file) {
			char path[PATH_MAX];
			path_of(c, e->id, path, sizeof(path));
			unlink(path);
		}
	}
}

static void entry_free(struct cache_entry *e)
{
	free(e->id);
	free(e);
}

/* Evicts least recently used unpinned objects until at most target bytes are cached. */
static void evict_to(struct cache *c, uint64_t target)
{
	struct cache_entry *e = c->tail;
	while (c->st.bytes_cached > target && e) {
		struct cache_entry *prev = e->prev;
		if (e->pins == 0) {
			unindex(c, e, true);
			c->st.evictions++;
			entry_free(e);
		}
		e = prev;
	}
}

static struct cache_entry *entry_new(const char *id, enum entry_state st)
{
	struct cache_entry *e = calloc(1, sizeof(*e));
	if (!e || !(e->id = strdup(id))) {
		free(e);
		return NULL;
	}
	e->state = st;
	return e;
}

static int mkdirs_for(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

/* Makes a fresh temporary file in the cache's tmp folder. */
static int tmp_file(struct cache *c, char *path, size_t pathlen)
{
	char id[UUID_STR_LEN + 1];
	uuid_v4(id);
	snprintf(path, pathlen, "%.2000s/%s", c->tmp, id);
	return open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

/* Moves a finished temporary file to where entry id lives. */
static int publish(struct cache *c, const char *tmp, const char *id)
{
	char dest[PATH_MAX];
	path_of(c, id, dest, sizeof(dest));
	if (mkdirs_for(dest) != 0 || rename(tmp, dest) != 0)
		return -1;
	return 0;
}

/* Records the outcome of a load and wakes its waiters; drops the loader's pin. */
static void finish_load(struct cache *c, struct cache_entry *e, bool ok, uint64_t size, bool fetched)
{
	if (ok && e->indexed) {
		e->state = ENTRY_READY;
		e->size = size;
		e->touched_us = clock_wall_us();
		lru_push(c, e);
		c->st.bytes_cached += size;
		c->st.objects++;
		if (fetched)
			c->st.bytes_fetched += size;
		evict_to(c, c->max);
	} else {
		unindex(c, e, false);
		e->state = ENTRY_FAILED;
		if (ok && !*slot(c, e->id)) { /* forgotten while it loaded */
			char path[PATH_MAX];
			path_of(c, e->id, path, sizeof(path));
			unlink(path);
			snprintf(e->err.message, sizeof(e->err.message), "object %s was deleted", e->id);
			e->err.status = STORE_NOT_FOUND;
		}
	}
	pthread_cond_broadcast(&c->cv);
}

/* Fetches key into a temporary file and publishes it as e. Called without the lock. */
static int download(struct cache *c, struct store *store, const char *key, const char *id, uint64_t expected,
                    uint64_t *size, struct store_error *err)
{
	char tmp[PATH_MAX];
	int fd = tmp_file(c, tmp, sizeof(tmp));
	if (fd < 0)
		return store_fail(err, STORE_ERROR, "cache: cannot create a file in %s: %s", c->tmp, strerror(errno));
	struct store_object o;
	int rc = store->ops->get_file(store, key, fd, &o, err);
	if (rc == STORE_OK && expected && o.size != expected)
		rc = store_fail(err, STORE_ERROR, "object %s is %llu bytes in the bucket but %llu in the lake's metadata", key,
		                (unsigned long long)o.size, (unsigned long long)expected);
	if (rc == STORE_OK && fsync(fd) != 0)
		rc = store_fail(err, STORE_ERROR, "cache: cannot write %s: %s", key, strerror(errno));
	close(fd);
	if (rc == STORE_OK && publish(c, tmp, id) != 0)
		rc = store_fail(err, STORE_ERROR, "cache: cannot store %s: %s", key, strerror(errno));
	if (rc != STORE_OK)
		unlink(tmp);
	*size = o.size;
	return rc;
}

/* Drops a pin (lock held). An entry out of the index goes with its last pin: a ready one that was
 * forgotten while it was read takes its file along. */
static void unpin(struct cache *c, struct cache_entry *e)
{
	if (--e->pins > 0 || e->indexed)
		return;
	if (e->state == ENTRY_READY && !*slot(c, e->id)) { /* unless a newer copy took the name */
		char path[PATH_MAX];
		path_of(c, e->id, path, sizeof(path));
		unlink(path);
	}
	entry_free(e);
}

static void touch_file(struct cache *c, const char *id)
{
	char path[PATH_MAX];
	path_of(c, id, path, sizeof(path));
	utimensat(AT_FDCWD, path, NULL, 0);
}

int cache_acquire(struct cache *c, struct store *store, const char *space, const char *key, uint64_t expected_size,
                  struct cache_entry **pin, struct cache_use *use, struct store_error *err)
{
	*pin = NULL;
	if (!space_valid(space) || !store_key_valid(key))
		return store_fail(err, STORE_INVALID, "invalid object key");
	char id[STORE_KEY_MAX + 80];
	snprintf(id, sizeof(id), "%s/%s", space, key);
	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct cache_entry *e = *slot(c, id);
		if (!e)
			break;
		if (e->state == ENTRY_LOADING) {
			e->pins++;
			c->st.waits++;
			while (e->state == ENTRY_LOADING)
				pthread_cond_wait(&c->cv, &c->mu);
			if (e->state == ENTRY_FAILED && e->err.status != STORE_OK) {
				*err = e->err;
				unpin(c, e);
				pthread_mutex_unlock(&c->mu);
				return err->status;
			}
			/* ready now, or a write-through that failed (the bucket has the object): look again */
			unpin(c, e);
			continue;
		}
		if (expected_size && e->size != expected_size) {
			/* not the object the metadata describes: fetch it again once nobody reads this copy */
			if (e->pins > 0) {
				pthread_mutex_unlock(&c->mu);
				return store_fail(err, STORE_ERROR, "cache: the cached copy of %s has the wrong size", key);
			}
			log_warn("cache: dropping a copy of the wrong size", "key=%s size=%llu expected=%llu", key,
			         (unsigned long long)e->size, (unsigned long long)expected_size);
			unindex(c, e, true);
			entry_free(e);
			break;
		}
		e->pins++;
		c->st.hits++;
		if (use) {
			use->hits++;
			use->hit_bytes += e->size;
		}
		lru_unlink(c, e);
		lru_push(c, e);
		int64_t now = clock_wall_us();
		bool touch = now - e->touched_us > TOUCH_EVERY_US;
		if (touch)
			e->touched_us = now;
		pthread_mutex_unlock(&c->mu);
		if (touch)
			touch_file(c, id);
		*pin = e;
		return STORE_OK;
	}
	struct cache_entry *e = entry_new(id, ENTRY_LOADING);
	if (!e) {
		pthread_mutex_unlock(&c->mu);
		return store_fail(err, STORE_ERROR, "out of memory");
	}
	e->pins = 1;
	index_add(c, e);
	c->st.misses++;
	if (expected_size)
		evict_to(c, expected_size >= c->max ? 0 : c->max - expected_size);
	pthread_mutex_unlock(&c->mu);

	uint64_t size = 0;
	int rc = download(c, store, key, id, expected_size, &size, err);

	pthread_mutex_lock(&c->mu);
	if (rc != STORE_OK)
		e->err = *err;
	finish_load(c, e, rc == STORE_OK, size, true);
	if (e->state != ENTRY_READY) {
		if (rc == STORE_OK)
			*err = e->err;
		rc = err->status ? err->status : STORE_ERROR;
		unpin(c, e);
		e = NULL;
	} else if (use) {
		use->misses++;
		use->miss_bytes += size;
	}
	pthread_mutex_unlock(&c->mu);
	*pin = e;
	return e ? STORE_OK : rc;
}

void cache_release(struct cache *c, struct cache_entry *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&c->mu);
	unpin(c, e);
	if (c->st.bytes_cached > c->max)
		evict_to(c, c->max);
	pthread_mutex_unlock(&c->mu);
}

static int copy_into(int out, const char *src)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	char chunk[1 << 16];
	ssize_t n;
	int rc = 0;
	while (rc == 0 && (n = read(in, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, chunk + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = -1;
				break;
			}
			off += w;
		}
	}
	close(in);
	return rc == 0 ? fsync(out) : -1;
}

void cache_adopt(struct cache *c, const char *space, const char *key, const char *path)
{
	char id[STORE_KEY_MAX + 80];
	struct stat st;
	if (!space_valid(space) || !store_key_valid(key) || stat(path, &st) != 0) {
		unlink(path);
		return;
	}
	snprintf(id, sizeof(id), "%s/%s", space, key);
	pthread_mutex_lock(&c->mu);
	if (*slot(c, id)) { /* already here or on its way: objects never change */
		pthread_mutex_unlock(&c->mu);
		unlink(path);
		return;
	}
	struct cache_entry *e = entry_new(id, ENTRY_LOADING);
	if (!e) {
		pthread_mutex_unlock(&c->mu);
		unlink(path);
		return;
	}
	e->pins = 1;
	index_add(c, e);
	evict_to(c, (uint64_t)st.st_size >= c->max ? 0 : c->max - (uint64_t)st.st_size);
	pthread_mutex_unlock(&c->mu);

	bool ok = publish(c, path, id) == 0;
	if (!ok && errno == EXDEV) { /* the cache is on another file system: copy */
		char tmp[PATH_MAX];
		int fd = tmp_file(c, tmp, sizeof(tmp));
		ok = fd >= 0 && copy_into(fd, path) == 0;
		if (fd >= 0)
			close(fd);
		ok = ok && publish(c, tmp, id) == 0;
		if (!ok && fd >= 0)
			unlink(tmp);
	}
	unlink(path);

	pthread_mutex_lock(&c->mu);
	/* a failure leaves err.status STORE_OK: readers waiting for it download the object instead */
	finish_load(c, e, ok, (uint64_t)st.st_size, false);
	unpin(c, e);
	pthread_mutex_unlock(&c->mu);
}

void cache_forget(struct cache *c, const char *space, const char *key)
{
	char id[STORE_KEY_MAX + 80];
	snprintf(id, sizeof(id), "%s/%s", space, key);
	pthread_mutex_lock(&c->mu);
	struct cache_entry *e = *slot(c, id);
	if (e && e->state == ENTRY_READY) {
		if (e->pins == 0) {
			unindex(c, e, true);
			entry_free(e);
		} else {
			/* readers keep the file; the last one removes it */
			unindex(c, e, false);
		}
	} else if (e) {
		unindex(c, e, false); /* a load in progress: finish_load drops what it brings */
	}
	pthread_mutex_unlock(&c->mu);
}

void cache_forget_space(struct cache *c, const char *space)
{
	size_t sl = strlen(space);
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct cache_entry *e = c->table[i];
		while (e) {
			struct cache_entry *next = e->hnext;
			if (!strncmp(e->id, space, sl) && e->id[sl] == '/') {
				bool ready = e->state == ENTRY_READY;
				bool idle = ready && e->pins == 0;
				unindex(c, e, idle);
				if (idle)
					entry_free(e);
			}
			e = next;
		}
	}
	pthread_mutex_unlock(&c->mu);
}

void cache_space_root(const struct cache *c, const char *space, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.2000s/%.64s/", c->objects, space);
}

const char *cache_objects_dir(const struct cache *c) { return c->objects; }

void cache_get_stats(struct cache *c, struct cache_stats *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->st;
	out->capacity = c->max;
	pthread_mutex_unlock(&c->mu);
}

/* What an earlier run left: every file under objects/ (each was complete when it got its name). */
struct found {
	struct cache_entry **v;
	size_t n, cap;
};

static void scan(struct cache *c, struct found *f, char *rel, size_t rel_len, int depth)
{
	char dirpath[PATH_MAX];
	snprintf(dirpath, sizeof(dirpath), "%.2000s%s%.1200s", c->objects, rel_len ? "/" : "", rel);
	DIR *d = opendir(dirpath);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t nl = strlen(de->d_name);
		if (rel_len + nl + 2 > STORE_KEY_MAX + 70)
			continue;
		size_t k = rel_len;
		if (k)
			rel[k++] = '/';
		memcpy(rel + k, de->d_name, nl + 1);
		char full[PATH_MAX];
		struct stat st;
		snprintf(full, sizeof(full), "%.2000s/%.1200s", c->objects, rel);
		if (lstat(full, &st) == 0) {
			const char *slash = strchr(rel, '/');
			if (S_ISDIR(st.st_mode) && depth < 64) {
				scan(c, f, rel, k + nl, depth + 1);
			} else if (S_ISREG(st.st_mode) && slash && store_key_valid(slash + 1)) {
				struct cache_entry *e = entry_new(rel, ENTRY_READY);
				if (e && f->n == f->cap) {
					size_t cap = f->cap ? f->cap * 2 : 256;
					struct cache_entry **v = realloc(f->v, cap * sizeof(*v));
					if (v) {
						f->v = v;
						f->cap = cap;
					}
				}
				if (e && f->n < f->cap) {
					e->size = (uint64_t)st.st_size;
					e->touched_us = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
					f->v[f->n++] = e;
				} else if (e) {
					entry_free(e); /* out of memory: the file stays, unindexed, until a later start */
				}
			} else {
				unlink(full); /* not something this cache writes */
			}
		}
		rel[rel_len] = '\0';
	}
	closedir(d);
}

static int by_touch(const void *a, const void *b)
{
	const struct cache_entry *x = *(struct cache_entry *const *)a, *y = *(struct cache_entry *const *)b;
	return x->touched_us < y->touched_us ? -1 : x->touched_us > y->touched_us;
}

static void clear_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%.2000s/%.255s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
}

struct cache *cache_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen)
{
	struct cache *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	char root[PATH_MAX];
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the cache folder %s: %s", dir, strerror(errno));
		free(c);
		return NULL;
	}
	if (!realpath(dir, root)) {
		snprintf(err, errlen, "cache folder %s: %s", dir, strerror(errno));
		free(c);
		return NULL;
	}
	snprintf(c->objects, sizeof(c->objects), "%.1900s/objects", root);
	snprintf(c->tmp, sizeof(c->tmp), "%.1900s/tmp", root);
	if ((mkdir(c->objects, 0700) != 0 && errno != EEXIST) || (mkdir(c->tmp, 0700) != 0 && errno != EEXIST)) {
		snprintf(err, errlen, "cannot create the cache folders in %s: %s", root, strerror(errno));
		free(c);
		return NULL;
	}
	c->max = max_bytes;
	c->nbuckets = 1024;
	if (!(c->table = calloc(c->nbuckets, sizeof(*c->table)))) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	clear_tmp(c->tmp);
	struct found f = {0};
	char rel[STORE_KEY_MAX + 80] = "";
	scan(c, &f, rel, 0, 0);
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), by_touch);
	for (size_t i = 0; i < f.n; i++) { /* oldest first, so the newest ends at the head */
		index_add(c, f.v[i]);
		lru_push(c, f.v[i]);
		c->st.bytes_cached += f.v[i]->size;
		c->st.objects++;
	}
	free(f.v);
	evict_to(c, c->max);
	return c;
}

void cache_close(struct cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct cache_entry *e = c->table[i], *next; e; e = next) {
			next = e->hnext;
			entry_free(e);
		}
	free(c->table);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}
