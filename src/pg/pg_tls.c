/* OpenSSL context for the PostgreSQL port. A self-signed P-256 certificate (valid ten years, for
 * localhost) is made on first start when the operator gives none, so TLS works out of the box;
 * the key file is readable by the server's user only. */
#include "pg/pg_tls.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

static void ssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char detail[256] = "";
	if (e)
		ERR_error_string_n(e, detail, sizeof(detail));
	snprintf(err, errlen, "%s%s%s", what, detail[0] ? ": " : "", detail);
	ERR_clear_error();
}

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	int rc = X509_add_ext(cert, ext, -1) ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

/* Makes the self-signed pair; the key goes through a temporary file renamed into place. */
static int make_self_signed(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *cert = X509_new();
	int rc = -1;
	FILE *f = NULL;
	if (!pkey || !cert) {
		ssl_error(err, errlen, "cannot make a TLS key");
		goto done;
	}
	unsigned char serial[16];
	if (RAND_bytes(serial, sizeof(serial)) != 1) {
		ssl_error(err, errlen, "cannot make a certificate serial number");
		goto done;
	}
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	BN_free(bn);
	if (!sn || !X509_set_serialNumber(cert, sn)) {
		ASN1_INTEGER_free(sn);
		ssl_error(err, errlen, "cannot make a certificate");
		goto done;
	}
	ASN1_INTEGER_free(sn);
	X509_NAME *name = X509_get_subject_name(cert);
	if (!X509_set_version(cert, 2) || !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600) || !X509_set_pubkey(cert, pkey) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"lakehouse", -1, -1, 0) ||
	    !X509_set_issuer_name(cert, name) ||
	    add_ext(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") < 0 ||
	    add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") < 0 || !X509_sign(cert, pkey, EVP_sha256())) {
		ssl_error(err, errlen, "cannot make a certificate");
		goto done;
	}
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%.4100s.tmp", key_path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot write %s: %s", key_path, strerror(errno));
		goto done;
	}
	bool key_ok = PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) && fflush(f) == 0 && fsync(fileno(f)) == 0;
	fclose(f);
	f = NULL;
	if (!key_ok || rename(tmp, key_path) != 0) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s", key_path);
		goto done;
	}
	snprintf(tmp, sizeof(tmp), "%.4100s.tmp", cert_path);
	if (!(f = fopen(tmp, "w"))) {
		snprintf(err, errlen, "cannot write %s: %s", cert_path, strerror(errno));
		goto done;
	}
	bool cert_ok = PEM_write_X509(f, cert) && fflush(f) == 0 && fsync(fileno(f)) == 0;
	fclose(f);
	f = NULL;
	if (!cert_ok || rename(tmp, cert_path) != 0) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s", cert_path);
		goto done;
	}
	rc = 0;
done:
	X509_free(cert);
	EVP_PKEY_free(pkey);
	return rc;
}

/* tls-server-end-point (RFC 5929): the certificate hashed with its signature's hash, SHA-256 when
 * that is MD5 or SHA-1. */
static int channel_binding(X509 *cert, unsigned char *out, size_t *len)
{
	int md_nid = NID_sha256, pkey_nid;
	if (!OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, &pkey_nid))
		md_nid = NID_sha256;
	if (md_nid == NID_md5 || md_nid == NID_sha1 || md_nid == NID_undef)
		md_nid = NID_sha256;
	const EVP_MD *md = EVP_get_digestbynid(md_nid);
	unsigned int n = 0;
	if (!md || !X509_digest(cert, md, out, &n))
		return -1;
	*len = n;
	return 0;
}

struct pg_tls *pg_tls_open(const char *cert, const char *key, const char *data_dir, char *err, size_t errlen)
{
	char cert_path[4200], key_path[4200];
	if (cert) {
		snprintf(cert_path, sizeof(cert_path), "%s", cert);
		snprintf(key_path, sizeof(key_path), "%s", key);
	} else {
		snprintf(cert_path, sizeof(cert_path), "%.4000s/pg-server.crt", data_dir);
		snprintf(key_path, sizeof(key_path), "%.4000s/pg-server.key", data_dir);
		if ((access(cert_path, R_OK) != 0 || access(key_path, R_OK) != 0) &&
		    make_self_signed(cert_path, key_path, err, errlen) < 0)
			return NULL;
	}
	struct pg_tls *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (!t->ctx) {
		ssl_error(err, errlen, "cannot set up TLS");
		free(t);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert_path) != 1) {
		ssl_error(err, errlen, "cannot load the TLS certificate");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key_path, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(t->ctx) != 1) {
		ssl_error(err, errlen, "cannot load the TLS key");
		goto fail;
	}
	X509 *leaf = SSL_CTX_get0_certificate(t->ctx);
	if (!leaf || channel_binding(leaf, t->cbind, &t->cbind_len) < 0) {
		ssl_error(err, errlen, "cannot hash the TLS certificate");
		goto fail;
	}
	return t;
fail:
	SSL_CTX_free(t->ctx);
	free(t);
	return NULL;
}

void pg_tls_close(struct pg_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}
