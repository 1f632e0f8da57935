/* Shared pieces of the object store: key rules and error filling. */
#include "storage/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool store_key_valid(const char *key)
{
	size_t n = strnlen(key, STORE_KEY_MAX + 1);
	if (n == 0 || n > STORE_KEY_MAX || key[0] == '/')
		return false;
	const char *seg = key;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)key[i];
		if (i < n && (c < 0x20 || c == 0x7F || c == '\\'))
			return false;
		if (i == n || c == '/') {
			size_t len = (size_t)(key + i - seg);
			/* no empty segments; none starting with '.', which also rules out "." and ".." and keeps
			 * the fs driver's temporary files out of the key space */
			if (len == 0 || seg[0] == '.')
				return false;
			seg = key + i + 1;
		}
	}
	return true;
}

int store_fail(struct store_error *err, enum store_status status, const char *fmt, ...)
{
	err->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}
