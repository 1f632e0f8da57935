/* DuckDB's error texts as a user of this server should read them: no suggestion of a name far from
 * the one typed, and hints that name what a session can do here. */
#ifndef LAKEHOUSE_ENGINE_ERROR_TEXT_H
#define LAKEHOUSE_ENGINE_ERROR_TEXT_H

#include <stddef.h>

/* Rewrites msg (NUL-terminated, in a buffer of cap bytes) in place. compute_size names the worker
 * the statement ran on, or is NULL. */
void error_text_polish(char *msg, size_t cap, const char *compute_size);

#endif
