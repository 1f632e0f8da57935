/* Secrets at rest (bucket credentials in the metadata store): AES-256-GCM under a server key that
 * comes from the environment or a key file, never from the metadata store itself. Sealed text is
 * "v1:" + base64(nonce ‖ ciphertext ‖ tag), so a changed or truncated value fails to open. */
#ifndef LAKEHOUSE_UTIL_SECRET_BOX_H
#define LAKEHOUSE_UTIL_SECRET_BOX_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_KEY_LEN 32

/* The key from key_text when given (64 hex digits, or base64 of 32 bytes), else from the file at
 * path, which is created with a new random key (mode 0600) when it does not exist. */
int secret_key_load(const char *key_text, const char *path, unsigned char key[SECRET_KEY_LEN], char *err,
                    size_t errlen);
/* Seals plain (a NUL-terminated string); NULL when out of memory. The caller frees. */
char *secret_seal(const unsigned char key[SECRET_KEY_LEN], const char *plain);
/* Opens sealed; NULL when it was not sealed under this key or was changed. The caller frees (and
 * should wipe) the result. */
char *secret_open(const unsigned char key[SECRET_KEY_LEN], const char *sealed);
/* Overwrites and frees s (may be NULL). */
void secret_free(char *s);

#endif
