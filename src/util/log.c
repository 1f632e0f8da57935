/* Structured stderr logging. One write(2) per line so concurrent threads never interleave. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level) { min_level = level; }

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	if (strcasecmp(s, "warning") == 0)
		return LOG_WARN;
	return -1;
}

void log_msg(enum log_level level, const char *msg, const char *fmt, ...)
{
	if (level < min_level)
		return;
	char line[2048];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=\"%s\"",
	                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	                 ts.tv_nsec / 1000000, names[level], msg);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (fmt && *fmt && len < sizeof(line) - 2) {
		va_list ap;
		va_start(ap, fmt);
		int m = vsnprintf(line + len + 1, sizeof(line) - len - 1, fmt, ap);
		va_end(ap);
		if (m > 0) {
			line[len] = ' ';
			len += 1 + ((size_t)m < sizeof(line) - len - 1 ? (size_t)m : sizeof(line) - len - 2);
		}
	}
	/* Keep one event on one line whatever the fields held. */
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
