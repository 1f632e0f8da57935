/* TLS for the PostgreSQL port: the server's certificate and key (the operator's, or a self-signed
 * pair made on first start and kept in the data directory) in one OpenSSL context, and the
 * certificate's tls-server-end-point hash for SCRAM-SHA-256-PLUS channel binding. */
#ifndef LAKEHOUSE_PG_PG_TLS_H
#define LAKEHOUSE_PG_PG_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

struct pg_tls {
	SSL_CTX *ctx;
	unsigned char cbind[64];
	size_t cbind_len;
};

/* cert and key are PEM files, or both NULL for the self-signed pair in data_dir
 * (pg-server.crt, pg-server.key), made when missing. */
struct pg_tls *pg_tls_open(const char *cert, const char *key, const char *data_dir, char *err, size_t errlen);
void pg_tls_close(struct pg_tls *t);

#endif
