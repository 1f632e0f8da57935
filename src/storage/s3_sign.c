/* SigV4: canonical request, string to sign, signing key derived from the secret and the date,
 * region and service scope. Header values are trimmed; names arrive in lower case. */
#include "storage/s3_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MAX_SIGNED_HEADERS 32

static const char hexdigits[] = "0123456789abcdef";

static void to_hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void digest_hex(const EVP_MD *md, const void *data, size_t len, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(data, len, d, &n, md, NULL) != 1)
		n = 0;
	to_hex(d, n, out);
}

void s3_sha256_hex(const void *data, size_t len, char out[65]) { digest_hex(EVP_sha256(), data, len, out); }

void s3_md5_hex(const void *data, size_t len, char out[33]) { digest_hex(EVP_md5(), data, len, out); }

void s3_amz_date(long long unix_seconds, char out[17])
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '.' || c == '~';
}

void s3_uri_encode(buf *out, const char *s, bool keep_slash)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p) || (keep_slash && *p == '/')) {
			buf_putc(out, (char)*p);
		} else {
			char esc[3] = {'%', "0123456789ABCDEF"[*p >> 4], "0123456789ABCDEF"[*p & 15]};
			buf_append(out, esc, 3);
		}
	}
}

struct encoded_param {
	char *name;
	char *value;
};

static int cmp_param(const void *a, const void *b)
{
	const struct encoded_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

void s3_query_string(buf *out, const struct s3_query_param *params, size_t n)
{
	struct encoded_param *enc = calloc(n ? n : 1, sizeof(*enc));
	if (!enc) {
		out->failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		buf b;
		buf_init(&b);
		s3_uri_encode(&b, params[i].name, false);
		enc[i].name = buf_strdup(&b);
		buf_reset(&b);
		s3_uri_encode(&b, params[i].value ? params[i].value : "", false);
		enc[i].value = buf_strdup(&b);
		buf_free(&b);
		if (!enc[i].name || !enc[i].value)
			out->failed = true;
	}
	if (!out->failed) {
		qsort(enc, n, sizeof(*enc), cmp_param);
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_putc(out, '&');
			buf_printf(out, "%s=%s", enc[i].name, enc[i].value);
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(enc[i].name);
		free(enc[i].value);
	}
	free(enc);
}

static int cmp_header(const void *a, const void *b)
{
	return strcmp(((const struct s3_header *)a)->name, ((const struct s3_header *)b)->name);
}

/* Header values are signed trimmed, with inner runs of spaces folded to one. */
static void put_trimmed(buf *b, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t start = b->len;
	bool space = false;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = true;
			continue;
		}
		if (space && b->len > start)
			buf_putc(b, ' ');
		space = false;
		buf_putc(b, *v);
	}
}

static int hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int n = 0;
	return HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &n) && n == 32 ? 0
	                                                                                                        : -1;
}

int s3_sign(const struct s3_sign_input *in, char *out, size_t outlen)
{
	if (in->nheaders + 4 > MAX_SIGNED_HEADERS || strlen(in->amz_date) != 16)
		return -1;
	struct s3_header hs[MAX_SIGNED_HEADERS];
	size_t n = 0;
	hs[n++] = (struct s3_header){"host", in->host};
	hs[n++] = (struct s3_header){"x-amz-content-sha256", in->payload_hash};
	hs[n++] = (struct s3_header){"x-amz-date", in->amz_date};
	if (in->session_token && *in->session_token)
		hs[n++] = (struct s3_header){"x-amz-security-token", in->session_token};
	for (size_t i = 0; i < in->nheaders; i++)
		hs[n++] = in->headers[i];
	qsort(hs, n, sizeof(hs[0]), cmp_header);

	buf canon, signed_names, sts;
	buf_init(&canon);
	buf_init(&signed_names);
	buf_init(&sts);
	buf_printf(&canon, "%s\n%s\n%s\n", in->method, in->path, in->query ? in->query : "");
	for (size_t i = 0; i < n; i++) {
		buf_printf(&canon, "%s:", hs[i].name);
		put_trimmed(&canon, hs[i].value);
		buf_putc(&canon, '\n');
		if (i)
			buf_putc(&signed_names, ';');
		buf_puts(&signed_names, hs[i].name);
	}
	buf_putc(&signed_names, '\0');
	buf_printf(&canon, "\n%s\n%s", signed_names.data ? signed_names.data : "", in->payload_hash);

	char date[9];
	memcpy(date, in->amz_date, 8);
	date[8] = '\0';
	char scope[256];
	snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date, in->region, in->service);
	char canon_hash[65];
	int rc = -1;
	if (buf_failed(&canon) || buf_failed(&signed_names))
		goto done;
	s3_sha256_hex(canon.data, canon.len, canon_hash);
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", in->amz_date, scope, canon_hash);
	buf_putc(&sts, '\0');
	if (buf_failed(&sts))
		goto done;

	char secret[512];
	if ((size_t)snprintf(secret, sizeof(secret), "AWS4%s", in->secret_access_key) >= sizeof(secret))
		goto done;
	unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
	if (hmac(secret, strlen(secret), date, k1) || hmac(k1, 32, in->region, k2) || hmac(k2, 32, in->service, k3) ||
	    hmac(k3, 32, "aws4_request", k4) || hmac(k4, 32, sts.data, sig))
		goto wipe;
	char sighex[65];
	to_hex(sig, 32, sighex);
	if ((size_t)snprintf(out, outlen, "AWS4-HMAC-SHA256 Credential=%s/%s,SignedHeaders=%s,Signature=%s",
	                     in->access_key_id, scope, signed_names.data, sighex) < outlen)
		rc = 0;
wipe:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	OPENSSL_cleanse(k3, sizeof(k3));
	OPENSSL_cleanse(k4, sizeof(k4));
done:
	buf_free(&canon);
	buf_free(&signed_names);
	buf_free(&sts);
	return rc;
}
