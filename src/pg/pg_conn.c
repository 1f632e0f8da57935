/* The PostgreSQL protocol of one connection: the startup packet (and SSLRequest, GSSENCRequest,
 * CancelRequest before it), authentication (SCRAM-SHA-256, -PLUS over TLS, or a cleartext
 * password where allowed), then the frontend messages of the simple and extended query
 * protocols. Every message is read through the bounded cursor of pg_wire.h; a malformed one ends
 * the connection with a protocol-violation error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lake/metadata.h"
#include "pg/pg_compat.h"
#include "pg/pg_conn.h"
#include "pg/pg_cursor.h"
#include "pg/pg_msg.h"
#include "pg/pg_prepare.h"
#include "pg/pg_sqlcmd.h"
#include "pg/pg_settings.h"
#include "pg/pg_wire.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/metrics.h"

#define PROTOCOL_3_0 196608
#define SSL_REQUEST 80877103
/* PostgreSQL's bound on a startup packet, and ours on a password or SASL message */
#define STARTUP_MAX 10000
#define AUTH_MESSAGE_MAX 65536
#define GSSENC_REQUEST 80877104
#define CANCEL_REQUEST 80877102
#define FAILED_LOGIN_DELAY_MS 1000

/* --- answers ---------------------------------------------------------------------------------- */

static void field(buf *b, char code, const char *value)
{
	if (!value || !*value)
		return;
	pgw_byte(b, (uint8_t)code);
	pgw_str(b, value);
}

void pg_send_error(struct pg_conn *c, const char *severity, const char *sqlstate, const char *message,
                   const char *detail, const char *hint, int position)
{
	snprintf(c->last_sqlstate, sizeof(c->last_sqlstate), "%s", sqlstate);
	metrics_error(METRICS_POSTGRES, sqlstate);
	size_t m = pgw_begin(&c->out, 'E');
	field(&c->out, 'S', severity);
	field(&c->out, 'V', severity);
	field(&c->out, 'C', sqlstate);
	field(&c->out, 'M', message);
	field(&c->out, 'D', detail);
	field(&c->out, 'H', hint);
	if (position > 0) {
		char pos[16];
		snprintf(pos, sizeof(pos), "%d", position);
		field(&c->out, 'P', pos);
	}
	pgw_byte(&c->out, 0);
	pgw_end(&c->out, m);
}

/* DuckDB's "Kind Error: message\nmore lines\n\nLINE 1: …\n        ^" as message, detail and the
 * 1-based position of the caret in sql. */
void pg_send_engine_error(struct pg_conn *c, const struct eng_error *err, const char *sql)
{
	const char *msg = err->message;
	const char *colon = strstr(msg, " Error: ");
	if (colon && colon - msg < 40 && !memchr(msg, '\n', (size_t)(colon - msg)))
		msg = colon + 8;
	char first[1024], detail[1024] = "";
	const char *nl = strchr(msg, '\n');
	snprintf(first, sizeof(first), "%.*s", nl ? (int)(nl - msg) : (int)strlen(msg), msg);
	int position = 0;
	if (nl) {
		const char *line = strstr(nl, "\nLINE ");
		size_t dlen = line ? (size_t)(line - nl - 1) : strlen(nl + 1);
		while (dlen && (nl[dlen] == '\n' || nl[1 + dlen - 1] == '\n'))
			dlen--;
		snprintf(detail, sizeof(detail), "%.*s", (int)dlen, nl + 1);
		if (line && sql) {
			/* "LINE n: text" then a line with spaces up to the caret */
			const char *text = strchr(line + 6, ':');
			const char *caret_line = text ? strchr(text, '\n') : NULL;
			const char *caret = caret_line ? strchr(caret_line + 1, '^') : NULL;
			if (text && caret) {
				long lineno = strtol(line + 6, NULL, 10);
				size_t col = (size_t)(caret - caret_line - 1) - (size_t)(text + 2 - line - 1);
				/* the offset of that line in sql, then the column (DuckDB may shorten long lines,
				 * in which case the position is only approximate) */
				size_t off = 0;
				for (long l = 1; l < lineno && sql[off]; off++)
					if (sql[off] == '\n')
						l++;
				if (off + col < strlen(sql) + 1)
					position = (int)(off + col + 1);
			}
		}
	}
	pg_send_error(c, "ERROR", err->sqlstate[0] ? err->sqlstate : "XX000", first, detail, NULL, position);
}

void pg_send_ready(struct pg_conn *c)
{
	size_t m = pgw_begin(&c->out, 'Z');
	pgw_byte(&c->out, (uint8_t)c->txn);
	pgw_end(&c->out, m);
}

static void auth_request(struct pg_conn *c, int32_t code, const void *data, size_t len)
{
	size_t m = pgw_begin(&c->out, 'R');
	pgw_int32(&c->out, code);
	if (data)
		pgw_bytes(&c->out, data, len);
	pgw_end(&c->out, m);
}

static bool fatal(struct pg_conn *c, const char *sqlstate, const char *message)
{
	pg_send_error(c, "FATAL", sqlstate, message, NULL, NULL, 0);
	pg_flush(c);
	return false;
}

/* --- startup ---------------------------------------------------------------------------------- */

static void send_welcome(struct pg_conn *c)
{
	auth_request(c, 0, NULL, 0);
	pg_settings_report_all(c);
	size_t m = pgw_begin(&c->out, 'K');
	pgw_int32(&c->out, c->pid);
	pgw_int32(&c->out, c->secret);
	pgw_end(&c->out, m);
}

/* Opens the engine session: the database names the default catalog. */
static bool open_session(struct pg_conn *c)
{
	struct engine *e = pg_server_engine(c->srv);
	struct eng_error err = {0};
	if (engine_session_acquire(e, NULL, -1, c->user, &c->s, &err) < 0)
		return fatal(c, err.status == ENG_OVERLOADED ? "53300" : "57P03", err.message);
	bool is_default = !c->database[0] || !strcmp(c->database, c->user) || !strcmp(c->database, "postgres") ||
	                  !strcmp(c->database, "memory") || !strcmp(c->database, "lakehouse");
	if (!is_default) {
		struct eng_settings set = {.catalog = c->database};
		if (engine_session_apply(c->s, &set, &err) < 0) {
			char msg[400];
			snprintf(msg, sizeof(msg), "database \"%s\" does not exist", c->database);
			return fatal(c, "3D000", msg);
		}
	}
	char why[1024];
	if (pg_compat_install(engine_session_connection(c->s), c->user, why, sizeof(why)) < 0)
		log_error("PostgreSQL catalog compatibility failed", "error=\"%s\"", why);
	/* after the catalog objects: search_path from the client keeps them last */
	char state[6];
	if (pg_settings_startup(c, c->startup_settings.data, c->startup_settings.len, c->startup_options, state, why,
	                        sizeof(why)) < 0)
		return fatal(c, state, why);
	buf_free(&c->startup_settings);
	free(c->startup_options);
	c->startup_options = NULL;
	return true;
}

static bool start_auth(struct pg_conn *c)
{
	const char *mode = pg_server_config(c->srv)->pg_auth;
	bool cleartext = !strcmp(mode, "password") || !strcmp(mode, "password-insecure");
	if (!strcmp(mode, "password") && !c->ssl)
		return fatal(c, "28000", "password authentication requires TLS on this server (sslmode=require)");
	c->phase = PG_AUTH;
	if (cleartext) {
		auth_request(c, 3, NULL, 0);
		return true;
	}
	buf mech;
	buf_init(&mech);
	if (c->ssl)
		pgw_str(&mech, "SCRAM-SHA-256-PLUS");
	pgw_str(&mech, "SCRAM-SHA-256");
	pgw_byte(&mech, 0);
	auth_request(c, 10, mech.data, mech.len);
	buf_free(&mech);
	return true;
}

static bool handle_startup(struct pg_conn *c, const unsigned char *p, size_t len)
{
	struct pg_startup st;
	char why[128];
	if (pg_parse_startup(p, len, &st, why, sizeof(why)) < 0)
		return fatal(c, "08P01", why);
	int32_t code = st.code;
	if (code == SSL_REQUEST || code == GSSENC_REQUEST) {
		bool tls = code == SSL_REQUEST && pg_server_tls(c->srv) && !c->ssl;
		/* bytes after the request would be read in the clear after the handshake (CVE-2021-23222) */
		if (c->in.len > c->in_off)
			return fatal(c, "08P01", "received unencrypted data after SSL request");
		pgw_byte(&c->out, tls ? 'S' : 'N');
		if (pg_flush(c) < 0)
			return false;
		if (tls)
			c->phase = PG_HANDSHAKE;
		return true;
	}
	if (code == CANCEL_REQUEST) {
		if (!pg_server_cancel(c->srv, st.cancel_pid, st.cancel_secret))
			log_info("PostgreSQL cancel request matched no query", "pid=%d", st.cancel_pid);
		return false; /* a cancel connection gets no answer */
	}
	if ((code >> 16) != 3)
		return fatal(c, "0A000", "unsupported frontend protocol: this server speaks protocol 3.0");
	const char *user = st.user, *database = st.database;
	int nunknown = st.nunknown;
	const char *const *unknown = st.unknown;
	if (!*user)
		return fatal(c, "28000", "no PostgreSQL user name specified in startup packet");
	if (strlen(user) >= sizeof(c->user) || strlen(database) >= sizeof(c->database))
		return fatal(c, "08P01", "user or database name too long");
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->database, sizeof(c->database), "%s", database);
	if (pg_settings_init(c) < 0)
		return fatal(c, "53200", "out of memory");
	/* the parameters are applied once the session exists */
	for (int i = 0; i < st.nsettings; i++) {
		buf_append(&c->startup_settings, st.names[i], strlen(st.names[i]) + 1);
		buf_append(&c->startup_settings, st.values[i], strlen(st.values[i]) + 1);
	}
	if (buf_failed(&c->startup_settings) || !(c->startup_options = strdup(st.options)))
		return fatal(c, "53200", "out of memory");
	if ((code & 0xffff) > 0 || nunknown) {
		/* a newer minor version or protocol options: say what this server speaks */
		size_t m = pgw_begin(&c->out, 'v');
		pgw_int32(&c->out, 0);
		pgw_int32(&c->out, nunknown);
		for (int i = 0; i < nunknown; i++)
			pgw_str(&c->out, unknown[i]);
		pgw_end(&c->out, m);
	}
	if (!strcmp(pg_server_config(c->srv)->pg_tls, "require") && !c->ssl)
		return fatal(c, "28000", "this server requires TLS (sslmode=require)");
	return start_auth(c);
}

/* --- authentication ---------------------------------------------------------------------------- */

static bool password_ok(struct pg_conn *c, const char *password)
{
	const struct config *cfg = pg_server_config(c->srv);
	bool ok = false;
	for (size_t i = 0; i < cfg->n_users; i++) {
		const struct config_user *u = &cfg->users[i];
		size_t a = strlen(u->password), b = strlen(password);
		if (!strcmp(u->name, c->user) && a == b && CRYPTO_memcmp(u->password, password, a) == 0)
			ok = true;
	}
	return ok;
}

/* A failed login: the answer waits a moment (in the event loop, holding no thread). */
static bool login_failed(struct pg_conn *c)
{
	log_warn("PostgreSQL login failed", "user=%s pid=%d", c->user, c->pid);
	char msg[400];
	snprintf(msg, sizeof(msg), "password authentication failed for user \"%s\"", c->user);
	pg_send_error(c, "FATAL", "28P01", msg, NULL, NULL, 0);
	c->close_at_ms = clock_mono_us() / 1000 + FAILED_LOGIN_DELAY_MS;
	return false;
}

static bool logged_in(struct pg_conn *c)
{
	if (!open_session(c))
		return false;
	c->phase = PG_READY;
	send_welcome(c);
	pg_send_ready(c);
	log_info("PostgreSQL connection", "user=%s database=%s pid=%d tls=%s", c->user, c->database, c->pid,
	         c->ssl ? "on" : "off");
	return pg_flush(c) == 0;
}

static bool handle_auth(struct pg_conn *c, char type, const unsigned char *p, size_t len)
{
	if (type != 'p')
		return fatal(c, "08P01", "expected an authentication message");
	struct pgr r;
	pgr_init(&r, p, len);
	const char *mode = pg_server_config(c->srv)->pg_auth;
	if (strcmp(mode, "scram") != 0) {
		const char *password = pgr_str(&r);
		if (!pgr_done(&r))
			return fatal(c, "08P01", "invalid password packet");
		return password_ok(c, password) ? logged_in(c) : login_failed(c);
	}
	char why[256] = "";
	if (!c->scram_started) {
		const char *mech = pgr_str(&r);
		int32_t n = pgr_int32(&r);
		const unsigned char *data = n >= 0 ? pgr_bytes(&r, (size_t)n) : NULL;
		if (!pgr_done(&r) || !data)
			return fatal(c, "08P01", "malformed SASLInitialResponse message");
		unsigned char salted[SCRAM_KEY_LEN], salt[16];
		pg_server_scram_secret(c->srv, c->user, salted, salt, &c->user_known);
		unsigned char raw[18];
		char nonce[32];
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return fatal(c, "XX000", "cannot make a nonce");
		char *n64 = base64_encode(raw, sizeof(raw));
		snprintf(nonce, sizeof(nonce), "%s", n64 ? n64 : "");
		free(n64);
		struct pg_tls *tls = pg_server_tls(c->srv);
		buf out;
		buf_init(&out);
		int rc = pg_scram_first(&c->scram, mech, c->ssl != NULL, tls ? tls->cbind : NULL, tls ? tls->cbind_len : 0,
		                        salted, salt, sizeof(salt), SCRAM_ITERATIONS, nonce, (const char *)data, (size_t)n,
		                        &out, why, sizeof(why));
		OPENSSL_cleanse(salted, sizeof(salted));
		if (rc != 0) {
			buf_free(&out);
			log_warn("PostgreSQL SCRAM exchange refused", "user=%s reason=\"%s\"", c->user, why);
			return fatal(c, "28000", why);
		}
		c->scram_started = true;
		auth_request(c, 11, out.data, out.len);
		buf_free(&out);
		return pg_flush(c) == 0;
	}
	const unsigned char *data = pgr_bytes(&r, len);
	buf out;
	buf_init(&out);
	int rc = data ? pg_scram_final(&c->scram, (const char *)data, len, &out, why, sizeof(why)) : -2;
	OPENSSL_cleanse(&c->scram, sizeof(c->scram));
	if (rc == -2) {
		buf_free(&out);
		log_warn("PostgreSQL SCRAM exchange refused", "user=%s reason=\"%s\"", c->user, why);
		return fatal(c, "08P01", why[0] ? why : "malformed SCRAM message");
	}
	if (rc < 0 || !c->user_known) {
		buf_free(&out);
		return login_failed(c);
	}
	auth_request(c, 12, out.data, out.len);
	buf_free(&out);
	return logged_in(c);
}

/* --- extended protocol ------------------------------------------------------------------------- */

struct pg_stmt **pg_find_stmt(struct pg_conn *c, const char *name)
{
	struct pg_stmt **p = &c->stmts;
	while (*p && strcmp((*p)->name, name) != 0)
		p = &(*p)->next;
	return p;
}

struct pg_portal **pg_find_portal(struct pg_conn *c, const char *name)
{
	struct pg_portal **p = &c->portals;
	while (*p && strcmp((*p)->name, name) != 0)
		p = &(*p)->next;
	return p;
}

void pg_stmt_free(struct pg_stmt *st)
{
	free(st->name);
	free(st->sql);
	free(st->oids);
	for (int i = 0; i < st->ntypes; i++)
		free(st->types[i]);
	free(st->types);
	engine_description_free(&st->desc);
	free(st);
}

void pg_portal_free(struct pg_conn *c, struct pg_portal *p)
{
	pg_portal_close(c, p);
	pg_cursor_free(c, p->cursor);
	for (size_t i = 0; i < p->nparams; i++)
		if (p->params[i])
			duckdb_destroy_value(&p->params[i]);
	free(p->params);
	free(p->formats);
	free(p->name);
	free(p->sql);
	free(p);
}

/* An error inside an extended-protocol exchange: messages up to the next Sync are skipped. */
static void ext_error(struct pg_conn *c, const char *sqlstate, const char *msg)
{
	pg_send_error(c, "ERROR", sqlstate, msg, NULL, NULL, 0);
	c->skip_to_sync = true;
	if (c->txn == 'T')
		c->txn = 'E';
}

static void handle_parse(struct pg_conn *c, const unsigned char *body, size_t len)
{
	struct pg_parse_msg pm;
	char why[128];
	if (pg_parse_parse(body, len, &pm, why, sizeof(why)) < 0) {
		ext_error(c, "08P01", why);
		return;
	}
	const char *name = pm.name, *sql = pm.sql;
	int n = pm.nparams;
	int32_t *oids = calloc(n ? (size_t)n : 1, sizeof(*oids));
	if (!oids) {
		ext_error(c, "53200", "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		oids[i] = pg_be32(pm.oids + 4 * i);
	struct pg_stmt **slot = pg_find_stmt(c, name);
	if (*slot && name[0]) {
		free(oids);
		char msg[400];
		snprintf(msg, sizeof(msg), "prepared statement \"%s\" already exists", name);
		ext_error(c, "42P05", msg);
		return;
	}
	struct pg_stmt *st = calloc(1, sizeof(*st));
	if (!st || !(st->name = strdup(name)) || !(st->sql = pg_statement_text(c, sql, strlen(sql)))) {
		if (st) {
			free(st->name);
			free(st);
		}
		free(oids);
		ext_error(c, "53200", "out of memory");
		return;
	}
	st->oids = oids;
	st->noids = n;
	if (*slot) { /* the unnamed statement is replaced */
		struct pg_stmt *old = *slot;
		*slot = old->next;
		pg_stmt_free(old);
		slot = pg_find_stmt(c, name);
	}
	*slot = st;
	size_t m = pgw_begin(&c->out, '1');
	pgw_end(&c->out, m);
}

/* A PostgreSQL array literal ({1,2,"a b",NULL}, nested braces too) as DuckDB's list text
 * ([1,2,"a b",NULL]), which DuckDB casts to the list type. */
static duckdb_value array_param(const unsigned char *p, size_t len)
{
	buf b;
	buf_init(&b);
	bool quoted = false;
	for (size_t i = 0; i < len; i++) {
		char ch = (char)p[i];
		if (quoted) {
			buf_putc(&b, ch);
			if (ch == '\\' && i + 1 < len)
				buf_putc(&b, (char)p[++i]);
			else if (ch == '"')
				quoted = false;
			continue;
		}
		if (ch == '"')
			quoted = true;
		buf_putc(&b, ch == '{' ? '[' : ch == '}' ? ']' : ch);
	}
	duckdb_value v = buf_failed(&b) ? NULL : duckdb_create_varchar_length(b.data ? b.data : "", b.len);
	buf_free(&b);
	return v;
}

static bool is_array_oid(int32_t oid)
{
	switch (oid) {
	case PG_OID_BOOL_ARRAY: case PG_OID_BYTEA_ARRAY: case PG_OID_INT2_ARRAY: case PG_OID_INT4_ARRAY:
	case PG_OID_TEXT_ARRAY: case PG_OID_VARCHAR_ARRAY: case PG_OID_INT8_ARRAY: case PG_OID_FLOAT4_ARRAY:
	case PG_OID_FLOAT8_ARRAY: case PG_OID_TIMESTAMP_ARRAY: case PG_OID_DATE_ARRAY: case PG_OID_TIME_ARRAY:
	case PG_OID_TIMESTAMPTZ_ARRAY: case PG_OID_INTERVAL_ARRAY: case PG_OID_NUMERIC_ARRAY: case PG_OID_UUID_ARRAY:
	case PG_OID_JSON_ARRAY:
		return true;
	default:
		return false;
	}
}

/* Whether parameter i of the statement is a list for DuckDB (the client did not say). */
static bool param_is_list(struct pg_conn *c, struct pg_stmt *st, int i)
{
	if (!st->described) {
		struct eng_error err = {0};
		if (engine_describe(c->s, st->sql, &st->desc, &err) < 0)
			return false;
		st->described = true;
	}
	if ((idx_t)i >= st->desc.nparams)
		return false;
	duckdb_type t = st->desc.param_types[i];
	return t == DUCKDB_TYPE_LIST || t == DUCKDB_TYPE_ARRAY;
}

static void handle_bind(struct pg_conn *c, const unsigned char *body, size_t len)
{
	struct pg_bind_msg bm;
	char err[300] = "";
	if (pg_parse_bind(body, len, &bm, err, sizeof(err)) < 0) {
		ext_error(c, "08P01", err);
		return;
	}
	struct pg_stmt *st = *pg_find_stmt(c, bm.stmt);
	struct pg_portal *p = NULL;
	const char *state = "08P01";
	if (!st) {
		snprintf(err, sizeof(err), "prepared statement \"%s\" does not exist", bm.stmt);
		state = "26000";
		goto fail;
	}
	char xstate[6];
	/* SQL EXECUTE of a prepared statement: the portal runs that statement */
	bool execute = pg_sqlcmd_kind(st->sql, strlen(st->sql)) == PG_CMD_EXECUTE;
	char *text = execute ? pg_prepare_expand(c, st->sql, xstate, err, sizeof(err)) : strdup(st->sql);
	if (!text && execute) {
		state = xstate;
		goto fail;
	}
	p = calloc(1, sizeof(*p));
	if (p)
		p->sql = text;
	else
		free(text);
	if (!p || !p->sql || !(p->name = strdup(bm.portal)) ||
	    !(p->params = calloc(bm.nparams ? (size_t)bm.nparams : 1, sizeof(*p->params))) ||
	    !(p->formats = calloc(bm.nresults ? (size_t)bm.nresults : 1, sizeof(int16_t)))) {
		snprintf(err, sizeof(err), "out of memory");
		state = "53200";
		goto fail;
	}
	p->nparams = (size_t)bm.nparams;
	size_t pos = 0;
	for (int i = 0; i < bm.nparams; i++) {
		int32_t plen;
		const unsigned char *data = pg_bind_param(&bm, &pos, &plen);
		if (!data)
			continue; /* NULL */
		int fmt = bm.nformats == 0 ? 0 : pg_be16(bm.formats + 2 * (bm.nformats == 1 ? 0 : i));
		int32_t oid = i < st->noids ? st->oids[i] : 0;
		char why[200] = "";
		if (fmt == 0 && plen > 0 && data[0] == '{' && (is_array_oid(oid) || (oid == 0 && param_is_list(c, st, i))))
			p->params[i] = array_param(data, (size_t)plen);
		else
			p->params[i] = pg_param_value(oid, fmt, data, (size_t)plen, why, sizeof(why));
		if (!p->params[i]) {
			snprintf(err, sizeof(err), "%s", why[0] ? why : "invalid parameter value");
			state = "22P02";
			goto fail;
		}
	}
	p->nformats = bm.nresults;
	p->bound_us = clock_mono_us();
	for (int i = 0; i < bm.nresults; i++)
		p->formats[i] = pg_be16(bm.results + 2 * i);
	struct pg_portal **slot = pg_find_portal(c, bm.portal);
	if (*slot) {
		if (bm.portal[0]) {
			snprintf(err, sizeof(err), "portal \"%s\" already exists", bm.portal);
			state = "42P03";
			goto fail;
		}
		struct pg_portal *old = *slot;
		*slot = old->next;
		pg_portal_free(c, old);
		slot = pg_find_portal(c, bm.portal);
	}
	*slot = p;
	size_t m = pgw_begin(&c->out, '2');
	pgw_end(&c->out, m);
	return;
fail:
	if (p)
		pg_portal_free(c, p);
	ext_error(c, state, err);
}

static void handle_describe(struct pg_conn *c, struct pgr *r)
{
	uint8_t what = pgr_byte(r);
	const char *name = pgr_str(r);
	if (!pgr_done(r) || (what != 'S' && what != 'P')) {
		ext_error(c, "08P01", "invalid Describe message");
		return;
	}
	if (what == 'S') {
		struct pg_stmt *st = *pg_find_stmt(c, name);
		if (!st) {
			char msg[300];
			snprintf(msg, sizeof(msg), "prepared statement \"%s\" does not exist", name);
			ext_error(c, "26000", msg);
			return;
		}
		pg_describe_statement(c, st);
		return;
	}
	struct pg_portal *p = *pg_find_portal(c, name);
	if (!p) {
		char msg[300];
		snprintf(msg, sizeof(msg), "portal \"%s\" does not exist", name);
		ext_error(c, "34000", msg);
		return;
	}
	pg_describe_portal(c, p);
}

static void handle_execute(struct pg_conn *c, struct pgr *r)
{
	const char *name = pgr_str(r);
	int32_t max_rows = pgr_int32(r);
	if (!pgr_done(r)) {
		ext_error(c, "08P01", "invalid Execute message");
		return;
	}
	struct pg_portal *p = *pg_find_portal(c, name);
	if (!p) {
		char msg[300];
		snprintf(msg, sizeof(msg), "portal \"%s\" does not exist", name);
		ext_error(c, "34000", msg);
		return;
	}
	pg_execute_portal(c, p, max_rows);
}

static void handle_close(struct pg_conn *c, struct pgr *r)
{
	uint8_t what = pgr_byte(r);
	const char *name = pgr_str(r);
	if (!pgr_done(r) || (what != 'S' && what != 'P')) {
		ext_error(c, "08P01", "invalid Close message");
		return;
	}
	if (what == 'S') {
		struct pg_stmt **slot = pg_find_stmt(c, name);
		if (*slot) {
			struct pg_stmt *st = *slot;
			*slot = st->next;
			pg_stmt_free(st);
		}
	} else {
		struct pg_portal **slot = pg_find_portal(c, name);
		if (*slot) {
			struct pg_portal *p = *slot;
			*slot = p->next;
			pg_portal_free(c, p);
		}
	}
	size_t m = pgw_begin(&c->out, '3');
	pgw_end(&c->out, m);
}

/* Sync ends an implicit transaction: the unnamed portal goes, a failed exchange is over. */
static void handle_sync(struct pg_conn *c)
{
	c->skip_to_sync = false;
	struct pg_portal **slot = pg_find_portal(c, "");
	if (*slot) {
		struct pg_portal *p = *slot;
		*slot = p->next;
		pg_portal_free(c, p);
	}
	pg_send_ready(c);
}

/* --- dispatch --------------------------------------------------------------------------------- */

static bool handle_message(struct pg_conn *c, char type, const unsigned char *p, size_t len)
{
	if (c->phase == PG_AUTH)
		return handle_auth(c, type, p, len);
	struct pgr r;
	pgr_init(&r, p, len);
	if (c->phase == PG_COPY_IN) {
		switch (type) {
		case 'd': pg_copy_data(c, p, len); return true;
		case 'c': pg_copy_done(c); return true;
		case 'f': pg_copy_fail(c, pgr_str(&r)); return true;
		case 'H': case 'S': return true; /* ignored during COPY, as PostgreSQL does */
		case 'X': return false;
		default:
			pg_copy_fail(c, "unexpected message during COPY");
			return fatal(c, "08P01", "unexpected message type during COPY from stdin");
		}
	}
	if (type == 'X')
		return false;
	if (c->skip_to_sync && type != 'S') {
		if (type == 'Q' || type == 'H')
			c->skip_to_sync = false;
		else
			return true;
	}
	switch (type) {
	case 'Q': {
		const char *sql = pgr_str(&r);
		if (!pgr_done(&r))
			return fatal(c, "08P01", "invalid Query message");
		pg_simple_query(c, sql);
		return pg_flush(c) == 0;
	}
	case 'P': handle_parse(c, p, len); return true;
	case 'B': handle_bind(c, p, len); return true;
	case 'D': handle_describe(c, &r); return true;
	case 'E': handle_execute(c, &r); return true;
	case 'C': handle_close(c, &r); return true;
	case 'S': handle_sync(c); return pg_flush(c) == 0;
	case 'H': return pg_flush(c) == 0;
	case 'F': ext_error(c, "0A000", "the function call protocol is not supported; call functions with SELECT"); return true;
	case 'd': case 'c': case 'f': return true; /* COPY messages after an ended COPY are ignored */
	default: {
		char msg[64];
		snprintf(msg, sizeof(msg), "invalid frontend message type %d", (unsigned char)type);
		return fatal(c, "08P01", msg);
	}
	}
}

size_t pg_message_max(const struct pg_conn *c)
{
	switch (c->phase) {
	case PG_STARTUP: return STARTUP_MAX;
	case PG_AUTH: return AUTH_MESSAGE_MAX;
	default: return (size_t)pg_server_config(c->srv)->pg_max_message;
	}
}

bool pg_conn_handle(struct pg_conn *c)
{
	bool keep = true;
	while (keep && c->phase != PG_HANDSHAKE && !atomic_load(&c->gone)) {
		size_t avail = c->in.len - c->in_off;
		const unsigned char *p = (const unsigned char *)c->in.data + c->in_off;
		size_t head = c->phase == PG_STARTUP ? 0 : 1;
		if (avail < head + 4)
			break;
		uint32_t len = (uint32_t)p[head] << 24 | (uint32_t)p[head + 1] << 16 | (uint32_t)p[head + 2] << 8 | p[head + 3];
		size_t max = pg_message_max(c);
		if (len < 4 || len > max || (c->phase == PG_STARTUP && len < 8)) {
			if (len > max && c->phase > PG_AUTH)
				return fatal(c, "54000", "message too long");
			return fatal(c, "08P01", "invalid message length");
		}
		if (avail < head + len)
			break;
		char type = head ? (char)p[0] : 0;
		const unsigned char *body = p + head + 4;
		size_t blen = len - 4;
		c->in_off += head + len;
		if (c->phase == PG_STARTUP) {
			if (c->in_off == c->in.len) { /* what follows an SSLRequest must come encrypted */
				c->in.len = c->in_off = 0;
			}
			keep = handle_startup(c, body, blen);
		} else {
			keep = handle_message(c, type, body, blen);
		}
		if (c->out.len > (1u << 18) && pg_flush(c) < 0)
			keep = false;
	}
	/* what is left is the start of the next message */
	if (c->in_off > 0) {
		buf_consume(&c->in, c->in_off);
		c->in_off = 0;
	}
	if (keep && c->phase != PG_AUTH && c->phase != PG_STARTUP && c->out.len && pg_flush(c) < 0)
		keep = false;
	if (keep && (c->phase == PG_AUTH || c->phase == PG_STARTUP) && c->out.len && pg_flush(c) < 0)
		keep = false;
	return keep && !atomic_load(&c->gone);
}

void pg_conn_release(struct pg_conn *c)
{
	while (c->portals) {
		struct pg_portal *p = c->portals;
		c->portals = p->next;
		pg_portal_free(c, p);
	}
	while (c->stmts) {
		struct pg_stmt *st = c->stmts;
		c->stmts = st->next;
		pg_stmt_free(st);
	}
	if (c->copy_file) {
		fclose(c->copy_file);
		c->copy_file = NULL;
		unlink(c->copy_path);
	}
	free(c->copy_target);
	free(c->copy_read);
	c->copy_target = c->copy_read = NULL;
	if (c->s) {
		engine_session_close(c->s);
		c->s = NULL;
	}
	pg_settings_free(c);
	buf_free(&c->startup_settings);
	free(c->startup_options);
	c->startup_options = NULL;
	OPENSSL_cleanse(&c->scram, sizeof(c->scram));
}
