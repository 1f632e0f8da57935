/* AWS Signature Version 4 for S3-compatible requests: URI and query canonicalisation and the
 * Authorization header. Pure functions over their inputs (no clock, no network), so the unit tests
 * check them against AWS's published examples. */
#ifndef LAKEHOUSE_STORAGE_S3_SIGN_H
#define LAKEHOUSE_STORAGE_S3_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* SHA-256 of nothing, the payload hash of a request without a body. */
#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

struct s3_header {
	const char *name; /* lower case */
	const char *value;
};

struct s3_query_param {
	const char *name;
	const char *value; /* "" for a parameter without a value */
};

struct s3_sign_input {
	const char *method;
	const char *host;  /* the Host header as sent (with :port when not the scheme's default) */
	const char *path;  /* canonical URI: already encoded with s3_uri_encode(..., false) */
	const char *query; /* canonical query string from s3_query_string, or "" */
	/* further headers to sign besides host, x-amz-content-sha256, x-amz-date and, when a session
	 * token is given, x-amz-security-token; any order */
	const struct s3_header *headers;
	size_t nheaders;
	const char *payload_hash; /* hex SHA-256 of the body, or S3_UNSIGNED_PAYLOAD */
	const char *amz_date;     /* YYYYMMDD'T'HHMMSS'Z' */
	const char *region;
	const char *service; /* "s3" */
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" when none */
};

/* Appends s percent-encoded as SigV4 wants: everything but A-Z a-z 0-9 - _ . ~ (and '/' when
 * keep_slash, for paths). */
void s3_uri_encode(buf *out, const char *s, bool keep_slash);
/* Appends the canonical query string: parameters sorted by encoded name, then value. */
void s3_query_string(buf *out, const struct s3_query_param *params, size_t n);
/* Writes the Authorization header's value into out; -1 when it does not fit or on a crypto
 * failure. */
int s3_sign(const struct s3_sign_input *in, char *out, size_t outlen);
/* Lower-case hex of SHA-256 and of MD5 over data. */
void s3_sha256_hex(const void *data, size_t len, char out[65]);
void s3_md5_hex(const void *data, size_t len, char out[33]);
/* YYYYMMDDTHHMMSSZ for a Unix time. */
void s3_amz_date(long long unix_seconds, char out[17]);

#endif
