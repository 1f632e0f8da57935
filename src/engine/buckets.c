/* The buckets the lake's catalogs live in, as the engine uses them: the built-in bucket (a folder
 * the workers read in place) and buckets from the metadata store (S3-compatible stores, or other
 * folders), opened on first use and read through the SSD cache. Writes go to the bucket and, for
 * cached buckets, into the cache as well (write-through), so a server's own writes are read
 * locally. Bucket secrets are sealed with the server's key before they reach the metadata store
 * and are never logged or returned. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/engine_internal.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/log.h"
#include "util/secret_box.h"
#include "util/uuid.h"

static const char *env_or(const char *v, const char *var)
{
	if (v && *v)
		return v;
	const char *e = getenv(var);
	return e && *e ? e : NULL;
}

/* Opens the store a bucket row describes. */
static struct store *open_store(struct engine *e, const struct lake_bucket *row, char *msg, size_t msglen)
{
	struct store_error serr = {0};
	struct store *st = NULL;
	if (!strcmp(row->provider, "fs")) {
		st = store_fs_open(row->bucket, &serr);
	} else {
		char *secret = row->secret[0] ? secret_open(e->secret_key, row->secret) : NULL;
		char *token = row->session_token[0] ? secret_open(e->secret_key, row->session_token) : NULL;
		if ((row->secret[0] && !secret) || (row->session_token[0] && !token)) {
			snprintf(msg, msglen, "bucket '%s': its secrets were sealed with another key (set the same "
			         "LAKEHOUSE_SECRET_KEY or secret key file on every server)", row->name);
			secret_free(secret);
			secret_free(token);
			return NULL;
		}
		bool own = row->access_key_id[0] != '\0';
		struct store_s3_config c = {
			.name = row->name,
			.endpoint = row->endpoint,
			.bucket = row->bucket,
			.prefix = row->prefix,
			.region = row->region,
			.path_style = row->path_style,
			.access_key_id = own ? row->access_key_id : env_or(NULL, "AWS_ACCESS_KEY_ID"),
			.secret_access_key = own ? secret : env_or(NULL, "AWS_SECRET_ACCESS_KEY"),
			.session_token = own ? token : env_or(NULL, "AWS_SESSION_TOKEN"),
			.multipart_threshold = (uint64_t)e->cfg->s3_multipart_threshold,
			.part_size = (uint64_t)e->cfg->s3_part_size,
			.attempts = e->cfg->s3_attempts,
			.connect_timeout_ms = e->cfg->s3_connect_timeout_ms,
			.stall_timeout_ms = e->cfg->s3_stall_timeout_ms,
			.backoff_base_ms = e->cfg->s3_backoff_ms,
		};
		st = store_s3_open(&c, &serr);
		secret_free(secret);
		secret_free(token);
	}
	if (!st)
		snprintf(msg, msglen, "bucket '%s': %s", row->name, serr.message);
	return st;
}

static struct eng_bucket *find_open(struct engine *e, const char *name)
{
	for (struct eng_bucket *b = e->buckets; b; b = b->next)
		if (!b->retired && !strcmp(b->name, name))
			return b;
	return NULL;
}

int eng_buckets_open(struct engine *e, char *msg, size_t msglen)
{
	char *real = realpath(e->cfg->data_dir, NULL);
	if (!real) {
		snprintf(msg, msglen, "data directory %s: %s", e->cfg->data_dir, strerror(errno));
		return -1;
	}
	char root[4200], path[4300];
	snprintf(root, sizeof(root), "%.4000s/buckets", real);
	if (mkdir(root, 0700) != 0 && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create %.400s: %s", root, strerror(errno));
		free(real);
		return -1;
	}
	const char *key_file = e->cfg->secret_key_file;
	char default_key_file[4200];
	if (!key_file) {
		snprintf(default_key_file, sizeof(default_key_file), "%.4000s/secret.key", real);
		key_file = default_key_file;
	}
	const char *cache_dir = e->cfg->cache_dir;
	char default_cache[4200];
	if (!cache_dir) {
		snprintf(default_cache, sizeof(default_cache), "%.4000s/cache", real);
		cache_dir = default_cache;
	}
	free(real);
	if (secret_key_load(e->cfg->secret_key, key_file, e->secret_key, msg, msglen) != 0)
		return -1;
	if (!(e->cache = cache_open(cache_dir, (uint64_t)e->cfg->cache_size, msg, msglen)))
		return -1;
	struct eng_bucket *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	snprintf(b->name, sizeof(b->name), "default");
	snprintf(b->root, sizeof(b->root), "%.4100s/default/", root);
	snprintf(path, sizeof(path), "%s/default", root);
	struct store_error serr = {0};
	if (!(b->store = store_fs_open(path, &serr))) {
		snprintf(msg, msglen, "%s", serr.message);
		free(b);
		return -1;
	}
	pthread_mutex_init(&e->buckets_mu, NULL);
	e->buckets = b;
	return 0;
}

void eng_buckets_close(struct engine *e)
{
	for (struct eng_bucket *b = e->buckets, *next; b; b = next) {
		next = b->next;
		b->store->ops->close(b->store);
		free(b);
	}
	e->buckets = NULL;
	cache_close(e->cache);
	e->cache = NULL;
	pthread_mutex_destroy(&e->buckets_mu);
}

struct eng_bucket *eng_bucket_get(struct engine *e, const char *name, char *msg, size_t msglen)
{
	pthread_mutex_lock(&e->buckets_mu);
	struct eng_bucket *b = find_open(e, name);
	pthread_mutex_unlock(&e->buckets_mu);
	if (b)
		return b;
	struct lake_bucket *row = malloc(sizeof(*row));
	if (!row) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	if (lake_bucket_get(e->lake, name, row, msg, msglen) != LAKE_OK) {
		free(row);
		return NULL;
	}
	struct store *st = open_store(e, row, msg, msglen);
	if (!st) {
		free(row);
		return NULL;
	}
	pthread_mutex_lock(&e->buckets_mu);
	b = find_open(e, name); /* another thread may have opened it meanwhile */
	if (!b && (b = calloc(1, sizeof(*b)))) {
		snprintf(b->name, sizeof(b->name), "%s", row->name);
		snprintf(b->uid, sizeof(b->uid), "%s", row->uid);
		b->store = st;
		st = NULL;
		b->cached = true;
		cache_space_root(e->cache, b->uid, b->root, sizeof(b->root));
		b->next = e->buckets;
		e->buckets = b;
	}
	pthread_mutex_unlock(&e->buckets_mu);
	if (st)
		st->ops->close(st);
	if (!b)
		snprintf(msg, msglen, "out of memory");
	free(row);
	return b;
}

struct eng_bucket *eng_bucket_of_catalog(struct engine *e, int64_t catalog_id, char *msg, size_t msglen)
{
	char name[LAKE_NAME_MAX + 1] = "";
	pthread_mutex_lock(&e->open_mu);
	for (size_t i = 0; i < e->ncatalogs; i++)
		if (e->catalogs[i].id == catalog_id)
			snprintf(name, sizeof(name), "%s", e->catalogs[i].bucket);
	pthread_mutex_unlock(&e->open_mu);
	if (!name[0]) { /* created a moment ago, perhaps by another server */
		struct lake_head *heads = NULL;
		size_t n = 0;
		if (lake_heads(e->lake, &heads, &n, msg, msglen) != LAKE_OK)
			return NULL;
		for (size_t i = 0; i < n; i++)
			if (heads[i].id == catalog_id)
				snprintf(name, sizeof(name), "%s", heads[i].bucket);
		free(heads);
	}
	if (!name[0]) {
		snprintf(msg, msglen, "Catalog Error: the managed catalog was dropped");
		return NULL;
	}
	return eng_bucket_get(e, name, msg, msglen);
}

void eng_buckets_refresh(struct engine *e)
{
	struct lake_bucket *rows = NULL;
	size_t n = 0;
	char msg[512];
	if (lake_bucket_list(e->lake, &rows, &n, msg, sizeof(msg)) != LAKE_OK)
		return;
	pthread_mutex_lock(&e->buckets_mu);
	for (struct eng_bucket *b = e->buckets; b; b = b->next) {
		if (b->retired || !b->cached)
			continue;
		bool same = false;
		for (size_t i = 0; i < n; i++)
			same = same || (!strcmp(rows[i].name, b->name) && !strcmp(rows[i].uid, b->uid));
		/* removed (and maybe added again) on another server: open it afresh next time */
		if (!same)
			b->retired = true;
	}
	pthread_mutex_unlock(&e->buckets_mu);
	free(rows);
}

int eng_bucket_put(struct engine *e, struct eng_bucket *b, const char *key, const char *path, char *msg,
                   size_t msglen)
{
	struct store_error serr = {0};
	if (!b->cached) {
		if (b->store->ops->move_file(b->store, key, path, &serr) != STORE_OK) {
			snprintf(msg, msglen, "%s", serr.message);
			return -1;
		}
		return 0;
	}
	if (b->store->ops->put_file(b->store, key, path, &serr) != STORE_OK) {
		snprintf(msg, msglen, "%s", serr.message);
		return -1;
	}
	cache_adopt(e->cache, b->uid, key, path);
	return 0;
}

int eng_bucket_delete(struct engine *e, struct eng_bucket *b, const char *key, char *msg, size_t msglen)
{
	struct store_error serr = {0};
	if (b->store->ops->del(b->store, key, &serr) != STORE_OK) {
		snprintf(msg, msglen, "%s", serr.message);
		return -1;
	}
	if (b->cached)
		cache_forget(e->cache, b->uid, key);
	return 0;
}

int eng_bucket_fetch(struct engine *e, struct eng_bucket *b, const char *key, uint64_t size, struct eng_pins *pins,
                     struct cache_use *use, char *msg, size_t msglen)
{
	if (!b->cached)
		return 0;
	if (pins->n == pins->cap) {
		size_t cap = pins->cap ? pins->cap * 2 : 16;
		struct cache_entry **v = realloc(pins->v, cap * sizeof(*v));
		if (!v) {
			snprintf(msg, msglen, "Out of Memory Error: cannot track the objects a query reads");
			return -1;
		}
		pins->v = v;
		pins->cap = cap;
	}
	struct store_error serr = {0};
	struct cache_entry *pin;
	int rc = cache_acquire(e->cache, b->store, b->uid, key, size, &pin, use, &serr);
	if (rc != STORE_OK) {
		snprintf(msg, msglen, "IO Error: %s", serr.message);
		return rc == STORE_NOT_FOUND ? -2 : -1;
	}
	pins->v[pins->n++] = pin;
	return 0;
}

/* Parallel downloads: a statement's objects are fetched by a few threads at once, since one
 * transfer rarely fills the link (and a store's latency adds up over many small objects). */
#define FETCH_THREADS 4

struct fetch_job {
	struct engine *e;
	struct eng_bucket *b;
	const char *const *keys;
	const uint64_t *sizes;
	size_t n;
	struct cache_entry **got; /* one slot per key */
	struct cache_use *use;
	pthread_mutex_t mu;
	size_t next;
	int failed; /* 0, or the first failure's eng_bucket_fetch code */
	char msg[1024];
};

static void *fetch_worker(void *arg)
{
	struct fetch_job *j = arg;
	for (;;) {
		pthread_mutex_lock(&j->mu);
		size_t i = j->next < j->n && !j->failed ? j->next++ : j->n;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			return NULL;
		struct store_error serr = {0};
		int rc = cache_acquire(j->e->cache, j->b->store, j->b->uid, j->keys[i], j->sizes ? j->sizes[i] : 0, &j->got[i],
		                       j->use, &serr);
		if (rc != STORE_OK) {
			pthread_mutex_lock(&j->mu);
			if (!j->failed) {
				j->failed = rc == STORE_NOT_FOUND ? -2 : -1;
				snprintf(j->msg, sizeof(j->msg), "IO Error: %s", serr.message);
			}
			pthread_mutex_unlock(&j->mu);
		}
	}
}

int eng_bucket_fetch_all(struct engine *e, struct eng_bucket *b, const char *const *keys, const uint64_t *sizes,
                         size_t n, struct eng_pins *pins, struct cache_use *use, char *msg, size_t msglen)
{
	if (!b->cached || n == 0)
		return 0;
	if (n == 1)
		return eng_bucket_fetch(e, b, keys[0], sizes ? sizes[0] : 0, pins, use, msg, msglen);
	if (pins->cap - pins->n < n) {
		size_t cap = pins->n + n + 16;
		struct cache_entry **v = realloc(pins->v, cap * sizeof(*v));
		if (!v) {
			snprintf(msg, msglen, "Out of Memory Error: cannot track the objects a query reads");
			return -1;
		}
		pins->v = v;
		pins->cap = cap;
	}
	struct fetch_job j = {.e = e, .b = b, .keys = keys, .sizes = sizes, .n = n, .got = pins->v + pins->n, .use = use};
	memset(j.got, 0, n * sizeof(*j.got));
	pthread_mutex_init(&j.mu, NULL);
	pthread_t t[FETCH_THREADS - 1];
	int started = 0;
	for (int k = 0; k < FETCH_THREADS - 1 && (size_t)k + 1 < n; k++)
		if (pthread_create(&t[k], NULL, fetch_worker, &j) == 0)
			started++;
	fetch_worker(&j); /* this thread works too */
	for (int k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	pthread_mutex_destroy(&j.mu);
	/* whatever was fetched is pinned now, failure or not; eng_pins_release gives it back */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (j.got[i])
			pins->v[pins->n + kept++] = j.got[i];
	pins->n += kept;
	if (j.failed) {
		snprintf(msg, msglen, "%s", j.msg);
		return j.failed;
	}
	return 0;
}

void eng_pins_release(struct engine *e, struct eng_pins *pins)
{
	for (size_t i = 0; i < pins->n; i++)
		cache_release(e->cache, pins->v[i]);
	free(pins->v);
	memset(pins, 0, sizeof(*pins));
}

/* Administration. */

static const char *const providers[] = {"fs", "s3", "r2", "gcs"};

int engine_bucket_create(struct engine *e, const struct eng_bucket_spec *spec, struct lake_bucket *out, char *msg,
                         size_t msglen)
{
	struct lake_bucket *row = calloc(1, sizeof(*row));
	if (!row) {
		snprintf(msg, msglen, "out of memory");
		return LAKE_ERROR;
	}
	int rc = LAKE_INVALID;
	const char *provider = spec->provider ? spec->provider : "s3";
	bool known = false;
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		known = known || !strcmp(provider, providers[i]);
	char why[128];
	if (!spec->name || !lake_name_valid(spec->name, why, sizeof(why))) {
		snprintf(msg, msglen, "invalid bucket name: %s", spec->name ? why : "field 'name' is required");
		goto done;
	}
	if (!known) {
		snprintf(msg, msglen, "provider must be one of fs, s3, r2, gcs");
		goto done;
	}
	if (!spec->bucket || !*spec->bucket) {
		snprintf(msg, msglen, "field 'bucket' is required (%s)", !strcmp(provider, "fs") ? "the folder" : "the bucket's name");
		goto done;
	}
	snprintf(row->name, sizeof(row->name), "%s", spec->name);
	snprintf(row->provider, sizeof(row->provider), "%s", provider);
	uuid_v4(row->uid);
	snprintf(row->bucket, sizeof(row->bucket), "%s", spec->bucket);
	snprintf(row->prefix, sizeof(row->prefix), "%s", spec->prefix ? spec->prefix : "");
	if (!strcmp(provider, "fs")) {
		if (spec->bucket[0] != '/') {
			snprintf(msg, msglen, "an fs bucket is an absolute folder path");
			goto done;
		}
	} else {
		bool r2 = !strcmp(provider, "r2"), gcs = !strcmp(provider, "gcs");
		const char *region = spec->region && *spec->region ? spec->region : r2 || gcs ? "auto" : "us-east-1";
		snprintf(row->region, sizeof(row->region), "%s", region);
		if (spec->endpoint && *spec->endpoint)
			snprintf(row->endpoint, sizeof(row->endpoint), "%s", spec->endpoint);
		else if (gcs)
			snprintf(row->endpoint, sizeof(row->endpoint), "https://storage.googleapis.com");
		else if (!r2)
			snprintf(row->endpoint, sizeof(row->endpoint), "https://s3.%s.amazonaws.com", region);
		else {
			snprintf(msg, msglen, "an r2 bucket needs its endpoint, https://<account id>.r2.cloudflarestorage.com");
			goto done;
		}
		/* AWS's own endpoint is addressed by bucket host name; others (MinIO, R2, GCS) by path */
		row->path_style = spec->path_style >= 0 ? spec->path_style != 0 : !!(spec->endpoint && *spec->endpoint) || r2 || gcs;
		bool has_key = spec->access_key_id && *spec->access_key_id, has_secret = spec->secret_access_key && *spec->secret_access_key;
		if (has_key != has_secret) {
			snprintf(msg, msglen, "access_key_id and secret_access_key go together");
			goto done;
		}
		if (!has_key && (!env_or(NULL, "AWS_ACCESS_KEY_ID") || !env_or(NULL, "AWS_SECRET_ACCESS_KEY"))) {
			snprintf(msg, msglen, "credentials are missing: give access_key_id and secret_access_key, or set "
			         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the server");
			goto done;
		}
		if (has_key) {
			if (strlen(spec->access_key_id) >= sizeof(row->access_key_id) || strlen(spec->secret_access_key) > 255 ||
			    (spec->session_token && strlen(spec->session_token) > 4000)) {
				snprintf(msg, msglen, "credentials too long");
				goto done;
			}
			snprintf(row->access_key_id, sizeof(row->access_key_id), "%s", spec->access_key_id);
			char *sealed = secret_seal(e->secret_key, spec->secret_access_key);
			char *tok = spec->session_token && *spec->session_token ? secret_seal(e->secret_key, spec->session_token) : NULL;
			if (!sealed || (spec->session_token && *spec->session_token && !tok)) {
				free(sealed);
				free(tok);
				snprintf(msg, msglen, "cannot seal the bucket's secrets");
				rc = LAKE_ERROR;
				goto done;
			}
			snprintf(row->secret, sizeof(row->secret), "%s", sealed);
			snprintf(row->session_token, sizeof(row->session_token), "%s", tok ? tok : "");
			free(sealed);
			free(tok);
		}
	}
	/* the description must open (URL, names, credentials present) before it is stored */
	struct store *st = open_store(e, row, msg, msglen);
	if (!st)
		goto done;
	st->ops->close(st);
	rc = lake_bucket_create(e->lake, row, msg, msglen);
	if (rc == LAKE_OK && out)
		*out = *row;
done:
	memset(row->secret, 0, sizeof(row->secret));
	free(row);
	return rc;
}

int engine_bucket_remove(struct engine *e, const char *name, char *msg, size_t msglen)
{
	if (!strcmp(name, "default")) {
		snprintf(msg, msglen, "the built-in bucket cannot be removed");
		return LAKE_INVALID;
	}
	int rc = lake_bucket_delete(e->lake, name, msg, msglen);
	if (rc != LAKE_OK)
		return rc;
	pthread_mutex_lock(&e->buckets_mu);
	struct eng_bucket *b = find_open(e, name);
	if (b)
		b->retired = true;
	pthread_mutex_unlock(&e->buckets_mu);
	if (b)
		cache_forget_space(e->cache, b->uid);
	return LAKE_OK;
}

static void step(buf *out, bool *first, const char *name, int64_t t0, bool ok, const char *error)
{
	buf_printf(out, "%s{\"step\":\"%s\",\"ok\":%s,\"ms\":%.1f", *first ? "" : ",", name, ok ? "true" : "false",
	           (double)(clock_mono_us() - t0) / 1000.0);
	if (error) {
		buf_puts(out, ",\"error\":");
		jw_cstring(out, error);
	}
	buf_putc(out, '}');
	*first = false;
}

int engine_bucket_test(struct engine *e, const char *name, bool *ok, buf *steps, char *msg, size_t msglen)
{
	if (strcmp(name, "default") != 0) {
		struct lake_bucket *row = malloc(sizeof(*row));
		int rc = row ? lake_bucket_get(e->lake, name, row, msg, msglen) : LAKE_ERROR;
		free(row);
		if (rc != LAKE_OK)
			return rc;
	}
	struct eng_bucket *b = eng_bucket_get(e, name, msg, msglen);
	if (!b)
		return LAKE_ERROR;
	char key[96], uid[UUID_STR_LEN + 1];
	uuid_v4(uid);
	snprintf(key, sizeof(key), "lakehouse-bucket-test/%s", uid);
	char body[1024];
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)('a' + (i * 7 + (size_t)uid[i % UUID_STR_LEN]) % 26);
	struct store *st = b->store;
	struct store_error serr = {0};
	bool first = true;
	*ok = false;
	int64_t t0 = clock_mono_us();
	if (st->ops->put(st, key, body, sizeof(body), &serr) != STORE_OK) {
		step(steps, &first, "write", t0, false, serr.message);
		return LAKE_OK;
	}
	step(steps, &first, "write", t0, true, NULL);
	t0 = clock_mono_us();
	buf got;
	buf_init(&got);
	int rc = st->ops->get_range(st, key, 0, UINT64_MAX, &got, &serr);
	bool same = rc == STORE_OK && got.len == sizeof(body) && !memcmp(got.data, body, sizeof(body));
	buf_free(&got);
	step(steps, &first, "read", t0, same, rc != STORE_OK ? serr.message : same ? NULL : "read back other bytes than written");
	t0 = clock_mono_us();
	struct store_object found[4];
	size_t n = 0;
	rc = st->ops->list(st, "lakehouse-bucket-test/", NULL, found, 4, &n, &serr);
	bool listed = false;
	for (size_t i = 0; rc == STORE_OK && i < n; i++)
		listed = listed || !strcmp(found[i].key, key);
	step(steps, &first, "list", t0, listed, rc != STORE_OK ? serr.message : listed ? NULL : "the written object is not listed");
	t0 = clock_mono_us();
	struct store_object o;
	int drc = st->ops->del(st, key, &serr);
	bool gone = drc == STORE_OK && st->ops->head(st, key, &o, &serr) == STORE_NOT_FOUND;
	step(steps, &first, "delete", t0, gone, drc != STORE_OK ? serr.message : gone ? NULL : "the object is still there");
	*ok = same && listed && gone;
	return LAKE_OK;
}

void engine_cache_stats(struct engine *e, struct cache_stats *out) { cache_get_stats(e->cache, out); }
