/* The outcome is read from what the connection sent: the last CommandComplete tag (its kind and
 * row count) or the last error's SQLSTATE, which pg_send_error and pg_command_complete record. */
#include "pg/pg_stmtlog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"

void pg_stmtlog_text(const char *sql, size_t len, char out[PG_STMTLOG_PREFIX + 8])
{
	size_t n = 0, i = 0;
	while (i < len && isspace((unsigned char)sql[i]))
		i++;
	bool space = false;
	while (i < len && n < PG_STMTLOG_PREFIX) {
		char ch = sql[i];
		if (ch == '\'') { /* a string: its contents are data */
			size_t e = i + 1;
			while (e < len && !(sql[e] == '\'' && (e + 1 >= len || sql[e + 1] != '\'')))
				e += sql[e] == '\'' ? 2 : 1;
			static const char masked[] = "'\xe2\x80\xa6'";
			if (n + sizeof(masked) > PG_STMTLOG_PREFIX)
				break;
			if (space)
				out[n++] = ' ';
			memcpy(out + n, masked, sizeof(masked) - 1);
			n += sizeof(masked) - 1;
			i = e < len ? e + 1 : len;
			space = false;
			continue;
		}
		i++;
		if (isspace((unsigned char)ch) || (unsigned char)ch < 0x20 || ch == 0x7f) {
			space = true;
			continue;
		}
		if (space && n + 1 < PG_STMTLOG_PREFIX)
			out[n++] = ' ';
		space = false;
		out[n++] = ch == '"' ? '\'' : ch == '\\' ? '/' : ch;
	}
	if (i < len) {
		memcpy(out + n, "\xe2\x80\xa6", 3); /* cut here */
		n += 3;
	}
	out[n] = '\0';
}

void pg_stmtlog_begin(struct pg_conn *c)
{
	c->last_tag[0] = '\0';
	c->last_sqlstate[0] = '\0';
}

void pg_stmtlog_end(struct pg_conn *c, const char *protocol, const char *text, int64_t start_us)
{
	/* the tag's kind, and its row count: the last number of it ("INSERT 0 5", "FETCH 3") */
	char kind[64];
	snprintf(kind, sizeof(kind), "%s", c->last_tag);
	const char *rows = "-";
	char *sp = strrchr(kind, ' ');
	if (sp && sp[1] && strspn(sp + 1, "0123456789") == strlen(sp + 1)) {
		*sp = '\0';
		rows = sp + 1;
		if (!strcmp(kind, "INSERT 0")) /* INSERT's oid */
			kind[6] = '\0';
	}
	if (!kind[0]) { /* failed, or rows still to come: the first word of the text */
		size_t w = 0;
		while (text[w] && (isalnum((unsigned char)text[w]) || text[w] == '_') && w + 1 < sizeof(kind)) {
			kind[w] = (char)toupper((unsigned char)text[w]);
			w++;
		}
		kind[w] = '\0';
	}
	log_info("statement", "user=%s database=%s pid=%d protocol=%s kind=\"%s\" sql=\"%s\" rows=%s duration_ms=%.3f "
	         "sqlstate=%s", c->user, c->database, (int)c->pid, protocol, kind, text, rows,
	         (double)(clock_mono_us() - start_us) / 1000.0,
	         c->last_sqlstate[0] ? c->last_sqlstate : c->last_tag[0] ? "00000" : "-");
}
