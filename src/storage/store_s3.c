/* The s3 driver: S3's REST API over libcurl, signed with SigV4 (storage/s3_sign.c). Easy handles
 * are pooled so connections stay open between requests. Every request is retried with
 * exponential backoff and jitter on throttling, 5xx answers, dropped or stalled connections and
 * corrupt transfers; uploads carry Content-MD5 and their answers' ETags are checked, downloads are
 * checked against their Content-Length and the checksum recorded at upload. Large objects go up in
 * parts, and a failed multipart upload is aborted so no part lingers. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "storage/s3_sign.h"
#include "storage/s3_xml.h"
#include "storage/store.h"
#include "util/base64.h"

#define POOL_MAX 32
#define ERROR_BODY_MAX 16384
#define MAX_PARTS 10000

/* The object's MD5 and CRC-32, recorded at upload: multipart ETags are not an MD5, and the ETags
 * of objects encrypted with KMS keys are not either. Downloads check the CRC-32, which costs a
 * fraction of an MD5 per byte; the MD5 is what S3 itself checks on upload (Content-MD5). */
#define MD5_META_HEADER "x-amz-meta-lakehouse-md5"
#define CRC_META_HEADER "x-amz-meta-lakehouse-crc32"

static atomic_uint_fast64_t total_requests, total_retries;

void store_s3_counters(uint64_t *requests, uint64_t *retries)
{
	*requests = atomic_load(&total_requests);
	*retries = atomic_load(&total_retries);
}

struct store_s3 {
	struct store base;
	char name[128];
	char scheme[8];
	char host[512];     /* Host header: [bucket.]host[:port] */
	char base_path[1024]; /* encoded path before the key: [/basepath][/bucket]/ */
	char prefix[1024];  /* key prefix in the bucket, "" or ending in '/' */
	char region[64];
	char access_key_id[256];
	char secret_access_key[256];
	char session_token[4096];
	uint64_t multipart_threshold, part_size;
	int attempts, connect_timeout_ms, stall_timeout_ms, backoff_base_ms;
	pthread_mutex_t pool_mu;
	CURL *pool[POOL_MAX];
	int npool;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

/* One request: what to send, where the answer goes, what came back. */
struct s3_req {
	const char *method;
	const char *key; /* object key under the prefix; NULL for the bucket itself */
	const struct s3_query_param *query;
	size_t nquery;
	const struct s3_header *headers; /* signed and sent */
	size_t nheaders;
	const char *body; /* from memory … */
	size_t body_len;
	int body_fd; /* … or bytes [body_off, body_off + body_len) of this file when >= 0 */
	uint64_t body_off;
	buf *out;   /* the answer's body, when wanted in memory */
	int out_fd; /* or written to this file from offset 0, when >= 0 */
	/* filled */
	long status;
	char etag[128];
	char meta_md5[40];
	char meta_crc[16];
	bool kms;
	uint64_t content_length;
	bool has_length;
	char last_modified[64];
	uint64_t received;
	EVP_MD_CTX *md5; /* over a download into out_fd, when it has no CRC-32 to check */
	bool check;      /* verify a download into out_fd */
	uLong crc;
	buf errbody;
	/* transfer state */
	uint64_t sent;
	bool write_failed;
};

static CURL *take_handle(struct store_s3 *s)
{
	CURL *h = NULL;
	pthread_mutex_lock(&s->pool_mu);
	if (s->npool > 0)
		h = s->pool[--s->npool];
	pthread_mutex_unlock(&s->pool_mu);
	return h ? h : curl_easy_init();
}

static void give_handle(struct store_s3 *s, CURL *h)
{
	pthread_mutex_lock(&s->pool_mu);
	if (s->npool < POOL_MAX) {
		s->pool[s->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&s->pool_mu);
	if (h)
		curl_easy_cleanup(h);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct s3_req *r = arg;
	size_t len = size * n;
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	size_t nl = (size_t)(colon - p);
	const char *v = colon + 1;
	const char *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	int vl = (int)(end - v);
#define IS(name) (nl == sizeof(name) - 1 && !strncasecmp(p, name, nl))
	if (IS("etag")) {
		/* without the quotes */
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v++;
			vl -= 2;
		}
		snprintf(r->etag, sizeof(r->etag), "%.*s", vl, v);
	} else if (IS(MD5_META_HEADER)) {
		snprintf(r->meta_md5, sizeof(r->meta_md5), "%.*s", vl, v);
	} else if (IS(CRC_META_HEADER)) {
		snprintf(r->meta_crc, sizeof(r->meta_crc), "%.*s", vl, v);
	} else if (IS("x-amz-server-side-encryption")) {
		r->kms = vl >= 7 && !strncmp(v, "aws:kms", 7);
	} else if (IS("content-length")) {
		char tmp[32];
		snprintf(tmp, sizeof(tmp), "%.*s", vl, v);
		char *e;
		unsigned long long cl = strtoull(tmp, &e, 10);
		if (e != tmp && !*e) {
			r->content_length = cl;
			r->has_length = true;
		}
	} else if (IS("last-modified")) {
		snprintf(r->last_modified, sizeof(r->last_modified), "%.*s", vl, v);
	}
#undef IS
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct s3_req *r = arg;
	size_t len = size * n;
	if (r->status == 0)
		return len; /* an interim 100 Continue */
	if (r->status >= 300) {
		if (r->errbody.len < ERROR_BODY_MAX)
			buf_append(&r->errbody, p, len < ERROR_BODY_MAX - r->errbody.len ? len : ERROR_BODY_MAX - r->errbody.len);
		return len;
	}
	r->received += len;
	if (r->out_fd >= 0) {
		if (r->check) {
			/* the headers are all in before the first byte of the body */
			if (r->meta_crc[0])
				r->crc = crc32_z(r->crc, (const Bytef *)p, len);
			else if (r->md5)
				EVP_DigestUpdate(r->md5, p, len);
		}
		for (size_t off = 0; off < len;) {
			ssize_t w = write(r->out_fd, p + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				r->write_failed = true;
				return 0;
			}
			off += (size_t)w;
		}
	} else if (r->out) {
		buf_append(r->out, p, len);
		if (buf_failed(r->out)) {
			r->write_failed = true;
			return 0;
		}
	}
	return len;
}

/* The status line arrives first; the body callback needs it to tell an error body apart. */
static size_t on_header_status(char *p, size_t size, size_t n, void *arg)
{
	struct s3_req *r = arg;
	size_t len = size * n;
	if (len > 9 && !strncmp(p, "HTTP/", 5)) {
		const char *sp = memchr(p, ' ', len);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		if (r->status == 100)
			r->status = 0;
		return len;
	}
	return on_header(p, size, n, arg);
}

static size_t on_read(char *dst, size_t size, size_t n, void *arg)
{
	struct s3_req *r = arg;
	size_t want = size * n;
	uint64_t left = r->body_len - r->sent;
	if (want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	if (r->body_fd >= 0) {
		ssize_t got;
		do
			got = pread(r->body_fd, dst, want, (off_t)(r->body_off + r->sent));
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			return CURL_READFUNC_ABORT;
		want = (size_t)got;
	} else {
		memcpy(dst, r->body + r->sent, want);
	}
	r->sent += want;
	return want;
}

static bool retryable_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static bool retryable_status(long status, const buf *errbody)
{
	if (status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504)
		return true;
	char code[64];
	return status == 400 && errbody->len &&
	       s3_xml_text(errbody->data, errbody->len, "Code", code, sizeof(code)) && !strcmp(code, "RequestTimeout");
}

static void sleep_backoff(const struct store_s3 *s, int attempt)
{
	/* equal jitter: half the doubled delay, plus a random part of the other half */
	long long cap = (long long)s->backoff_base_ms * 100;
	long long d = (long long)s->backoff_base_ms << (attempt < 20 ? attempt : 20);
	if (d > cap)
		d = cap;
	unsigned int rnd = 0;
	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = (unsigned int)time(NULL);
	long long ms = d / 2 + (d > 1 ? (long long)(rnd % (unsigned long long)(d / 2 + 1)) : 0);
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static void describe_failure(const struct store_s3 *s, const struct s3_req *r, CURLcode cc, const char *curl_msg,
                             struct store_error *err, const char *what)
{
	const char *key = r->key ? r->key : "";
	if (cc != CURLE_OK) {
		store_fail(err, STORE_ERROR, "bucket '%s': %s %s%s: %s", s->name, r->method, s->prefix, key,
		           curl_msg && *curl_msg ? curl_msg : curl_easy_strerror(cc));
		return;
	}
	if (what) {
		store_fail(err, STORE_ERROR, "bucket '%s': %s %s%s: %s", s->name, r->method, s->prefix, key, what);
		return;
	}
	char code[128] = "", msg[256] = "";
	if (r->errbody.len) {
		s3_xml_text(r->errbody.data, r->errbody.len, "Code", code, sizeof(code));
		s3_xml_text(r->errbody.data, r->errbody.len, "Message", msg, sizeof(msg));
	}
	enum store_status st = r->status == 404 ? STORE_NOT_FOUND : STORE_ERROR;
	store_fail(err, st, "bucket '%s': %s %s%s: HTTP %ld%s%s%s%s", s->name, r->method, s->prefix, key, r->status,
	           code[0] ? " " : "", code, msg[0] ? ": " : "", msg);
}

/* Checks a finished download: its length against Content-Length, its MD5 against the one
 * recorded at upload (or a plain ETag). NULL when it is whole. */
static const char *download_damage(struct s3_req *r)
{
	if (r->has_length && r->received != r->content_length)
		return "the download ended short of its Content-Length";
	if (!r->check)
		return NULL;
	if (r->meta_crc[0]) {
		char got[16];
		snprintf(got, sizeof(got), "%08lx", (unsigned long)r->crc);
		return strcasecmp(got, r->meta_crc) ? "the downloaded bytes do not match the object's checksum" : NULL;
	}
	if (!r->md5)
		return NULL;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_DigestFinal_ex(r->md5, d, &n);
	EVP_DigestInit_ex(r->md5, EVP_md5(), NULL);
	char hex[33];
	for (unsigned int i = 0; i < n && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	const char *want = r->meta_md5[0] ? r->meta_md5 : NULL;
	bool plain_etag = strlen(r->etag) == 32 && !strchr(r->etag, '-') && !r->kms;
	if (!want && plain_etag)
		want = r->etag;
	if (want && strcasecmp(want, hex) != 0)
		return "the downloaded bytes do not match the object's checksum";
	return NULL;
}

static int perform(struct store_s3 *s, struct s3_req *r, struct store_error *err)
{
	pthread_once(&curl_once, curl_init_once);
	buf path, query, url;
	buf_init(&path);
	buf_init(&query);
	buf_init(&url);
	buf_puts(&path, s->base_path);
	if (r->key) {
		char full[STORE_KEY_MAX + 1100];
		snprintf(full, sizeof(full), "%s%s", s->prefix, r->key);
		s3_uri_encode(&path, full, true);
	}
	buf_putc(&path, '\0');
	s3_query_string(&query, r->query, r->nquery);
	buf_putc(&query, '\0');
	buf_printf(&url, "%s://%s%s%s%s", s->scheme, s->host, path.data ? path.data : "", r->nquery ? "?" : "",
	           query.data ? query.data : "");
	buf_putc(&url, '\0');
	int rc = STORE_ERROR;
	CURL *h = NULL;
	if (buf_failed(&path) || buf_failed(&query) || buf_failed(&url)) {
		store_fail(err, STORE_ERROR, "out of memory");
		goto done;
	}
	if (!(h = take_handle(s))) {
		store_fail(err, STORE_ERROR, "cannot start an HTTP request");
		goto done;
	}
	buf_init(&r->errbody);
	bool has_body = r->body || r->body_fd >= 0;
	for (int attempt = 0;; attempt++) {
		atomic_fetch_add(&total_requests, 1);
		r->status = 0;
		r->etag[0] = r->meta_md5[0] = r->last_modified[0] = '\0';
		r->kms = r->has_length = r->write_failed = false;
		r->received = r->sent = 0;
		r->crc = crc32_z(0L, Z_NULL, 0);
		r->meta_crc[0] = '\0';
		if (r->md5)
			EVP_DigestInit_ex(r->md5, EVP_md5(), NULL);
		buf_reset(&r->errbody);
		if (r->out)
			buf_reset(r->out);
		if (r->out_fd >= 0 && (ftruncate(r->out_fd, 0) != 0 || lseek(r->out_fd, 0, SEEK_SET) != 0)) {
			store_fail(err, STORE_ERROR, "cannot write a download of %s: %s", r->key ? r->key : "", strerror(errno));
			break;
		}
		char date[17];
		s3_amz_date((long long)time(NULL), date);
		char auth[1024];
		struct s3_sign_input in = {
			.method = r->method, .host = s->host, .path = path.data, .query = query.data,
			.headers = r->headers, .nheaders = r->nheaders, .payload_hash = has_body ? S3_UNSIGNED_PAYLOAD : S3_EMPTY_SHA256,
			.amz_date = date, .region = s->region, .service = "s3", .access_key_id = s->access_key_id,
			.secret_access_key = s->secret_access_key, .session_token = s->session_token,
		};
		if (s3_sign(&in, auth, sizeof(auth)) != 0) {
			store_fail(err, STORE_ERROR, "bucket '%s': cannot sign the request", s->name);
			break;
		}
		struct curl_slist *hl = NULL;
		char line[4200];
		snprintf(line, sizeof(line), "Host: %s", s->host);
		hl = curl_slist_append(hl, line);
		snprintf(line, sizeof(line), "Authorization: %s", auth);
		hl = curl_slist_append(hl, line);
		snprintf(line, sizeof(line), "x-amz-date: %s", date);
		hl = curl_slist_append(hl, line);
		snprintf(line, sizeof(line), "x-amz-content-sha256: %s", in.payload_hash);
		hl = curl_slist_append(hl, line);
		if (s->session_token[0]) {
			snprintf(line, sizeof(line), "x-amz-security-token: %s", s->session_token);
			hl = curl_slist_append(hl, line);
		}
		for (size_t i = 0; i < r->nheaders; i++) {
			snprintf(line, sizeof(line), "%s: %s", r->headers[i].name, r->headers[i].value);
			hl = curl_slist_append(hl, line);
		}
		hl = curl_slist_append(hl, "Expect:");
		if (has_body)
			hl = curl_slist_append(hl, "Content-Type: application/octet-stream");

		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url.data);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header_status);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)s->connect_timeout_ms);
		/* a stall: under one byte a second for the whole stall timeout */
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)((s->stall_timeout_ms + 999) / 1000));
		curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
		char errbuf[CURL_ERROR_SIZE] = "";
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
		if (!strcmp(r->method, "HEAD")) {
			curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		} else if (!strcmp(r->method, "PUT")) {
			curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h, CURLOPT_READDATA, r);
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_len);
		} else if (!strcmp(r->method, "POST")) {
			curl_easy_setopt(h, CURLOPT_POST, 1L);
			curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h, CURLOPT_READDATA, r);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		} else if (strcmp(r->method, "GET") != 0) {
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
		}
		CURLcode cc = curl_easy_perform(h);
		curl_slist_free_all(hl);
		long code = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code)
			r->status = code;
		if (cc == CURLE_WRITE_ERROR && r->write_failed) {
			store_fail(err, STORE_ERROR, "cannot keep the answer to %s %s: %s", r->method, r->key ? r->key : "",
			           r->out_fd >= 0 ? strerror(errno) : "out of memory");
			break;
		}
		const char *damage = NULL;
		if (cc == CURLE_OK && r->status >= 200 && r->status < 300 && strcmp(r->method, "HEAD") != 0 &&
		    (r->out_fd >= 0 || r->out))
			damage = download_damage(r);
		bool again = cc != CURLE_OK ? retryable_curl(cc)
		             : r->status >= 300 ? retryable_status(r->status, &r->errbody)
		                                : damage != NULL;
		if (cc == CURLE_OK && r->status >= 200 && r->status < 300 && !damage) {
			rc = STORE_OK;
			break;
		}
		if (!again || attempt + 1 >= s->attempts) {
			describe_failure(s, r, cc, errbuf, err, damage);
			if (again)
				snprintf(err->message + strlen(err->message), sizeof(err->message) - strlen(err->message),
				         " (after %d attempts)", attempt + 1);
			rc = err->status;
			break;
		}
		atomic_fetch_add(&total_retries, 1);
		sleep_backoff(s, attempt);
	}
	/* a handle whose transfer failed may hold a broken connection: do not pool it */
	if (rc == STORE_OK || rc == STORE_NOT_FOUND)
		give_handle(s, h);
	else
		curl_easy_cleanup(h);
done:
	buf_free(&r->errbody);
	buf_free(&path);
	buf_free(&query);
	buf_free(&url);
	return rc;
}

static void req_init(struct s3_req *r, const char *method, const char *key)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->key = key;
	r->body_fd = -1;
	r->out_fd = -1;
}

static int check_key(const char *key, struct store_error *err)
{
	return store_key_valid(key) ? STORE_OK : store_fail(err, STORE_INVALID, "invalid object key");
}

static int s3_get_range(struct store *base, const char *key, uint64_t offset, uint64_t len, buf *out,
                        struct store_error *err)
{
	struct store_s3 *s = (struct store_s3 *)base;
	if (check_key(key, err))
		return err->status;
	if (len == 0)
		return STORE_OK;
	char range[80];
	if (len == UINT64_MAX || offset + len < offset)
		snprintf(range, sizeof(range), "bytes=%llu-", (unsigned long long)offset);
	else
		snprintf(range, sizeof(range), "bytes=%llu-%llu", (unsigned long long)offset,
		         (unsigned long long)(offset + len - 1));
	struct s3_header hdr = {"range", range};
	struct s3_req r;
	req_init(&r, "GET", key);
	r.headers = &hdr;
	r.nheaders = 1;
	buf got;
	buf_init(&got);
	r.out = &got;
	int rc = perform(s, &r, err);
	if (rc == STORE_ERROR && r.status == 416) /* a range past the end reads nothing, as a file does */
		rc = STORE_OK;
	else if (rc == STORE_OK)
		buf_append(out, got.data, got.len);
	buf_free(&got);
	if (rc == STORE_OK && buf_failed(out))
		rc = store_fail(err, STORE_ERROR, "out of memory reading %s", key);
	return rc;
}

static int s3_get_file(struct store *base, const char *key, int fd, struct store_object *out, struct store_error *err)
{
	struct store_s3 *s = (struct store_s3 *)base;
	if (check_key(key, err))
		return err->status;
	struct s3_req r;
	req_init(&r, "GET", key);
	r.out_fd = fd;
	r.check = true;
	r.md5 = EVP_MD_CTX_new();
	if (!r.md5 || EVP_DigestInit_ex(r.md5, EVP_md5(), NULL) != 1) {
		EVP_MD_CTX_free(r.md5);
		return store_fail(err, STORE_ERROR, "out of memory");
	}
	int rc = perform(s, &r, err);
	EVP_MD_CTX_free(r.md5);
	if (rc == STORE_OK) {
		snprintf(out->key, sizeof(out->key), "%s", key);
		out->size = r.received;
		out->mtime_us = -1;
	}
	return rc;
}

/* MD5 (raw and in hex) and CRC-32 of a memory region or of part of a file. */
static int md5_of(const char *data, int fd, uint64_t off, uint64_t len, unsigned char raw[16], char hex[33],
                  uLong *crc)
{
	*crc = crc32_z(0L, Z_NULL, 0);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex(c, EVP_md5(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return -1;
	}
	int rc = 0;
	if (data) {
		EVP_DigestUpdate(c, data, len);
		*crc = crc32_z(*crc, (const Bytef *)data, len);
	} else {
		char chunk[1 << 16];
		while (len > 0) {
			ssize_t n = pread(fd, chunk, len < sizeof(chunk) ? (size_t)len : sizeof(chunk), (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				rc = -1;
				break;
			}
			EVP_DigestUpdate(c, chunk, (size_t)n);
			*crc = crc32_z(*crc, (const Bytef *)chunk, (size_t)n);
			off += (uint64_t)n;
			len -= (uint64_t)n;
		}
	}
	unsigned int n = 0;
	EVP_DigestFinal_ex(c, raw, &n);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return rc;
}

/* One PUT of a whole object (or, with upload_id, of one part), with Content-MD5; the ETag that
 * comes back must be the same MD5. */
static int put_one(struct store_s3 *s, const char *key, const char *data, int fd, uint64_t off, uint64_t len,
                   const char *upload_id, int part, char *etag_out, size_t etag_len, struct store_error *err)
{
	unsigned char raw[16];
	char hex[33], crc[16];
	uLong c32;
	if (md5_of(data, fd, off, len, raw, hex, &c32) != 0)
		return store_fail(err, STORE_ERROR, "cannot read the data for %s: %s", key, strerror(errno));
	snprintf(crc, sizeof(crc), "%08lx", (unsigned long)c32);
	char *b64 = base64_encode(raw, 16);
	if (!b64)
		return store_fail(err, STORE_ERROR, "out of memory");
	struct s3_header hdrs[3] = {{"content-md5", b64}, {MD5_META_HEADER, hex}, {CRC_META_HEADER, crc}};
	char partno[16];
	snprintf(partno, sizeof(partno), "%d", part);
	struct s3_query_param q[2] = {{"partNumber", partno}, {"uploadId", upload_id}};
	struct s3_req r;
	req_init(&r, "PUT", key);
	r.headers = hdrs;
	r.nheaders = upload_id ? 1 : 3; /* parts carry no metadata; the upload does */
	r.query = upload_id ? q : NULL;
	r.nquery = upload_id ? 2 : 0;
	r.body = data;
	r.body_fd = data ? -1 : fd;
	r.body_off = off;
	r.body_len = len;
	if (!data && len == 0)
		r.body = "";
	int rc = perform(s, &r, err);
	free(b64);
	if (rc != STORE_OK)
		return rc;
	if (r.etag[0] && !r.kms && strcasecmp(r.etag, hex) != 0)
		return store_fail(err, STORE_ERROR, "bucket '%s': PUT %s%s: the stored object's ETag %s is not the MD5 %s of the sent bytes",
		                  s->name, s->prefix, key, r.etag, hex);
	if (etag_out)
		snprintf(etag_out, etag_len, "%s", r.etag[0] ? r.etag : hex);
	return STORE_OK;
}

static int s3_put(struct store *base, const char *key, const void *data, size_t len, struct store_error *err)
{
	struct store_s3 *s = (struct store_s3 *)base;
	if (check_key(key, err))
		return err->status;
	return put_one(s, key, data ? data : "", -1, 0, len, NULL, 0, NULL, 0, err);
}

static void abort_upload(struct store_s3 *s, const char *key, const char *upload_id)
{
	struct s3_query_param q = {"uploadId", upload_id};
	struct s3_req r;
	req_init(&r, "DELETE", key);
	r.query = &q;
	r.nquery = 1;
	struct store_error ignored;
	perform(s, &r, &ignored);
}

static int multipart_upload(struct store_s3 *s, const char *key, int fd, uint64_t size, struct store_error *err)
{
	uint64_t part_size = s->part_size;
	while ((size + part_size - 1) / part_size > MAX_PARTS)
		part_size *= 2;
	int nparts = (int)((size + part_size - 1) / part_size);
	unsigned char raw[16];
	char whole[33], crc[16];
	uLong c32;
	if (md5_of(NULL, fd, 0, size, raw, whole, &c32) != 0)
		return store_fail(err, STORE_ERROR, "cannot read the data for %s: %s", key, strerror(errno));
	snprintf(crc, sizeof(crc), "%08lx", (unsigned long)c32);

	struct s3_header meta[2] = {{MD5_META_HEADER, whole}, {CRC_META_HEADER, crc}};
	struct s3_query_param uploads = {"uploads", ""};
	struct s3_req r;
	req_init(&r, "POST", key);
	r.query = &uploads;
	r.nquery = 1;
	r.headers = meta;
	r.nheaders = 2;
	r.body = "";
	buf answer;
	buf_init(&answer);
	r.out = &answer;
	int rc = perform(s, &r, err);
	char upload_id[1024];
	if (rc == STORE_OK && !s3_xml_text(answer.data ? answer.data : "", answer.len, "UploadId", upload_id, sizeof(upload_id)))
		rc = store_fail(err, STORE_ERROR, "bucket '%s': POST %s%s?uploads: no UploadId in the answer", s->name,
		                s->prefix, key);
	buf_free(&answer);
	if (rc != STORE_OK)
		return rc;

	buf done;
	buf_init(&done);
	buf_puts(&done, "<CompleteMultipartUpload>");
	for (int i = 0; i < nparts && rc == STORE_OK; i++) {
		uint64_t off = (uint64_t)i * part_size;
		uint64_t len = size - off < part_size ? size - off : part_size;
		char etag[128];
		rc = put_one(s, key, NULL, fd, off, len, upload_id, i + 1, etag, sizeof(etag), err);
		if (rc == STORE_OK)
			buf_printf(&done, "<Part><PartNumber>%d</PartNumber><ETag>\"%s\"</ETag></Part>", i + 1, etag);
	}
	buf_puts(&done, "</CompleteMultipartUpload>");
	if (rc == STORE_OK && buf_failed(&done))
		rc = store_fail(err, STORE_ERROR, "out of memory");
	if (rc == STORE_OK) {
		struct s3_query_param q = {"uploadId", upload_id};
		req_init(&r, "POST", key);
		r.query = &q;
		r.nquery = 1;
		r.body = done.data;
		r.body_len = done.len;
		buf_init(&answer);
		r.out = &answer;
		rc = perform(s, &r, err);
		/* S3 may answer 200 with an error document when completion fails late */
		char code[128];
		if (rc == STORE_OK && answer.len && s3_xml_text(answer.data, answer.len, "Code", code, sizeof(code)) &&
		    !strstr(answer.data, "CompleteMultipartUploadResult"))
			rc = store_fail(err, STORE_ERROR, "bucket '%s': completing the upload of %s%s failed: %s", s->name,
			                s->prefix, key, code);
		buf_free(&answer);
	}
	buf_free(&done);
	if (rc != STORE_OK)
		abort_upload(s, key, upload_id);
	return rc;
}

static int s3_put_file(struct store *base, const char *key, const char *path, struct store_error *err)
{
	struct store_s3 *s = (struct store_s3 *)base;
	if (check_key(key, err))
		return err->status;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return store_fail(err, STORE_ERROR, "cannot read %s: %s", path, strerror(errno));
	struct stat st;
	int rc;
	if (fstat(fd, &st) != 0)
		rc = store_fail(err, STORE_ERROR, "cannot read %s: %s", path, strerror(errno));
	else if ((uint64_t)st.st_size >= s->multipart_threshold)
		rc = multipart_upload(s, key, fd, (uint64_t)st.st_size, err);
	else
		rc = put_one(s, key, NULL, fd, 0, (uint64_t)st.st_size, NULL, 0, NULL, 0, err);
	close(fd);
	return rc;
}

static int s3_move_file(struct store *base, const char *key, const char *path, struct store_error *err)
{
	int rc = s3_put_file(base, key, path, err);
	if (rc == STORE_OK)
		unlink(path);
	return rc;
}

static int s3_head(struct store *base, const char *key, struct store_object *out, struct store_error *err)
{
	struct store_s3 *s = (struct store_s3 *)base;
	if (check_key(key, err))
		return err->status;
	struct s3_req r;
	req_init(&r, "HEAD", key);
	int rc = perform(s, &r, err);
	if (rc != STORE_OK)
		return rc;
	snprintf(out->key, sizeof(out->key), "%s", key);
	out->size = r.content_length;
	out->mtime_us = -1;
	struct tm tm = {0};
	const char *end = strptime(r.last_modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end && !*end)
		out->mtime_us = (int64_t)timegm(&tm) * 1000000;
	return STORE_OK;
}

static int s3_list(struct store *base, const char *prefix, const char *after, struct store_object *out, size_t max,
                   size_t *n, struct store_error *err)
{
	struct store_s3 *s = (struct store_s3 *)base;
	*n = 0;
	if (strlen(prefix) > STORE_KEY_MAX || (after && strlen(after) > STORE_KEY_MAX))
		return store_fail(err, STORE_INVALID, "prefix too long");
	char full_prefix[STORE_KEY_MAX + 1100], full_after[STORE_KEY_MAX + 1100], token[1024] = "";
	snprintf(full_prefix, sizeof(full_prefix), "%s%s", s->prefix, prefix);
	if (after)
		snprintf(full_after, sizeof(full_after), "%s%s", s->prefix, after);
	size_t plen = strlen(s->prefix);
	while (*n < max) {
		char maxkeys[16];
		snprintf(maxkeys, sizeof(maxkeys), "%zu", max - *n < 1000 ? max - *n : 1000);
		struct s3_query_param q[5];
		size_t nq = 0;
		q[nq++] = (struct s3_query_param){"list-type", "2"};
		q[nq++] = (struct s3_query_param){"prefix", full_prefix};
		q[nq++] = (struct s3_query_param){"max-keys", maxkeys};
		if (token[0])
			q[nq++] = (struct s3_query_param){"continuation-token", token};
		else if (after)
			q[nq++] = (struct s3_query_param){"start-after", full_after};
		struct s3_req r;
		req_init(&r, "GET", NULL);
		r.query = q;
		r.nquery = nq;
		buf answer;
		buf_init(&answer);
		r.out = &answer;
		int rc = perform(s, &r, err);
		if (rc != STORE_OK) {
			buf_free(&answer);
			if (rc == STORE_NOT_FOUND) /* no such bucket: listing nothing would hide it */
				err->status = rc = STORE_ERROR;
			return rc;
		}
		struct s3_list_page page = {.objects = out + *n, .max = max - *n};
		if (s3_xml_list(answer.data ? answer.data : "", answer.len, &page) != 0) {
			buf_free(&answer);
			return store_fail(err, STORE_ERROR, "bucket '%s': the listing of %s is not a ListBucketResult", s->name,
			                  full_prefix);
		}
		buf_free(&answer);
		/* keys outside our prefix (or not valid keys) cannot be ours; drop them */
		size_t kept = 0;
		for (size_t i = 0; i < page.n; i++) {
			struct store_object *o = &out[*n + i];
			if (strncmp(o->key, s->prefix, plen) != 0 || !store_key_valid(o->key + plen))
				continue;
			memmove(o->key, o->key + plen, strlen(o->key + plen) + 1);
			if (kept != i)
				out[*n + kept] = *o;
			kept++;
		}
		*n += kept;
		if (!page.truncated || !page.next_token[0])
			break;
		snprintf(token, sizeof(token), "%s", page.next_token);
	}
	return STORE_OK;
}

static int s3_del(struct store *base, const char *key, struct store_error *err)
{
	struct store_s3 *s = (struct store_s3 *)base;
	if (check_key(key, err))
		return err->status;
	struct s3_req r;
	req_init(&r, "DELETE", key);
	int rc = perform(s, &r, err);
	return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

static void s3_close(struct store *base)
{
	struct store_s3 *s = (struct store_s3 *)base;
	for (int i = 0; i < s->npool; i++)
		curl_easy_cleanup(s->pool[i]);
	pthread_mutex_destroy(&s->pool_mu);
	OPENSSL_cleanse(s->secret_access_key, sizeof(s->secret_access_key));
	OPENSSL_cleanse(s->session_token, sizeof(s->session_token));
	free(s);
}

static const struct store_ops s3_ops = {"s3", s3_get_range, s3_get_file, s3_put, s3_put_file, s3_move_file, s3_head, s3_list, s3_del, s3_close};

/* Host names and bucket names reach the URL and the Host header as given: only the characters
 * DNS names and S3 bucket names may hold. */
static bool host_chars(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == ':' || c == '[' || c == ']' || c == '_'))
			return false;
	}
	return n > 0;
}

struct store *store_s3_open(const struct store_s3_config *cfg, struct store_error *err)
{
	const char *ep = cfg->endpoint;
	const char *scheme_end = ep ? strstr(ep, "://") : NULL;
	if (!scheme_end) {
		store_fail(err, STORE_INVALID, "endpoint must be an http:// or https:// URL");
		return NULL;
	}
	size_t sl = (size_t)(scheme_end - ep);
	if (!((sl == 4 && !strncmp(ep, "http", 4)) || (sl == 5 && !strncmp(ep, "https", 5)))) {
		store_fail(err, STORE_INVALID, "endpoint must be an http:// or https:// URL");
		return NULL;
	}
	const char *hp = scheme_end + 3;
	const char *slash = strchr(hp, '/');
	size_t hl = slash ? (size_t)(slash - hp) : strlen(hp);
	const char *bpath = slash ? slash : "";
	size_t bl = strlen(bpath);
	while (bl > 0 && bpath[bl - 1] == '/')
		bl--;
	size_t nb = cfg->bucket ? strlen(cfg->bucket) : 0;
	if (!host_chars(hp, hl) || hl > 255) {
		store_fail(err, STORE_INVALID, "endpoint has no valid host name");
		return NULL;
	}
	if (nb < 1 || nb > 255 || !host_chars(cfg->bucket, nb) || strchr(cfg->bucket, ':')) {
		store_fail(err, STORE_INVALID, "bucket must be a valid S3 bucket name");
		return NULL;
	}
	for (size_t i = 0; i < bl; i++)
		if ((unsigned char)bpath[i] <= 0x20 || bpath[i] == '?' || bpath[i] == '#' || bpath[i] == '%') {
			store_fail(err, STORE_INVALID, "endpoint path may hold only plain characters");
			return NULL;
		}
	const char *prefix = cfg->prefix ? cfg->prefix : "";
	while (*prefix == '/')
		prefix++;
	size_t pl = strlen(prefix);
	while (pl > 0 && prefix[pl - 1] == '/')
		pl--;
	if (pl > 512) {
		store_fail(err, STORE_INVALID, "prefix is too long");
		return NULL;
	}
	if (pl) {
		char tmp[520];
		snprintf(tmp, sizeof(tmp), "%.*s", (int)pl, prefix);
		if (!store_key_valid(tmp)) {
			store_fail(err, STORE_INVALID, "prefix must be a relative path without '.', '..' or empty parts");
			return NULL;
		}
	}
	if (!cfg->access_key_id || !*cfg->access_key_id || !cfg->secret_access_key || !*cfg->secret_access_key) {
		store_fail(err, STORE_INVALID, "credentials are missing (access_key_id and secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
		return NULL;
	}
	if (strlen(cfg->access_key_id) >= 256 || strlen(cfg->secret_access_key) >= 256 ||
	    (cfg->session_token && strlen(cfg->session_token) >= 4096) || !cfg->region || !*cfg->region ||
	    strlen(cfg->region) >= 64) {
		store_fail(err, STORE_INVALID, "credentials or region too long or missing");
		return NULL;
	}
	struct store_s3 *s = calloc(1, sizeof(*s));
	if (!s) {
		store_fail(err, STORE_ERROR, "out of memory");
		return NULL;
	}
	s->base.ops = &s3_ops;
	snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : cfg->bucket);
	snprintf(s->scheme, sizeof(s->scheme), "%.*s", (int)sl, ep);
	if (cfg->path_style) {
		snprintf(s->host, sizeof(s->host), "%.*s", (int)hl, hp);
		snprintf(s->base_path, sizeof(s->base_path), "%.*s/%s/", (int)bl, bpath, cfg->bucket);
	} else {
		snprintf(s->host, sizeof(s->host), "%s.%.*s", cfg->bucket, (int)hl, hp);
		snprintf(s->base_path, sizeof(s->base_path), "%.*s/", (int)bl, bpath);
	}
	if (pl)
		snprintf(s->prefix, sizeof(s->prefix), "%.*s/", (int)pl, prefix);
	snprintf(s->region, sizeof(s->region), "%s", cfg->region);
	snprintf(s->access_key_id, sizeof(s->access_key_id), "%s", cfg->access_key_id);
	snprintf(s->secret_access_key, sizeof(s->secret_access_key), "%s", cfg->secret_access_key);
	snprintf(s->session_token, sizeof(s->session_token), "%s", cfg->session_token ? cfg->session_token : "");
	s->multipart_threshold = cfg->multipart_threshold ? cfg->multipart_threshold : 64ull << 20;
	s->part_size = cfg->part_size ? cfg->part_size : 16ull << 20;
	if (s->part_size < 5ull << 20)
		s->part_size = 5ull << 20; /* S3's smallest part but the last */
	s->attempts = cfg->attempts > 0 ? cfg->attempts : 6;
	s->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
	s->stall_timeout_ms = cfg->stall_timeout_ms > 0 ? cfg->stall_timeout_ms : 30000;
	s->backoff_base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 100;
	pthread_mutex_init(&s->pool_mu, NULL);
	return &s->base;
}
