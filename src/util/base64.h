/* Base64 (RFC 4648, standard alphabet with padding), for HTTP Basic credentials. */
#ifndef LAKEHOUSE_UTIL_BASE64_H
#define LAKEHOUSE_UTIL_BASE64_H

#include <stddef.h>

/* Encodes len bytes; returns a malloc'd NUL-terminated string or NULL. */
char *base64_encode(const unsigned char *p, size_t len);
/* Decodes into a malloc'd NUL-terminated buffer (out_len without the NUL); NULL when invalid. */
char *base64_decode(const char *s, size_t len, size_t *out_len);

#endif
