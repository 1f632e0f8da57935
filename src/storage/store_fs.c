/* The fs driver: a bucket is a folder. A put writes a hidden temporary file beside the target,
 * syncs it, renames it over the target and syncs the folder, so a reader sees the old object or
 * the whole new one and an acknowledged put survives a crash. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/store.h"
#include "util/uuid.h"

struct store_fs {
	struct store base;
	char root[PATH_MAX];
};

static int path_of(struct store_fs *s, const char *key, char *out, size_t outlen, struct store_error *err)
{
	if (!store_key_valid(key))
		return store_fail(err, STORE_INVALID, "invalid object key");
	if ((size_t)snprintf(out, outlen, "%s/%s", s->root, key) >= outlen)
		return store_fail(err, STORE_INVALID, "object key too long for this file system");
	return STORE_OK;
}

static int mkdirs_for(char *path)
{
	char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	*slash = '\0';
	int rc = 0;
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		if (errno == ENOENT && mkdirs_for(path) == 0)
			rc = mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
		else
			rc = -1;
	}
	*slash = '/';
	return rc;
}

static int fs_get_range(struct store *base, const char *key, uint64_t offset, uint64_t len, buf *out,
                        struct store_error *err)
{
	struct store_fs *s = (struct store_fs *)base;
	char path[PATH_MAX];
	if (path_of(s, key, path, sizeof(path), err))
		return err->status;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? store_fail(err, STORE_NOT_FOUND, "object %s not found", key)
		                       : store_fail(err, STORE_ERROR, "cannot read %s: %s", key, strerror(errno));
	struct stat st;
	int rc = STORE_OK;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = store_fail(err, STORE_NOT_FOUND, "object %s not found", key);
		goto done;
	}
	uint64_t size = (uint64_t)st.st_size;
	uint64_t end = offset > size ? size : (len > size - offset ? size : offset + len);
	uint64_t want = end > offset ? end - offset : 0;
	if (!buf_reserve(out, want)) {
		rc = store_fail(err, STORE_ERROR, "out of memory reading %s", key);
		goto done;
	}
	while (want > 0) {
		ssize_t n = pread(fd, out->data + out->len, want, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = store_fail(err, STORE_ERROR, "cannot read %s: %s", key, n < 0 ? strerror(errno) : "short read");
			goto done;
		}
		out->len += (size_t)n;
		offset += (uint64_t)n;
		want -= (uint64_t)n;
	}
done:
	close(fd);
	return rc;
}

static int fs_get_file(struct store *base, const char *key, int fd, struct store_object *out, struct store_error *err)
{
	struct store_fs *s = (struct store_fs *)base;
	char path[PATH_MAX];
	if (path_of(s, key, path, sizeof(path), err))
		return err->status;
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno == ENOENT ? store_fail(err, STORE_NOT_FOUND, "object %s not found", key)
		                       : store_fail(err, STORE_ERROR, "cannot read %s: %s", key, strerror(errno));
	struct stat st;
	int rc = STORE_OK;
	if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = store_fail(err, STORE_NOT_FOUND, "object %s not found", key);
		goto done;
	}
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
		rc = store_fail(err, STORE_ERROR, "cannot write a copy of %s: %s", key, strerror(errno));
		goto done;
	}
	char chunk[1 << 16];
	uint64_t copied = 0;
	for (;;) {
		ssize_t n = read(in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = store_fail(err, STORE_ERROR, "cannot read %s: %s", key, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, chunk + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = store_fail(err, STORE_ERROR, "cannot write a copy of %s: %s", key, strerror(errno));
				goto done;
			}
			off += w;
		}
		copied += (uint64_t)n;
	}
	if (copied != (uint64_t)st.st_size) {
		rc = store_fail(err, STORE_ERROR, "%s changed while it was read", key);
		goto done;
	}
	snprintf(out->key, sizeof(out->key), "%s", key);
	out->size = copied;
	out->mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
done:
	close(in);
	return rc;
}

static int sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes through a temporary file: `fill` writes the content to fd. */
static int put_with(struct store_fs *s, const char *key, int (*fill)(int fd, const void *arg), const void *arg,
                    struct store_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 64];
	if (path_of(s, key, path, sizeof(path), err))
		return err->status;
	if (mkdirs_for(path) != 0)
		return store_fail(err, STORE_ERROR, "cannot create the folder for %s: %s", key, strerror(errno));
	char id[UUID_STR_LEN + 1];
	uuid_v4(id);
	const char *slash = strrchr(path, '/');
	snprintf(tmp, sizeof(tmp), "%.*s/.tmp-%s", (int)(slash - path), path, id);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return store_fail(err, STORE_ERROR, "cannot write %s: %s", key, strerror(errno));
	if (fill(fd, arg) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return store_fail(err, STORE_ERROR, "cannot write %s: %s", key, strerror(e));
	}
	close(fd);
	if (rename(tmp, path) != 0 || sync_dir_of(path) != 0) {
		int e = errno;
		unlink(tmp);
		return store_fail(err, STORE_ERROR, "cannot write %s: %s", key, strerror(e));
	}
	return STORE_OK;
}

struct bytes {
	const void *data;
	size_t len;
};

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fill_bytes(int fd, const void *arg)
{
	const struct bytes *b = arg;
	return write_all(fd, b->data, b->len);
}

static int fill_file(int fd, const void *arg)
{
	int in = open(arg, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	char chunk[1 << 16];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(fd, chunk, (size_t)n) != 0) {
			rc = -1;
			break;
		}
	}
	close(in);
	return rc;
}

static int fs_put(struct store *base, const char *key, const void *data, size_t len, struct store_error *err)
{
	struct bytes b = {data, len};
	return put_with((struct store_fs *)base, key, fill_bytes, &b, err);
}

static int fs_put_file(struct store *base, const char *key, const char *path, struct store_error *err)
{
	return put_with((struct store_fs *)base, key, fill_file, path, err);
}

static int fs_move_file(struct store *base, const char *key, const char *path, struct store_error *err)
{
	struct store_fs *s = (struct store_fs *)base;
	char dest[PATH_MAX];
	if (path_of(s, key, dest, sizeof(dest), err))
		return err->status;
	if (mkdirs_for(dest) != 0)
		return store_fail(err, STORE_ERROR, "cannot create the folder for %s: %s", key, strerror(errno));
	/* The file's content reaches the disk before its name appears in the bucket. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return store_fail(err, STORE_ERROR, "cannot read %s: %s", path, strerror(errno));
	int synced = fsync(fd);
	close(fd);
	if (synced != 0)
		return store_fail(err, STORE_ERROR, "cannot write %s: %s", key, strerror(errno));
	if (rename(path, dest) == 0)
		return sync_dir_of(dest) == 0 ? STORE_OK
		                              : store_fail(err, STORE_ERROR, "cannot write %s: %s", key, strerror(errno));
	if (errno != EXDEV)
		return store_fail(err, STORE_ERROR, "cannot write %s: %s", key, strerror(errno));
	int rc = put_with(s, key, fill_file, path, err);
	if (rc == STORE_OK)
		unlink(path);
	return rc;
}

static int fs_head(struct store *base, const char *key, struct store_object *out, struct store_error *err)
{
	struct store_fs *s = (struct store_fs *)base;
	char path[PATH_MAX];
	if (path_of(s, key, path, sizeof(path), err))
		return err->status;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return store_fail(err, STORE_NOT_FOUND, "object %s not found", key);
	snprintf(out->key, sizeof(out->key), "%s", key);
	out->size = (uint64_t)st.st_size;
	out->mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
	return STORE_OK;
}

/* Listing walks the tree below the prefix's folder, keeping the `max` smallest keys after `after`
 * that start with prefix, so a page costs one walk and bounded memory. */
struct lister {
	const char *prefix;
	const char *after;
	struct store_object *out;
	size_t max, n;
};

static void consider(struct lister *l, const char *key, const struct stat *st)
{
	if (strncmp(key, l->prefix, strlen(l->prefix)) != 0 || (l->after && strcmp(key, l->after) <= 0))
		return;
	size_t pos = l->n;
	while (pos > 0 && strcmp(l->out[pos - 1].key, key) > 0)
		pos--;
	if (pos >= l->max)
		return;
	size_t last = l->n < l->max ? l->n : l->max - 1;
	memmove(&l->out[pos + 1], &l->out[pos], (last - pos) * sizeof(l->out[0]));
	snprintf(l->out[pos].key, sizeof(l->out[pos].key), "%s", key);
	l->out[pos].size = (uint64_t)st->st_size;
	l->out[pos].mtime_us = (int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000;
	if (l->n < l->max)
		l->n++;
}

static int walk(struct lister *l, const char *root, char *rel, size_t rel_len, int depth)
{
	char dirpath[PATH_MAX];
	snprintf(dirpath, sizeof(dirpath), "%s%s%s", root, rel_len ? "/" : "", rel);
	DIR *d = opendir(dirpath);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t nl = strlen(e->d_name);
		if (rel_len + nl + 2 > STORE_KEY_MAX)
			continue;
		size_t k = rel_len;
		if (k)
			rel[k++] = '/';
		memcpy(rel + k, e->d_name, nl + 1);
		char full[PATH_MAX];
		struct stat st;
		snprintf(full, sizeof(full), "%s/%s", root, rel);
		if (stat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < 64) {
				/* descend only where keys can still match the prefix */
				size_t pl = strlen(l->prefix), cl = k + nl;
				if (strncmp(rel, l->prefix, cl < pl ? cl : pl) == 0)
					rc = walk(l, root, rel, k + nl, depth + 1);
			} else if (S_ISREG(st.st_mode)) {
				consider(l, rel, &st);
			}
		}
		rel[rel_len] = '\0';
	}
	closedir(d);
	return rc;
}

static int fs_list(struct store *base, const char *prefix, const char *after, struct store_object *out, size_t max,
                   size_t *n, struct store_error *err)
{
	struct store_fs *s = (struct store_fs *)base;
	*n = 0;
	if (strlen(prefix) > STORE_KEY_MAX)
		return store_fail(err, STORE_INVALID, "prefix too long");
	if (max == 0)
		return STORE_OK;
	struct lister l = {prefix, after, out, max, 0};
	char rel[STORE_KEY_MAX + 2] = "";
	if (walk(&l, s->root, rel, 0, 0) != 0)
		return store_fail(err, STORE_ERROR, "cannot list %s: %s", prefix, strerror(errno));
	*n = l.n;
	return STORE_OK;
}

static int fs_del(struct store *base, const char *key, struct store_error *err)
{
	struct store_fs *s = (struct store_fs *)base;
	char path[PATH_MAX];
	if (path_of(s, key, path, sizeof(path), err))
		return err->status;
	if (unlink(path) != 0 && errno != ENOENT)
		return store_fail(err, STORE_ERROR, "cannot delete %s: %s", key, strerror(errno));
	return STORE_OK;
}

static void fs_close(struct store *base) { free(base); }

static const struct store_ops fs_ops = {"fs", fs_get_range, fs_get_file, fs_put, fs_put_file, fs_move_file, fs_head, fs_list, fs_del, fs_close};

struct store *store_fs_open(const char *root, struct store_error *err)
{
	if (mkdir(root, 0700) != 0 && errno != EEXIST) {
		store_fail(err, STORE_ERROR, "cannot create bucket folder %s: %s", root, strerror(errno));
		return NULL;
	}
	struct store_fs *s = calloc(1, sizeof(*s));
	if (!s) {
		store_fail(err, STORE_ERROR, "out of memory");
		return NULL;
	}
	if (!realpath(root, s->root)) {
		store_fail(err, STORE_ERROR, "bucket folder %s: %s", root, strerror(errno));
		free(s);
		return NULL;
	}
	s->base.ops = &fs_ops;
	return &s->base;
}
