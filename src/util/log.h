/* Structured logs on stderr: one line per event, `ts=… level=… msg=… key=value…`.
 * Callers never pass secrets (passwords, tokens, Authorization headers) as fields. */
#ifndef LAKEHOUSE_UTIL_LOG_H
#define LAKEHOUSE_UTIL_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* Parses "debug|info|warn|error"; returns -1 when unknown. */
int log_level_parse(const char *s);
/* fmt holds the key=value pairs after the message, e.g. "status=%d path=%s". */
void log_msg(enum log_level level, const char *msg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(msg, ...) log_msg(LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)

#endif
