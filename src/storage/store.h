/* The object store interface: what the lake needs from a bucket (get a byte range or a whole
 * object, put, head, list by prefix with pagination, delete), as a small vtable with one driver per
 * file — `fs` for a folder (the built-in bucket), `s3` for S3-compatible stores. Keys are
 * relative, '/'-separated, and validated here, once, for every driver. */
#ifndef LAKEHOUSE_STORAGE_STORE_H
#define LAKEHOUSE_STORAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define STORE_KEY_MAX 1024

enum store_status { STORE_OK = 0, STORE_NOT_FOUND = 1, STORE_INVALID = 2, STORE_ERROR = 3 };

struct store_error {
	enum store_status status;
	char message[512];
};

struct store_object {
	char key[STORE_KEY_MAX + 1];
	uint64_t size;
	int64_t mtime_us;
};

struct store;

struct store_ops {
	const char *name;
	/* Appends bytes [offset, offset + len) of key to out; len UINT64_MAX reads to the end. */
	int (*get_range)(struct store *s, const char *key, uint64_t offset, uint64_t len, buf *out, struct store_error *err);
	/* Writes the whole object into fd from offset 0 (truncating what a failed attempt left) and
	 * fills *out; the length, and the checksum where the store keeps one, are verified. */
	int (*get_file)(struct store *s, const char *key, int fd, struct store_object *out, struct store_error *err);
	/* Stores data under key; readers see the old object or the whole new one, never a part. */
	int (*put)(struct store *s, const char *key, const void *data, size_t len, struct store_error *err);
	/* Stores a local file under key, the same way. */
	int (*put_file)(struct store *s, const char *key, const char *path, struct store_error *err);
	/* Like put_file, but the local file is consumed: on success it is gone (renamed into place
	 * when the bucket is a folder on the same file system). */
	int (*move_file)(struct store *s, const char *key, const char *path, struct store_error *err);
	int (*head)(struct store *s, const char *key, struct store_object *out, struct store_error *err);
	/* Keys starting with prefix, in byte order, after `after` (NULL: from the start), at most max;
	 * *n says how many were filled. A full page means more may follow. */
	int (*list)(struct store *s, const char *prefix, const char *after, struct store_object *out, size_t max, size_t *n,
	            struct store_error *err);
	/* Removes key; removing a missing key is not an error. */
	int (*del)(struct store *s, const char *key, struct store_error *err);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
};

/* The built-in bucket: objects are files under root (created when missing). */
struct store *store_fs_open(const char *root, struct store_error *err);

/* An S3-compatible bucket (AWS S3, Cloudflare R2, GCS interoperability, MinIO, …). */
struct store_s3_config {
	const char *name;     /* the bucket's name in this server, for error messages */
	const char *endpoint; /* scheme://host[:port][/path] */
	const char *bucket;
	const char *prefix; /* key prefix inside the bucket ("" for none); a '/' is added */
	const char *region;
	bool path_style; /* endpoint/bucket/key rather than bucket.endpoint/key */
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" when none */
	uint64_t multipart_threshold; /* objects from this size up are uploaded in parts */
	uint64_t part_size;
	int attempts;           /* tries per request, retries included */
	int connect_timeout_ms; /* per connection attempt */
	int stall_timeout_ms;   /* a transfer moving no byte for this long is dropped and retried */
	int backoff_base_ms;    /* first retry delay; doubles per retry (with jitter), at most 100× */
};
struct store *store_s3_open(const struct store_s3_config *cfg, struct store_error *err);
/* Requests sent and retried by every S3 bucket of this process (for /metrics). */
void store_s3_counters(uint64_t *requests, uint64_t *retries);

/* True for a key a driver may use: 1..STORE_KEY_MAX bytes, relative, no empty segment and none
 * starting with '.', no control characters or backslashes. */
bool store_key_valid(const char *key);
/* Fills err and returns its status. */
int store_fail(struct store_error *err, enum store_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
