/* The server side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677, channel binding
 * tls-server-end-point as PostgreSQL uses it). Pure functions over the exchanged messages: the
 * caller supplies the salt, the server nonce and the channel-binding data, so the exchange can be
 * checked against the RFC's example. */
#ifndef LAKEHOUSE_PG_PG_SCRAM_H
#define LAKEHOUSE_PG_PG_SCRAM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define SCRAM_ITERATIONS 4096
#define SCRAM_KEY_LEN 32

struct pg_scram {
	bool plus;                 /* SCRAM-SHA-256-PLUS: bound to the TLS channel */
	bool offered_plus;         /* the server offered -PLUS (a client saying "y" then is a downgrade) */
	unsigned char cbind[64];   /* tls-server-end-point data: the certificate's hash */
	size_t cbind_len;
	unsigned char salted[SCRAM_KEY_LEN];
	char gs2[128];             /* the client's GS2 header, as sent */
	char client_first_bare[1024];
	char server_first[1024];
	char nonce[512];           /* client nonce + server nonce */
};

/* Salted password: PBKDF2-HMAC-SHA-256(password, salt, iterations). */
int pg_scram_salt_password(const char *password, const unsigned char *salt, size_t salt_len, int iterations,
                           unsigned char out[SCRAM_KEY_LEN]);

/* Takes the client-first-message for mechanism ("SCRAM-SHA-256" or "SCRAM-SHA-256-PLUS") and writes
 * the server-first-message into out. salted comes from pg_scram_salt_password with salt and
 * iterations; server_nonce is printable ASCII without ','. -1 with why on a malformed message. */
int pg_scram_first(struct pg_scram *s, const char *mechanism, bool offered_plus, const unsigned char *cbind,
                   size_t cbind_len, const unsigned char salted[SCRAM_KEY_LEN], const unsigned char *salt,
                   size_t salt_len, int iterations, const char *server_nonce, const char *client_first, size_t len,
                   buf *out, char *why, size_t whylen);

/* Checks the client-final-message: 0 and the server-final-message in out when the proof is right,
 * -1 when it is wrong (a bad password), -2 (with why) when the message is malformed or the channel
 * binding does not match. */
int pg_scram_final(struct pg_scram *s, const char *client_final, size_t len, buf *out, char *why, size_t whylen);

#endif
