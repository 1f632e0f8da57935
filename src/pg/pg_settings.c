/* PostgreSQL's run-time parameters of a session: one table says which parameters exist, which
 * are reported to the client, which only take some values and which are read-only. A value is
 * kept per session as the client spelled it (what SHOW gives back) and acted on where this server
 * has the matter: the time zone (the engine's session zone), statement_timeout, search_path,
 * application_name. Names are matched without regard to case, as PostgreSQL does. */
#include "pg/pg_settings.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/sql_split.h"
#include "pg/pg_compat.h"
#include "pg/pg_conn.h"
#include "pg/pg_wire.h"
#include "util/buf.h"

enum kind {
	K_TEXT,      /* kept and shown, no effect here */
	K_FIXED,     /* SET accepted (no effect); SHOW gives the fixed value: what this server does */
	K_READONLY,  /* SET refused, as PostgreSQL refuses it */
	K_ON,        /* only on (standard_conforming_strings) */
	K_TIMEZONE,
	K_TIMEOUT,   /* statement_timeout */
	K_SEARCH_PATH,
	K_APPNAME,
	K_ENCODING,
	K_DATESTYLE,
	K_INTERVALSTYLE,
	K_INT,
	K_AUTH,      /* session_authorization: only the logged-in user */
	K_READ_ONLY_TXN, /* default_transaction_read_only: only off (nothing here makes a transaction read-only) */
};

static const struct param {
	const char *name; /* PostgreSQL's spelling, as ParameterStatus and SHOW name it */
	enum kind kind;
	bool report;
	const char *boot; /* NULL: the user name */
} params[] = {
	{"application_name", K_APPNAME, true, ""},
	{"client_encoding", K_ENCODING, true, "UTF8"},
	{"DateStyle", K_DATESTYLE, true, "ISO, MDY"},
	{"default_transaction_read_only", K_READ_ONLY_TXN, true, "off"},
	{"in_hot_standby", K_READONLY, true, "off"},
	{"integer_datetimes", K_READONLY, true, "on"},
	{"IntervalStyle", K_INTERVALSTYLE, true, "postgres"},
	{"is_superuser", K_READONLY, true, "off"},
	{"server_encoding", K_READONLY, true, "UTF8"},
	{"server_version", K_READONLY, true, "15.0"},
	{"session_authorization", K_AUTH, true, NULL},
	{"standard_conforming_strings", K_ON, true, "on"},
	{"TimeZone", K_TIMEZONE, true, "UTC"},
	{"search_path", K_SEARCH_PATH, false, "\"$user\", public"},
	{"statement_timeout", K_TIMEOUT, false, "0"},
	{"extra_float_digits", K_INT, false, "1"},
	{"client_min_messages", K_TEXT, false, "notice"},
	{"server_version_num", K_READONLY, false, "150000"},
	{"max_identifier_length", K_READONLY, false, "63"},
	{"lc_collate", K_READONLY, false, "C.UTF-8"},
	{"lc_ctype", K_READONLY, false, "C.UTF-8"},
	{"block_size", K_READONLY, false, "8192"},
	{"max_connections", K_READONLY, false, "100"},
	{"transaction_isolation", K_FIXED, false, "repeatable read"}, /* DuckDB's snapshot isolation */
	{"default_transaction_isolation", K_FIXED, false, "repeatable read"},
	{"transaction_read_only", K_FIXED, false, "off"},
	{"bytea_output", K_FIXED, false, "hex"},
	{"lock_timeout", K_TEXT, false, "0"},
	{"idle_in_transaction_session_timeout", K_TEXT, false, "0"},
	{"idle_session_timeout", K_TEXT, false, "0"},
	{"default_transaction_deferrable", K_TEXT, false, "off"},
	{"synchronous_commit", K_TEXT, false, "on"},
	{"jit", K_TEXT, false, "off"},
	{"row_security", K_TEXT, false, "on"},
	{"escape_string_warning", K_TEXT, false, "on"},
	{"geqo", K_TEXT, false, "on"},
	{"work_mem", K_TEXT, false, "4MB"},
	{"max_parallel_workers_per_gather", K_TEXT, false, "2"},
	{"lc_messages", K_TEXT, false, "C.UTF-8"},
	{"lc_monetary", K_TEXT, false, "C.UTF-8"},
	{"lc_numeric", K_TEXT, false, "C.UTF-8"},
	{"lc_time", K_TEXT, false, "C.UTF-8"},
	{"role", K_TEXT, false, "none"},
	{"optimize_bool_constants", K_TEXT, false, "on"},
	{"tcp_keepalives_idle", K_TEXT, false, "0"},
	{"tcp_keepalives_interval", K_TEXT, false, "0"},
	{"tcp_keepalives_count", K_TEXT, false, "0"},
	{"timezone_abbreviations", K_TEXT, false, "Default"},
};
#define NPARAMS (sizeof(params) / sizeof(params[0]))

struct pg_settings {
	char *value[NPARAMS];
	char *reset[NPARAMS];    /* the session default: boot value or what the startup packet said */
	char *reported[NPARAMS]; /* last value sent in ParameterStatus */
};

static int find(const char *name)
{
	for (size_t i = 0; i < NPARAMS; i++)
		if (!strcasecmp(params[i].name, name))
			return (int)i;
	return -1;
}

static int replace(char **slot, const char *v)
{
	char *copy = strdup(v);
	if (!copy)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/* A time in ms as SHOW gives it: in the largest unit that holds it whole (500ms, 5s, 1min). */
static void timeout_text(int ms, char *out, size_t outlen)
{
	static const struct {
		int ms;
		const char *unit;
	} units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}};
	if (ms == 0) {
		snprintf(out, outlen, "0");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ms % units[i].ms == 0) {
			snprintf(out, outlen, "%d%s", ms / units[i].ms, units[i].unit);
			return;
		}
	snprintf(out, outlen, "%dms", ms);
}

int pg_settings_init(struct pg_conn *c)
{
	c->settings = calloc(1, sizeof(*c->settings));
	if (!c->settings)
		return -1;
	for (size_t i = 0; i < NPARAMS; i++) {
		const char *v = params[i].boot ? params[i].boot : c->user;
		if (replace(&c->settings->value[i], v) < 0 || replace(&c->settings->reset[i], v) < 0)
			return -1;
	}
	/* the server's default statement_timeout */
	int ms = pg_server_config(c->srv)->pg_statement_timeout_ms;
	c->statement_timeout_ms = ms;
	if (ms > 0) {
		char v[32];
		timeout_text(ms, v, sizeof(v));
		int i = find("statement_timeout");
		if (replace(&c->settings->value[i], v) < 0 || replace(&c->settings->reset[i], v) < 0)
			return -1;
	}
	return 0;
}

void pg_settings_free(struct pg_conn *c)
{
	if (!c->settings)
		return;
	for (size_t i = 0; i < NPARAMS; i++) {
		free(c->settings->value[i]);
		free(c->settings->reset[i]);
		free(c->settings->reported[i]);
	}
	free(c->settings);
	c->settings = NULL;
}

static void report(struct pg_conn *c, size_t i)
{
	struct pg_settings *s = c->settings;
	if (!params[i].report || (s->reported[i] && !strcmp(s->reported[i], s->value[i])))
		return;
	size_t m = pgw_begin(&c->out, 'S');
	pgw_str(&c->out, params[i].name);
	pgw_str(&c->out, s->value[i]);
	pgw_end(&c->out, m);
	replace(&s->reported[i], s->value[i]);
}

void pg_settings_report_all(struct pg_conn *c)
{
	for (size_t i = 0; i < NPARAMS; i++)
		report(c, i);
}

static int parse_timeout_ms(const char *v, int *out)
{
	char *end;
	double n = strtod(v, &end);
	if (end == v || n < 0)
		return -1;
	while (*end == ' ')
		end++;
	double mult = 1;
	if (!*end || !strcasecmp(end, "ms"))
		mult = 1;
	else if (!strcasecmp(end, "s"))
		mult = 1000;
	else if (!strcasecmp(end, "min"))
		mult = 60000;
	else if (!strcasecmp(end, "h"))
		mult = 3600000;
	else if (!strcasecmp(end, "d"))
		mult = 86400000;
	else
		return -1;
	double ms = n * mult;
	if (ms > 2147483647.0)
		return -1;
	*out = (int)ms;
	return 0;
}

/* search_path as PostgreSQL clients write it ("$user", public) in DuckDB's terms: public is main. */
static void set_search_path(struct pg_conn *c, const char *value)
{
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, "SET search_path = '");
	bool any = false;
	const char *p = value;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		char item[256];
		size_t n = 0;
		bool quoted = *p == '"';
		if (quoted)
			p++;
		while (*p && (quoted ? *p != '"' : (*p != ',' && *p != ' ')) && n + 1 < sizeof(item))
			item[n++] = *p++;
		if (quoted && *p == '"')
			p++;
		item[n] = '\0';
		if (!n || !strcmp(item, "$user") || !strcasecmp(item, "pg_catalog"))
			continue;
		if (!strcasecmp(item, "public"))
			snprintf(item, sizeof(item), "main");
		for (const char *k = item; *k; k++)
			if (*k != '\'')
				buf_putc(&sql, *k);
		buf_putc(&sql, ',');
		any = true;
	}
	if (any)
		sql.len--;
	else
		buf_puts(&sql, "main");
	buf_puts(&sql, "'");
	buf_putc(&sql, '\0');
	char msg[256];
	/* PostgreSQL accepts schemas that do not exist in search_path; so does this */
	if (!buf_failed(&sql))
		pg_session_exec(c, sql.data, msg, sizeof(msg));
	pg_compat_search_path(engine_session_connection(c->s), msg, sizeof(msg));
	buf_free(&sql);
}

static bool is_on(const char *v)
{
	return !strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1");
}

static bool is_off(const char *v)
{
	return !strcasecmp(v, "off") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0");
}

/* Sets parameter i to v (NULL: its session default). -1 with state and msg when refused. */
static int set_param(struct pg_conn *c, size_t i, const char *v, char state[6], char *msg, size_t msglen)
{
	struct pg_settings *s = c->settings;
	const struct param *p = &params[i];
	const char *value = v ? v : s->reset[i];
	char canon[160];
	snprintf(state, 6, "22023");
	switch (p->kind) {
	case K_READONLY:
		if (v && strcmp(v, s->value[i]) != 0) {
			snprintf(state, 6, "55P02");
			snprintf(msg, msglen, "parameter \"%s\" cannot be changed", p->name);
			return -1;
		}
		return 0;
	case K_FIXED:
		return 0;
	case K_ON:
		if (!is_on(value)) {
			snprintf(msg, msglen, "%s cannot be turned off here", p->name);
			return -1;
		}
		value = "on";
		break;
	case K_READ_ONLY_TXN:
		if (!is_off(value)) {
			snprintf(state, 6, "0A000");
			snprintf(msg, msglen, "read-only transactions are not supported");
			return -1;
		}
		value = "off";
		break;
	case K_ENCODING:
		if (strcasecmp(value, "UTF8") && strcasecmp(value, "UTF-8") && strcasecmp(value, "UNICODE")) {
			snprintf(msg, msglen, "this server only speaks UTF8, not \"%s\"", value);
			return -1;
		}
		value = "UTF8";
		break;
	case K_DATESTYLE: {
		/* output is ISO; the order of day and month (for reading dates) is kept as given */
		const char *order = "MDY";
		char copy[160];
		snprintf(copy, sizeof(copy), "%s", value);
		for (char *tok = strtok(copy, ", "); tok; tok = strtok(NULL, ", ")) {
			if (!strcasecmp(tok, "ISO"))
				continue;
			if (!strcasecmp(tok, "MDY") || !strcasecmp(tok, "US") || !strcasecmp(tok, "NONEURO") ||
			    !strcasecmp(tok, "NONEUROPEAN"))
				order = "MDY";
			else if (!strcasecmp(tok, "DMY") || !strcasecmp(tok, "EURO") || !strcasecmp(tok, "EUROPEAN"))
				order = "DMY";
			else if (!strcasecmp(tok, "YMD"))
				order = "YMD";
			else {
				snprintf(msg, msglen, "this server only shows dates in ISO style, not \"%s\"", value);
				return -1;
			}
		}
		snprintf(canon, sizeof(canon), "ISO, %s", order);
		value = canon;
		break;
	}
	case K_INTERVALSTYLE:
		if (strcasecmp(value, "postgres")) {
			snprintf(msg, msglen, "this server only shows intervals in the postgres style");
			return -1;
		}
		value = "postgres";
		break;
	case K_INT: {
		char *end;
		long n = strtol(value, &end, 10);
		if (end == value || *end || n < -15 || n > 3) {
			snprintf(msg, msglen, "invalid value for parameter \"%s\": \"%s\"", p->name, value);
			return -1;
		}
		break;
	}
	case K_TIMEOUT: {
		int ms = 0;
		if (parse_timeout_ms(value, &ms) < 0) {
			snprintf(msg, msglen, "invalid value for parameter \"%s\": \"%s\"", p->name, value);
			return -1;
		}
		c->statement_timeout_ms = ms;
		timeout_text(ms, canon, sizeof(canon));
		value = canon;
		break;
	}
	case K_TIMEZONE: {
		const char *zone = value;
		if (!strcasecmp(zone, "local") || !strcasecmp(zone, "default"))
			zone = s->reset[i];
		struct eng_settings set = {.timezone = zone};
		struct eng_error err = {0};
		if (engine_session_apply(c->s, &set, &err) < 0) {
			snprintf(msg, msglen, "invalid value for parameter \"TimeZone\": \"%s\"", zone);
			return -1;
		}
		/* PostgreSQL shows the zone as the client named it; DuckDB's name for it is the same zone */
		snprintf(canon, sizeof(canon), "%s", zone);
		value = canon;
		break;
	}
	case K_SEARCH_PATH:
		set_search_path(c, value);
		break;
	case K_APPNAME:
		snprintf(c->application_name, sizeof(c->application_name), "%.255s", value);
		break;
	case K_AUTH:
		if (strcasecmp(value, "default") && strcmp(value, c->user)) {
			snprintf(state, 6, "42501");
			snprintf(msg, msglen, "permission denied to set session authorization");
			return -1;
		}
		value = c->user;
		break;
	case K_TEXT:
		break;
	}
	if (replace(&s->value[i], value) < 0) {
		snprintf(state, 6, "53200");
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	return 0;
}

/* One name=value pair from the startup packet or options: ours, or DuckDB's setting. */
static int startup_param(struct pg_conn *c, const char *name, const char *value, char state[6], char *msg, size_t msglen)
{
	int i = find(name);
	if (i >= 0) {
		if (set_param(c, (size_t)i, value, state, msg, msglen) < 0)
			return -1;
		return replace(&c->settings->reset[i], c->settings->value[i]);
	}
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, "SET \"");
	for (const char *k = name; *k; k++)
		if (*k != '"')
			buf_putc(&sql, *k);
	buf_puts(&sql, "\" = '");
	for (const char *k = value; *k; k++) {
		if (*k == '\'')
			buf_putc(&sql, '\'');
		buf_putc(&sql, *k);
	}
	buf_puts(&sql, "'");
	buf_putc(&sql, '\0');
	char why[300];
	int rc = buf_failed(&sql) ? -1 : pg_session_exec(c, sql.data, why, sizeof(why));
	buf_free(&sql);
	if (rc < 0) {
		snprintf(state, 6, "42704");
		snprintf(msg, msglen, "unrecognized configuration parameter \"%s\"", name);
	}
	return rc;
}

int pg_settings_startup(struct pg_conn *c, const char *settings, size_t len, const char *options, char state[6],
                        char *msg, size_t msglen)
{
	/* options first, then the packet's own parameters, as PostgreSQL applies them */
	const char *p = options ? options : "";
	while (*p) {
		while (*p == ' ')
			p++;
		bool dash_c = !strncmp(p, "-c", 2);
		bool long_form = !strncmp(p, "--", 2) && p[2] != '\0';
		if (dash_c) {
			p += 2;
			while (*p == ' ')
				p++;
		} else if (long_form) {
			p += 2;
		} else if (*p) {
			snprintf(state, 6, "42601");
			snprintf(msg, msglen, "invalid command-line argument for server process: %.64s", p);
			return -1;
		}
		char item[1024];
		size_t n = 0;
		while (*p && *p != ' ' && n + 1 < sizeof(item)) {
			if (*p == '\\' && p[1])
				p++;
			item[n++] = *p++;
		}
		item[n] = '\0';
		if (!n)
			break;
		char *eq = strchr(item, '=');
		if (!eq || eq == item) {
			snprintf(state, 6, "42601");
			snprintf(msg, msglen, "-c %s requires a value", item);
			return -1;
		}
		*eq = '\0';
		for (char *k = item; *k; k++)
			if (*k == '-')
				*k = '_';
		if (startup_param(c, item, eq + 1, state, msg, msglen) < 0)
			return -1;
	}
	for (size_t off = 0; off < len;) {
		const char *name = settings + off;
		const char *value = name + strlen(name) + 1;
		off = (size_t)(value - settings) + strlen(value) + 1;
		if (startup_param(c, name, value, state, msg, msglen) < 0)
			return -1;
	}
	return 0;
}

void pg_settings_reset_all(struct pg_conn *c)
{
	char state[6], msg[300];
	for (size_t i = 0; i < NPARAMS; i++)
		if (strcmp(c->settings->value[i], c->settings->reset[i]) != 0)
			set_param(c, i, NULL, state, msg, sizeof(msg));
	pg_settings_report_all(c);
}

/* --- SET, RESET and SHOW ------------------------------------------------------------------------ */

/* The next word at i, upper-cased into out; returns the position after it. */
static size_t word(const char *s, size_t len, size_t i, char *out, size_t outlen)
{
	i = sql_skip_space(s, len, i);
	size_t n = 0;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.')) {
		if (n + 1 < outlen)
			out[n++] = (char)toupper((unsigned char)s[i]);
		i++;
	}
	out[n] = '\0';
	return i;
}

/* The value after the name: '=' or TO skipped, quotes removed, trailing ';' dropped; *is_default
 * for DEFAULT (unquoted). */
static void set_value(const char *s, size_t len, size_t pos, char *out, size_t outlen, bool *is_default)
{
	pos = sql_skip_space(s, len, pos);
	if (pos < len && s[pos] == '=')
		pos++;
	else {
		char w[8];
		size_t after = word(s, len, pos, w, sizeof(w));
		if (!strcmp(w, "TO"))
			pos = after;
	}
	pos = sql_skip_space(s, len, pos);
	size_t end = len;
	while (end > pos && (isspace((unsigned char)s[end - 1]) || s[end - 1] == ';'))
		end--;
	*is_default = end - pos == 7 && !strncasecmp(s + pos, "DEFAULT", 7);
	size_t n = 0;
	for (size_t i = pos; i < end && n + 1 < outlen; i++) {
		if (s[i] == '\'') {
			if (i + 1 < end && s[i + 1] == '\'' && i > pos && i + 1 < end - 1)
				out[n++] = s[++i];
			continue;
		}
		out[n++] = s[i];
	}
	out[n] = '\0';
}

bool pg_settings_statement(struct pg_conn *c, const char *sql, size_t len, bool *failed)
{
	*failed = false;
	char w[16], name[128];
	size_t p = word(sql, len, 0, w, sizeof(w));
	bool reset = !strcmp(w, "RESET");
	if (!reset && strcmp(w, "SET") != 0)
		return false;
	p = word(sql, len, p, name, sizeof(name));
	if (!reset && (!strcmp(name, "SESSION") || !strcmp(name, "LOCAL"))) {
		char next[32];
		size_t q = word(sql, len, p, next, sizeof(next));
		if (!strcmp(name, "SESSION") && (!strcmp(next, "CHARACTERISTICS") || !strcmp(next, "AUTHORIZATION"))) {
			if (!strcmp(next, "CHARACTERISTICS")) { /* … AS TRANSACTION: DuckDB has one isolation level */
				pg_command_complete(c, "SET");
				return true;
			}
			snprintf(name, sizeof(name), "SESSION_AUTHORIZATION");
			p = q;
		} else {
			snprintf(name, sizeof(name), "%s", next);
			p = q;
		}
	}
	if (!strcmp(name, "TRANSACTION")) { /* SET TRANSACTION ISOLATION LEVEL / READ WRITE */
		pg_command_complete(c, reset ? "RESET" : "SET");
		return true;
	}
	if (!strcmp(name, "TIME")) {
		char z[8];
		size_t q = word(sql, len, p, z, sizeof(z));
		if (strcmp(z, "ZONE") != 0)
			return false;
		p = q;
		snprintf(name, sizeof(name), "TIMEZONE");
	} else if (!strcmp(name, "NAMES")) {
		snprintf(name, sizeof(name), "CLIENT_ENCODING");
	} else if (!strcmp(name, "SESSION") && reset) {
		char next[32];
		p = word(sql, len, p, next, sizeof(next));
		snprintf(name, sizeof(name), "SESSION_AUTHORIZATION");
	}
	char value[512] = "";
	bool is_default = reset;
	if (!reset) {
		/* SET TIME ZONE x and SET NAMES x have no '=' */
		set_value(sql, len, p, value, sizeof(value), &is_default);
	}
	if (reset && !strcmp(name, "ALL")) {
		pg_settings_reset_all(c);
		pg_command_complete(c, "RESET");
		return true;
	}
	int i = find(name);
	if (i < 0)
		return false; /* DuckDB's own settings */
	char state[6], msg[600];
	if (set_param(c, (size_t)i, is_default ? NULL : value, state, msg, sizeof(msg)) < 0) {
		pg_send_error(c, "ERROR", state, msg, NULL, NULL, 0);
		*failed = true;
		return true;
	}
	report(c, (size_t)i);
	pg_command_complete(c, reset ? "RESET" : "SET");
	return true;
}

bool pg_settings_show(struct pg_conn *c, const char *sql, size_t len, bool *failed)
{
	*failed = false;
	const char *names[3];
	int ncols = pg_settings_show_columns(sql, len, names, 3);
	if (ncols == 0)
		return false;
	if (ncols == 3) { /* SHOW ALL */
		const char **rows = calloc(NPARAMS * 3, sizeof(*rows));
		if (!rows) {
			pg_send_error(c, "ERROR", "53200", "out of memory", NULL, NULL, 0);
			*failed = true;
			return true;
		}
		for (size_t i = 0; i < NPARAMS; i++) {
			rows[3 * i] = params[i].name;
			rows[3 * i + 1] = c->settings->value[i];
			rows[3 * i + 2] = "";
		}
		pg_send_text_rows(c, 3, names, (int)NPARAMS, rows);
		free(rows);
	} else {
		const char *value = c->settings->value[find(names[0])];
		pg_send_text_rows(c, 1, names, 1, &value);
	}
	pg_command_complete(c, "SHOW");
	return true;
}

int pg_settings_show_columns(const char *sql, size_t len, const char **names, int max)
{
	char w[16], name[128], extra[32];
	size_t p = word(sql, len, 0, w, sizeof(w));
	if (strcmp(w, "SHOW") != 0 || max < 3)
		return 0;
	p = word(sql, len, p, name, sizeof(name));
	word(sql, len, p, extra, sizeof(extra));
	if (!strcmp(name, "ALL")) {
		names[0] = "name";
		names[1] = "setting";
		names[2] = "description";
		return 3;
	}
	if (!strcmp(name, "TRANSACTION") && !strcmp(extra, "ISOLATION"))
		snprintf(name, sizeof(name), "TRANSACTION_ISOLATION");
	else if (!strcmp(name, "TIME") && !strcmp(extra, "ZONE"))
		snprintf(name, sizeof(name), "TIMEZONE");
	else if (!strcmp(name, "SESSION") && !strcmp(extra, "AUTHORIZATION"))
		snprintf(name, sizeof(name), "SESSION_AUTHORIZATION");
	int i = find(name);
	if (i < 0)
		return 0;
	names[0] = params[i].name;
	return 1;
}
