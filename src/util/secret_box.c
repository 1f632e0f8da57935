/* AES-256-GCM through OpenSSL's EVP interface with a fresh random 96-bit nonce per value. */
#include "util/secret_box.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "util/base64.h"
#include "util/hex.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define PREFIX "v1:"

/* 64 hex digits or base64 of 32 bytes, surrounding whitespace ignored. */
static int parse_key(const char *text, unsigned char key[SECRET_KEY_LEN])
{
	while (*text == ' ' || *text == '\n' || *text == '\r' || *text == '\t')
		text++;
	size_t n = strlen(text);
	while (n && (text[n - 1] == ' ' || text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == '\t'))
		n--;
	if (n == 2 * SECRET_KEY_LEN) {
		bool hex = true;
		for (size_t i = 0; i < SECRET_KEY_LEN && hex; i++) {
			int hi = hex_value((unsigned char)text[2 * i]), lo = hex_value((unsigned char)text[2 * i + 1]);
			if (hi < 0 || lo < 0)
				hex = false;
			else
				key[i] = (unsigned char)(hi << 4 | lo);
		}
		if (hex)
			return 0;
	}
	size_t len = 0;
	char *raw = base64_decode(text, n, &len);
	int rc = raw && len == SECRET_KEY_LEN ? 0 : -1;
	if (rc == 0)
		memcpy(key, raw, SECRET_KEY_LEN);
	if (raw) {
		OPENSSL_cleanse(raw, len);
		free(raw);
	}
	return rc;
}

int secret_key_load(const char *key_text, const char *path, unsigned char key[SECRET_KEY_LEN], char *err,
                    size_t errlen)
{
	if (key_text && *key_text) {
		if (parse_key(key_text, key) != 0) {
			snprintf(err, errlen, "the secret key must be 64 hex digits or the base64 of 32 bytes");
			return -1;
		}
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* first start: a new key, readable by this user only */
		unsigned char fresh[SECRET_KEY_LEN];
		char hex[2 * SECRET_KEY_LEN + 2];
		if (RAND_bytes(fresh, sizeof(fresh)) != 1) {
			snprintf(err, errlen, "cannot generate a secret key");
			return -1;
		}
		for (int i = 0; i < SECRET_KEY_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", fresh[i]);
		hex[2 * SECRET_KEY_LEN] = '\n';
		hex[2 * SECRET_KEY_LEN + 1] = '\0';
		int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (out >= 0) {
			ssize_t w = write(out, hex, 2 * SECRET_KEY_LEN + 1);
			int synced = fsync(out);
			close(out);
			if (w != 2 * SECRET_KEY_LEN + 1 || synced != 0) {
				unlink(path);
				snprintf(err, errlen, "cannot write the secret key file %s", path);
				OPENSSL_cleanse(hex, sizeof(hex));
				return -1;
			}
		} else if (errno != EEXIST) { /* EEXIST: another server made it first; read theirs */
			snprintf(err, errlen, "cannot create the secret key file %s: %s", path, strerror(errno));
			return -1;
		}
		OPENSSL_cleanse(fresh, sizeof(fresh));
		OPENSSL_cleanse(hex, sizeof(hex));
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot read the secret key file %s: %s", path, strerror(errno));
		return -1;
	}
	char text[256];
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	text[n] = '\0';
	int rc = parse_key(text, key);
	OPENSSL_cleanse(text, sizeof(text));
	if (rc != 0)
		snprintf(err, errlen, "the secret key file %s must hold 64 hex digits or the base64 of 32 bytes", path);
	return rc;
}

char *secret_seal(const unsigned char key[SECRET_KEY_LEN], const char *plain)
{
	size_t n = strlen(plain);
	unsigned char *raw = malloc(NONCE_LEN + n + TAG_LEN);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	char *out = NULL;
	int len = 0, fin = 0;
	if (!raw || !ctx || RAND_bytes(raw, NONCE_LEN) != 1 ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    EVP_EncryptUpdate(ctx, raw + NONCE_LEN, &len, (const unsigned char *)plain, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(ctx, raw + NONCE_LEN + len, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, raw + NONCE_LEN + n) != 1)
		goto done;
	char *b64 = base64_encode(raw, NONCE_LEN + n + TAG_LEN);
	if (b64) {
		out = malloc(strlen(PREFIX) + strlen(b64) + 1);
		if (out)
			sprintf(out, PREFIX "%s", b64);
		free(b64);
	}
done:
	EVP_CIPHER_CTX_free(ctx);
	if (raw) {
		OPENSSL_cleanse(raw, NONCE_LEN + n + TAG_LEN);
		free(raw);
	}
	return out;
}

char *secret_open(const unsigned char key[SECRET_KEY_LEN], const char *sealed)
{
	if (strncmp(sealed, PREFIX, strlen(PREFIX)) != 0)
		return NULL;
	const char *b64 = sealed + strlen(PREFIX);
	size_t len = 0;
	unsigned char *raw = (unsigned char *)base64_decode(b64, strlen(b64), &len);
	if (!raw)
		return NULL;
	char *plain = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	if (len < NONCE_LEN + TAG_LEN)
		goto done;
	size_t n = len - NONCE_LEN - TAG_LEN;
	plain = malloc(n + 1);
	ctx = EVP_CIPHER_CTX_new();
	int outl = 0, fin = 0;
	if (!plain || !ctx || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    EVP_DecryptUpdate(ctx, (unsigned char *)plain, &outl, raw + NONCE_LEN, (int)n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, raw + NONCE_LEN + n) != 1 ||
	    EVP_DecryptFinal_ex(ctx, (unsigned char *)plain + outl, &fin) != 1) {
		if (plain) {
			OPENSSL_cleanse(plain, n + 1);
			free(plain);
		}
		plain = NULL;
		goto done;
	}
	plain[n] = '\0';
	if (strlen(plain) != n) { /* a NUL inside is not a string we sealed */
		secret_free(plain);
		plain = NULL;
	}
done:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(raw, len);
	free(raw);
	return plain;
}

void secret_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}
