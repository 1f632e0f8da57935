/* SQL cursors for PostgreSQL clients. DECLARE runs the query to its end and keeps each row
 * encoded in both of PostgreSQL's formats in a row store (pg_rowstore.c: memory, then a file), so
 * the session's other statements leave the cursor readable, it holds no worker slot while the
 * client waits between fetches, FETCH may ask for text or binary, and the cursor scrolls both
 * ways (docs/DECISIONS.md 41). What the cursors of one connection keep is bounded. */
#include "pg/pg_cursor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/statement_head.h"
#include "pg/pg_rowstore.h"
#include "pg/pg_sqlcmd.h"
#include "pg/pg_wire.h"
#include "util/tz.h"

/* What the cursors of one connection may keep, in encoded bytes. */
#define PG_CURSOR_MAX_BYTES (4ull << 30)

struct cursor_col {
	char *name;
	int32_t oid;
	int16_t typlen;
	int32_t typmod;
};

struct pg_cursor {
	struct pg_rowstore rows;
	idx_t ncols;
	struct cursor_col *cols;
	int16_t format;  /* a BINARY cursor's: 1 */
	bool no_scroll;  /* NO SCROLL: backward moves are refused, as PostgreSQL does */
	bool hold;       /* WITH HOLD: survives the COMMIT of its transaction */
	bool new_in_txn; /* declared in the open transaction: its ROLLBACK closes it even WITH HOLD */
	uint64_t pos;    /* 0 before the first row, 1…n on row n, n + 1 after the last */
	uint64_t bytes;  /* counted in the connection's cursor_bytes */
};

static void fail(struct pg_conn *c, bool *failed, const char *state, const char *fmt, const char *arg)
{
	char msg[300];
	snprintf(msg, sizeof(msg), fmt, arg);
	pg_send_error(c, "ERROR", state, msg, NULL, NULL, 0);
	*failed = true;
}

static void set_error(struct eng_error *err, const char *state, const char *msg)
{
	err->status = ENG_OK;
	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
	snprintf(err->message, sizeof(err->message), "%s", msg);
}

void pg_cursor_free(struct pg_conn *c, struct pg_cursor *k)
{
	if (!k)
		return;
	pg_rowstore_free(&k->rows);
	for (idx_t i = 0; k->cols && i < k->ncols; i++)
		free(k->cols[i].name);
	free(k->cols);
	c->cursor_bytes -= k->bytes;
	free(k);
}

static struct pg_portal *find_cursor(struct pg_conn *c, const char *name)
{
	struct pg_portal *p = *pg_find_portal(c, name);
	return p && p->cursor ? p : NULL;
}

static void drop_portal(struct pg_conn *c, struct pg_portal *p)
{
	for (struct pg_portal **slot = &c->portals; *slot; slot = &(*slot)->next)
		if (*slot == p) {
			*slot = p->next;
			pg_portal_free(c, p);
			return;
		}
}

/* --- DECLARE -------------------------------------------------------------------------------------- */

/* Every row of q into k, each column as its text then its binary field. -1 with err filled. */
static int store_rows(struct pg_conn *c, struct eng_query *q, struct pg_cursor *k, const struct pg_column *cols,
                      struct eng_error *err)
{
	const struct tz *zone = tz_get(engine_session_timezone(c->s));
	buf rec;
	buf_init(&rec);
	int rc = 0;
	duckdb_data_chunk ch;
	while (rc == 0 && (ch = engine_query_fetch(q, err))) {
		idx_t n = duckdb_data_chunk_get_size(ch);
		for (idx_t r = 0; r < n && rc == 0; r++) {
			buf_reset(&rec);
			for (idx_t col = 0; col < k->ncols; col++) {
				duckdb_vector v = duckdb_data_chunk_get_vector(ch, col);
				pg_column_value(&rec, &cols[col], v, r, 0, zone);
				pg_column_value(&rec, &cols[col], v, r, 1, zone);
			}
			uint64_t before = pg_rowstore_bytes(&k->rows);
			if (buf_failed(&rec)) {
				set_error(err, "53200", "out of memory");
				rc = -1;
			} else if (c->cursor_bytes + before + rec.len + 4 > PG_CURSOR_MAX_BYTES) {
				set_error(err, "54000", "the cursors of this connection would hold more than 4 GiB");
				rc = -1;
			} else if (pg_rowstore_append(&k->rows, rec.data, rec.len) < 0) {
				char msg[200];
				snprintf(msg, sizeof(msg), "cannot keep the cursor's rows: %s", strerror(errno));
				set_error(err, errno == ENOSPC ? "53100" : "58030", msg);
				rc = -1;
			}
		}
		engine_query_add_rows(q, n);
		duckdb_destroy_data_chunk(&ch);
	}
	if (rc == 0 && err->message[0])
		rc = -1; /* the query failed while its rows came */
	buf_free(&rec);
	return rc;
}

/* The names and descriptions of q's columns into k. -1 with err filled. */
static int describe(struct pg_cursor *k, struct eng_query *q, const struct pg_column *cols, struct eng_error *err)
{
	k->ncols = engine_query_column_count(q);
	if (!(k->cols = calloc(k->ncols ? k->ncols : 1, sizeof(*k->cols)))) {
		k->ncols = 0;
		set_error(err, "53200", "out of memory");
		return -1;
	}
	for (idx_t i = 0; i < k->ncols; i++) {
		const char *name = engine_query_column_name(q, i);
		k->cols[i] = (struct cursor_col){.oid = cols[i].oid, .typlen = cols[i].typlen, .typmod = cols[i].typmod};
		if (!(k->cols[i].name = strdup(name ? name : "?column?"))) {
			set_error(err, "53200", "out of memory");
			return -1;
		}
	}
	return 0;
}

/* Runs the cursor's query into k. -1 after the error was sent. */
static int fill(struct pg_conn *c, struct pg_cursor *k, const char *query, struct pg_portal *via)
{
	struct eng_error err = {0};
	struct eng_query *q = pg_begin_query(c, query, via ? via->params : NULL, via ? via->nparams : 0, &err);
	if (!q) {
		pg_query_error(c, &err, query);
		return -1;
	}
	idx_t ncols = engine_query_column_count(q);
	struct pg_column *cols = NULL;
	int rc = -1;
	if (engine_query_result_type(q) != DUCKDB_RESULT_TYPE_QUERY_RESULT)
		set_error(&err, "42601", "a cursor's statement must be a query (SELECT, VALUES, …)");
	else if (pg_query_row_description(c, q, NULL, 0, &cols, false) < 0)
		set_error(&err, "53200", "out of memory");
	else if (describe(k, q, cols, &err) == 0)
		rc = store_rows(c, q, k, cols, &err);
	for (idx_t i = 0; cols && i < ncols; i++)
		pg_column_free(&cols[i]);
	free(cols);
	pg_end_query(c, q, rc < 0 ? err.message : NULL);
	if (rc < 0)
		pg_query_error(c, &err, query);
	return rc;
}

void pg_cursor_declare(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool *failed)
{
	struct pg_declare d;
	char why[200];
	if (pg_parse_declare(sql, len, &d, why, sizeof(why)) < 0) {
		fail(c, failed, "42601", "%s", why);
		return;
	}
	if (!d.hold && c->txn == 'I') {
		fail(c, failed, "25P01", "%s", "DECLARE CURSOR can only be used in transaction blocks");
		return;
	}
	if (*pg_find_portal(c, d.name)) {
		fail(c, failed, "42P03", "cursor \"%s\" already exists", d.name);
		return;
	}
	struct stmt_head h;
	if (stmt_head_parse(sql + d.query.start, d.query.len, &h) < 0 || h.kind != STMT_SELECT) {
		fail(c, failed, "42601", "%s", "a cursor's statement must be a query (SELECT, VALUES, …)");
		return;
	}
	struct pg_portal *p = calloc(1, sizeof(*p));
	struct pg_cursor *k = calloc(1, sizeof(*k));
	char *query = strndup(sql + d.query.start, d.query.len);
	if (!p || !k || !query || !(p->name = strdup(d.name)) || !(p->sql = strdup(query)) ||
	    !(p->formats = calloc(1, sizeof(*p->formats)))) {
		free(query);
		free(k);
		if (p)
			pg_portal_free(c, p);
		fail(c, failed, "53200", "%s", "out of memory");
		return;
	}
	pg_rowstore_init(&k->rows, engine_session_staging_dir(c->s));
	k->format = d.binary ? 1 : 0;
	k->no_scroll = d.no_scroll;
	k->hold = d.hold;
	k->new_in_txn = c->txn != 'I';
	p->cursor = k; /* freed with the portal from here on */
	p->formats[0] = k->format;
	p->nformats = 1;
	p->started = p->done = true;
	if (fill(c, k, query, via) < 0) {
		free(query);
		pg_portal_free(c, p);
		*failed = true;
		return;
	}
	free(query);
	k->bytes = pg_rowstore_bytes(&k->rows);
	c->cursor_bytes += k->bytes;
	p->next = c->portals;
	c->portals = p;
	pg_command_complete(c, "DECLARE CURSOR");
}

/* --- FETCH and MOVE ------------------------------------------------------------------------------ */

/* What a FETCH does from the cursor's position: count rows from row first (1-based) one step at a
 * time in direction step, leaving the cursor at to; back when it reads behind where it is. */
struct move {
	uint64_t first, count, to;
	int step;
	bool back;
};

static struct move plan(const struct pg_fetch *f, uint64_t pos, uint64_t n)
{
	struct move m = {.to = pos, .step = 1};
	int64_t k = f->count;
	bool current = !f->all && k == 0 && (f->dir == PG_FETCH_FORWARD || f->dir == PG_FETCH_BACKWARD);
	if (current || (f->dir == PG_FETCH_RELATIVE && k == 0)) { /* the current row again */
		m.back = true;
		if (pos >= 1 && pos <= n)
			m.first = pos, m.count = 1;
		return m;
	}
	if (f->dir == PG_FETCH_FORWARD) {
		uint64_t avail = pos >= n ? 0 : n - pos;
		m.first = pos + 1;
		m.count = f->all || (uint64_t)k > avail ? avail : (uint64_t)k;
		m.to = f->all || (uint64_t)k > avail ? n + 1 : pos + (uint64_t)k;
		return m;
	}
	if (f->dir == PG_FETCH_BACKWARD) {
		uint64_t avail = pos == 0 ? 0 : pos - 1;
		m.back = true;
		m.step = -1;
		m.first = pos - 1;
		m.count = f->all || (uint64_t)k > avail ? avail : (uint64_t)k;
		m.to = f->all || (uint64_t)k >= pos ? 0 : pos - (uint64_t)k;
		return m;
	}
	/* ABSOLUTE and RELATIVE: to one row, or before the first / after the last when there is none */
	uint64_t target = 0;
	bool before = false, after = false;
	if (f->dir == PG_FETCH_ABSOLUTE) {
		if (k > 0)
			after = (uint64_t)k > n, target = (uint64_t)k;
		else if (k < 0)
			before = (uint64_t)-k > n, target = n + 1 - (uint64_t)-k;
		else
			before = true;
		m.back = k <= 0 || target <= pos;
	} else if (k > 0) {
		after = pos >= n || (uint64_t)k > n - pos, target = pos + (uint64_t)k;
	} else {
		before = (uint64_t)-k >= pos, target = pos - (uint64_t)-k;
		m.back = true;
	}
	if (before || after) {
		m.to = before ? 0 : n + 1;
		return m;
	}
	m.first = m.to = target;
	m.count = 1;
	return m;
}

static void row_description(struct pg_conn *c, const struct pg_cursor *k, const int16_t *formats, int nformats)
{
	size_t m = pgw_begin(&c->out, 'T');
	pgw_int16(&c->out, (int16_t)k->ncols);
	for (idx_t i = 0; i < k->ncols; i++) {
		pgw_str(&c->out, k->cols[i].name);
		pgw_int32(&c->out, 0);
		pgw_int16(&c->out, 0);
		pgw_int32(&c->out, k->cols[i].oid);
		pgw_int16(&c->out, k->cols[i].typlen);
		pgw_int32(&c->out, k->cols[i].typmod);
		pgw_int16(&c->out, pgw_format_of(formats, nformats, i));
	}
	pgw_end(&c->out, m);
}

/* One field of a stored record at *at: its length (-1: NULL) and bytes; false past the end. */
static bool field(const unsigned char *rec, size_t len, size_t *at, int32_t *n, const unsigned char **bytes)
{
	if (len - *at < 4)
		return false;
	*n = (int32_t)((uint32_t)rec[*at] << 24 | (uint32_t)rec[*at + 1] << 16 | (uint32_t)rec[*at + 2] << 8 | rec[*at + 3]);
	*at += 4;
	*bytes = rec + *at;
	if (*n > 0) {
		if ((size_t)*n > len - *at)
			return false;
		*at += (size_t)*n;
	}
	return true;
}

/* DataRows of the rows m reads; -1 with err filled. */
static int send_rows(struct pg_conn *c, struct pg_cursor *k, const struct move *m, const int16_t *formats,
                     int nformats, struct eng_error *err)
{
	uint64_t row = m->first;
	for (uint64_t i = 0; i < m->count; i++, row += (uint64_t)(int64_t)m->step) {
		size_t len, at = 0;
		const unsigned char *rec = pg_rowstore_get(&k->rows, row - 1, &len);
		if (!rec) {
			char msg[200];
			snprintf(msg, sizeof(msg), "cannot read the cursor's rows: %s", strerror(errno));
			set_error(err, "58030", msg);
			return -1;
		}
		size_t dm = pgw_begin(&c->out, 'D');
		pgw_int16(&c->out, (int16_t)k->ncols);
		for (idx_t col = 0; col < k->ncols; col++) {
			int32_t tn, bn;
			const unsigned char *tb, *bb;
			if (!field(rec, len, &at, &tn, &tb) || !field(rec, len, &at, &bn, &bb)) {
				set_error(err, "XX001", "a cursor's stored row is damaged");
				c->out.len = dm;
				return -1;
			}
			bool binary = pgw_format_of(formats, nformats, col) == 1;
			int32_t n = binary ? bn : tn;
			pgw_int32(&c->out, n);
			if (n > 0)
				pgw_bytes(&c->out, binary ? bb : tb, (size_t)n);
		}
		pgw_end(&c->out, dm);
		if (c->out.len > (1u << 18) && pg_flush(c) < 0) {
			set_error(err, "08006", "client gone");
			return -1;
		}
	}
	return 0;
}

void pg_cursor_fetch(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool move, bool *failed)
{
	struct pg_fetch f;
	char why[200];
	if (pg_parse_fetch(sql, len, &f, why, sizeof(why)) < 0) {
		fail(c, failed, "42601", "%s", why);
		return;
	}
	struct pg_portal *p = find_cursor(c, f.name);
	if (!p) {
		fail(c, failed, "34000", "cursor \"%s\" does not exist", f.name);
		return;
	}
	struct pg_cursor *k = p->cursor;
	struct move m = plan(&f, k->pos, k->rows.nrows);
	if (m.back && k->no_scroll) {
		pg_send_error(c, "ERROR", "55000", "cursor can only scan forward", NULL,
		              "Declare it with SCROLL option to enable backward scan.", 0);
		*failed = true;
		return;
	}
	char tag[48];
	if (!move) {
		/* the result formats: those of this FETCH's Bind in the extended protocol, else the cursor's */
		const int16_t *formats = via && via->nformats ? via->formats : p->formats;
		int nformats = via && via->nformats ? via->nformats : p->nformats;
		if (!c->extended)
			row_description(c, k, formats, nformats);
		struct eng_error err = {0};
		if (send_rows(c, k, &m, formats, nformats, &err) < 0) {
			pg_send_engine_error(c, &err, NULL);
			drop_portal(c, p);
			*failed = true;
			return;
		}
	}
	k->pos = m.to;
	snprintf(tag, sizeof(tag), "%s %llu", move ? "MOVE" : "FETCH", (unsigned long long)m.count);
	pg_command_complete(c, tag);
}

bool pg_cursor_describe_fetch(struct pg_conn *c, const char *sql, const int16_t *formats, int nformats)
{
	size_t len = strlen(sql);
	struct pg_fetch f;
	char why[200];
	if (pg_sqlcmd_kind(sql, len) != PG_CMD_FETCH || pg_parse_fetch(sql, len, &f, why, sizeof(why)) < 0)
		return false;
	struct pg_portal *p = find_cursor(c, f.name);
	if (!p)
		return false;
	row_description(c, p->cursor, formats, nformats);
	return true;
}

void pg_cursor_describe_portal(struct pg_conn *c, struct pg_portal *p)
{
	row_description(c, p->cursor, p->formats, p->nformats);
}

void pg_cursor_execute(struct pg_conn *c, struct pg_portal *p, int32_t max_rows)
{
	struct pg_cursor *k = p->cursor;
	struct pg_fetch f = {.dir = PG_FETCH_FORWARD, .all = max_rows <= 0, .count = max_rows};
	struct move m = plan(&f, k->pos, k->rows.nrows);
	struct eng_error err = {0};
	if (send_rows(c, k, &m, p->formats, p->nformats, &err) < 0) {
		pg_send_engine_error(c, &err, NULL);
		drop_portal(c, p);
		c->skip_to_sync = true;
		if (c->txn == 'T')
			c->txn = 'E';
		return;
	}
	k->pos = m.to;
	if (k->pos < k->rows.nrows) {
		size_t s = pgw_begin(&c->out, 's');
		pgw_end(&c->out, s);
		return;
	}
	char tag[48];
	snprintf(tag, sizeof(tag), "SELECT %llu", (unsigned long long)m.count);
	pg_command_complete(c, tag);
}

/* --- CLOSE and the end of a transaction ---------------------------------------------------------- */

void pg_cursor_close_all(struct pg_conn *c)
{
	for (struct pg_portal **slot = &c->portals; *slot;) {
		struct pg_portal *p = *slot;
		if (p->cursor) {
			*slot = p->next;
			pg_portal_free(c, p);
		} else {
			slot = &p->next;
		}
	}
}

void pg_cursor_close(struct pg_conn *c, const char *sql, size_t len, bool *failed)
{
	struct pg_target t;
	char why[200];
	if (pg_parse_close(sql, len, &t, why, sizeof(why)) < 0) {
		fail(c, failed, "42601", "%s", why);
		return;
	}
	if (t.all) {
		pg_cursor_close_all(c);
	} else {
		struct pg_portal *p = find_cursor(c, t.name);
		if (!p) {
			fail(c, failed, "34000", "cursor \"%s\" does not exist", t.name);
			return;
		}
		drop_portal(c, p);
	}
	pg_command_complete(c, "CLOSE CURSOR");
}

void pg_cursors_txn_end(struct pg_conn *c, bool committed)
{
	for (struct pg_portal **slot = &c->portals; *slot;) {
		struct pg_portal *p = *slot;
		struct pg_cursor *k = p->cursor;
		if (!k || (k->hold && (committed || !k->new_in_txn))) {
			if (k)
				k->new_in_txn = false;
			slot = &p->next;
		} else {
			*slot = p->next;
			pg_portal_free(c, p);
		}
	}
}
