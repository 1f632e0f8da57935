/* Prometheus text exposition (0.0.4). Label values may hold anything a user named (a catalog), so
 * backslash, double quote and newline are escaped as the format requires; HELP text likewise. */
#include "util/prom.h"

#include <inttypes.h>

static void escaped(buf *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else if (quote && *s == '"')
			buf_puts(b, "\\\"");
		else
			buf_putc(b, *s);
	}
}

void prom_family(buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s ", name);
	escaped(b, help, false);
	buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void series(buf *b, const char *name, const char *suffix, const struct prom_label *labels, size_t n,
                   const char *le)
{
	buf_puts(b, name);
	buf_puts(b, suffix);
	if (n == 0 && !le)
		return;
	buf_putc(b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		buf_puts(b, labels[i].name);
		buf_puts(b, "=\"");
		escaped(b, labels[i].value ? labels[i].value : "", true);
		buf_putc(b, '"');
	}
	if (le)
		buf_printf(b, "%sle=\"%s\"", n ? "," : "", le);
	buf_putc(b, '}');
}

void prom_u64(buf *b, const char *name, const struct prom_label *labels, size_t n, uint64_t v)
{
	series(b, name, "", labels, n, NULL);
	buf_printf(b, " %" PRIu64 "\n", v);
}

void prom_i64(buf *b, const char *name, const struct prom_label *labels, size_t n, int64_t v)
{
	series(b, name, "", labels, n, NULL);
	buf_printf(b, " %" PRId64 "\n", v);
}

void prom_histogram(buf *b, const char *name, const struct prom_label *labels, size_t n, const char *const *bounds,
                    size_t nbounds, const uint64_t *counts, uint64_t sum_us)
{
	uint64_t total = 0;
	for (size_t i = 0; i <= nbounds; i++) {
		total += counts[i];
		series(b, name, "_bucket", labels, n, i < nbounds ? bounds[i] : "+Inf");
		buf_printf(b, " %" PRIu64 "\n", total);
	}
	series(b, name, "_sum", labels, n, NULL);
	buf_printf(b, " %" PRIu64 ".%06" PRIu64 "\n", sum_us / 1000000, sum_us % 1000000);
	series(b, name, "_count", labels, n, NULL);
	buf_printf(b, " %" PRIu64 "\n", total);
}
