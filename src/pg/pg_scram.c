/* SCRAM-SHA-256 server exchange on OpenSSL's HMAC and PBKDF2. Secrets in memory are wiped after
 * use; a wrong proof and a malformed message are told apart only for the server's logs. */
#include "pg/pg_scram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/base64.h"

int pg_scram_salt_password(const char *password, const unsigned char *salt, size_t salt_len, int iterations,
                           unsigned char out[SCRAM_KEY_LEN])
{
	return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations, EVP_sha256(),
	                         SCRAM_KEY_LEN, out) == 1
	           ? 0
	           : -1;
}

static int hmac(const unsigned char *key, size_t keylen, const void *msg, size_t msglen, unsigned char out[32])
{
	unsigned int n = 0;
	return HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out, &n) && n == 32 ? 0 : -1;
}

static int sha256(const void *msg, size_t len, unsigned char out[32])
{
	unsigned int n = 0;
	return EVP_Digest(msg, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

static int fail(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -2;
}

/* The value of attribute `name` ("r=…") in a comma-separated list, copied into out. */
static bool attribute(const char *msg, size_t len, char name, char *out, size_t outlen, const char **after)
{
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && msg[end] != ',')
			end++;
		if (end - i >= 2 && msg[i] == name && msg[i + 1] == '=') {
			size_t n = end - i - 2;
			if (n >= outlen)
				return false;
			memcpy(out, msg + i + 2, n);
			out[n] = '\0';
			if (after)
				*after = msg + end;
			return true;
		}
		i = end + 1;
	}
	return false;
}

int pg_scram_first(struct pg_scram *s, const char *mechanism, bool offered_plus, const unsigned char *cbind,
                   size_t cbind_len, const unsigned char salted[SCRAM_KEY_LEN], const unsigned char *salt,
                   size_t salt_len, int iterations, const char *server_nonce, const char *client_first, size_t len,
                   buf *out, char *why, size_t whylen)
{
	memset(s, 0, sizeof(*s));
	if (!strcmp(mechanism, "SCRAM-SHA-256-PLUS"))
		s->plus = true;
	else if (strcmp(mechanism, "SCRAM-SHA-256") != 0)
		return fail(why, whylen, "unsupported SASL mechanism");
	if (s->plus && (!offered_plus || !cbind_len))
		return fail(why, whylen, "channel binding was not offered");
	s->offered_plus = offered_plus;
	if (cbind_len > sizeof(s->cbind))
		return fail(why, whylen, "channel binding data too long");
	if (cbind_len)
		memcpy(s->cbind, cbind, cbind_len);
	s->cbind_len = cbind_len;
	if (memchr(client_first, '\0', len))
		return fail(why, whylen, "malformed SCRAM message");
	/* gs2-header: cbind-flag "," [authzid] "," */
	const char *p = client_first, *end = client_first + len;
	const char *c1 = memchr(p, ',', len);
	const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(end - c1 - 1)) : NULL;
	if (!c1 || !c2 || (size_t)(c2 + 1 - p) >= sizeof(s->gs2))
		return fail(why, whylen, "malformed SCRAM client-first-message");
	size_t flag_len = (size_t)(c1 - p);
	bool wants_plus = flag_len > 2 && !strncmp(p, "p=", 2);
	if (wants_plus) {
		if (flag_len != strlen("p=tls-server-end-point") || strncmp(p, "p=tls-server-end-point", flag_len) != 0)
			return fail(why, whylen, "unsupported channel binding type");
		if (!s->plus)
			return fail(why, whylen, "channel binding requested without SCRAM-SHA-256-PLUS");
	} else if (flag_len == 1 && (p[0] == 'n' || p[0] == 'y')) {
		if (s->plus)
			return fail(why, whylen, "SCRAM-SHA-256-PLUS without channel binding");
		/* "y": the client could bind but believes the server cannot; it can, so someone stripped it */
		if (p[0] == 'y' && offered_plus)
			return fail(why, whylen, "channel binding downgrade detected");
	} else {
		return fail(why, whylen, "malformed SCRAM channel binding flag");
	}
	if (c2 != c1 + 1)
		return fail(why, whylen, "SCRAM authorization identities are not supported");
	memcpy(s->gs2, p, (size_t)(c2 + 1 - p));
	s->gs2[c2 + 1 - p] = '\0';
	const char *bare = c2 + 1;
	size_t bare_len = (size_t)(end - bare);
	if (bare_len >= sizeof(s->client_first_bare))
		return fail(why, whylen, "SCRAM client-first-message too long");
	memcpy(s->client_first_bare, bare, bare_len);
	s->client_first_bare[bare_len] = '\0';
	/* n=user (PostgreSQL takes the user from the startup packet) then r=nonce */
	char cnonce[256];
	if (bare_len < 2 || strncmp(bare, "n=", 2) != 0 || !attribute(bare, bare_len, 'r', cnonce, sizeof(cnonce), NULL) ||
	    !cnonce[0])
		return fail(why, whylen, "malformed SCRAM client-first-message");
	for (const char *c = cnonce; *c; c++)
		if (*c < 0x21 || *c > 0x7e || *c == ',')
			return fail(why, whylen, "malformed SCRAM nonce");
	if ((size_t)snprintf(s->nonce, sizeof(s->nonce), "%s%s", cnonce, server_nonce) >= sizeof(s->nonce))
		return fail(why, whylen, "SCRAM nonce too long");
	memcpy(s->salted, salted, SCRAM_KEY_LEN);
	char *salt64 = base64_encode(salt, salt_len);
	if (!salt64)
		return fail(why, whylen, "out of memory");
	int n = snprintf(s->server_first, sizeof(s->server_first), "r=%s,s=%s,i=%d", s->nonce, salt64, iterations);
	free(salt64);
	if (n < 0 || (size_t)n >= sizeof(s->server_first))
		return fail(why, whylen, "SCRAM message too long");
	buf_puts(out, s->server_first);
	return 0;
}

int pg_scram_final(struct pg_scram *s, const char *client_final, size_t len, buf *out, char *why, size_t whylen)
{
	if (memchr(client_final, '\0', len))
		return fail(why, whylen, "malformed SCRAM message");
	/* c=base64(gs2 header + channel binding data), r=nonce, …, p=proof (last) */
	char c64[512], nonce[512], proof64[128];
	const char *proof_at = NULL;
	if (!attribute(client_final, len, 'c', c64, sizeof(c64), NULL) ||
	    !attribute(client_final, len, 'r', nonce, sizeof(nonce), NULL) ||
	    !attribute(client_final, len, 'p', proof64, sizeof(proof64), &proof_at))
		return fail(why, whylen, "malformed SCRAM client-final-message");
	const char *p_attr = strstr(client_final, ",p=");
	if (!p_attr || proof_at != client_final + len)
		return fail(why, whylen, "malformed SCRAM client-final-message");
	unsigned char expected_c[sizeof(s->gs2) + sizeof(s->cbind)];
	size_t gl = strlen(s->gs2);
	memcpy(expected_c, s->gs2, gl);
	if (s->plus) {
		memcpy(expected_c + gl, s->cbind, s->cbind_len);
		gl += s->cbind_len;
	}
	char *want_c = base64_encode(expected_c, gl);
	bool c_ok = want_c && !strcmp(want_c, c64);
	free(want_c);
	if (!c_ok)
		return fail(why, whylen, "SCRAM channel binding check failed");
	if (strcmp(nonce, s->nonce) != 0)
		return fail(why, whylen, "SCRAM nonce mismatch");
	size_t proof_len = 0;
	unsigned char *proof = (unsigned char *)base64_decode(proof64, strlen(proof64), &proof_len);
	if (!proof || proof_len != 32) {
		free(proof);
		return fail(why, whylen, "malformed SCRAM proof");
	}
	buf auth;
	buf_init(&auth);
	buf_printf(&auth, "%s,%s,%.*s", s->client_first_bare, s->server_first, (int)(p_attr - client_final), client_final);
	unsigned char client_key[32], stored_key[32], client_sig[32], check[32], server_key[32], server_sig[32];
	int rc = -2;
	if (buf_failed(&auth) || hmac(s->salted, SCRAM_KEY_LEN, "Client Key", 10, client_key) ||
	    sha256(client_key, 32, stored_key) || hmac(stored_key, 32, auth.data, auth.len, client_sig) ||
	    hmac(s->salted, SCRAM_KEY_LEN, "Server Key", 10, server_key) ||
	    hmac(server_key, 32, auth.data, auth.len, server_sig)) {
		snprintf(why, whylen, "SCRAM computation failed");
		goto done;
	}
	/* proof XOR ClientSignature is the client's ClientKey; its hash must be StoredKey */
	unsigned char recovered[32];
	for (int i = 0; i < 32; i++)
		recovered[i] = proof[i] ^ client_sig[i];
	if (sha256(recovered, 32, check) || CRYPTO_memcmp(check, stored_key, 32) != 0) {
		rc = -1;
		OPENSSL_cleanse(recovered, sizeof(recovered));
		goto done;
	}
	OPENSSL_cleanse(recovered, sizeof(recovered));
	char *sig64 = base64_encode(server_sig, 32);
	if (!sig64) {
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	buf_printf(out, "v=%s", sig64);
	free(sig64);
	rc = 0;
done:
	OPENSSL_cleanse(client_key, sizeof(client_key));
	OPENSSL_cleanse(stored_key, sizeof(stored_key));
	OPENSSL_cleanse(server_key, sizeof(server_key));
	buf_free(&auth);
	free(proof);
	return rc;
}
