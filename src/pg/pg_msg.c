/* Startup, Parse and Bind parsed with the bounded cursor of pg_wire.h; every count is checked
 * against the bytes left before anything is believed. */
#include "pg/pg_msg.h"

#include <stdio.h>
#include <string.h>

#include "pg/pg_wire.h"

int16_t pg_be16(const unsigned char *p) { return (int16_t)((uint16_t)p[0] << 8 | p[1]); }
int32_t pg_be32(const unsigned char *p) { return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]); }

static int bad(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -1;
}

#define SSL_REQUEST 80877103
#define GSSENC_REQUEST 80877104
#define CANCEL_REQUEST 80877102

int pg_parse_startup(const unsigned char *p, size_t len, struct pg_startup *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	out->user = out->database = out->options = "";
	struct pgr r;
	pgr_init(&r, p, len);
	out->code = pgr_int32(&r);
	if (r.bad)
		return bad(why, whylen, "invalid startup packet layout");
	if (out->code == SSL_REQUEST || out->code == GSSENC_REQUEST)
		return pgr_done(&r) ? 0 : bad(why, whylen, "invalid startup packet layout");
	if (out->code == CANCEL_REQUEST) {
		out->cancel_pid = pgr_int32(&r);
		out->cancel_secret = pgr_int32(&r);
		return pgr_done(&r) ? 0 : bad(why, whylen, "invalid cancel request");
	}
	if ((out->code >> 16) != 3)
		return 0; /* the caller answers an unknown protocol */
	int nparams = 0;
	while (pgr_left(&r) > 1) {
		const char *name = pgr_str(&r), *value = pgr_str(&r);
		if (r.bad || ++nparams > PG_STARTUP_MAX_PARAMS)
			return bad(why, whylen, "invalid startup packet layout");
		if (!strcmp(name, "user"))
			out->user = value;
		else if (!strcmp(name, "database"))
			out->database = value;
		else if (!strcmp(name, "options"))
			out->options = value;
		else if (!strncmp(name, "_pq_.", 5)) {
			if (out->nunknown < 16)
				out->unknown[out->nunknown++] = name;
		} else if (strcmp(name, "replication") != 0) {
			out->names[out->nsettings] = name;
			out->values[out->nsettings++] = value;
		}
	}
	if (pgr_byte(&r) != 0 || !pgr_done(&r))
		return bad(why, whylen, "invalid startup packet layout: expected terminator as last byte");
	return 0;
}

int pg_parse_parse(const unsigned char *p, size_t len, struct pg_parse_msg *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	struct pgr r;
	pgr_init(&r, p, len);
	out->name = pgr_str(&r);
	out->sql = pgr_str(&r);
	int16_t n = pgr_int16(&r);
	if (r.bad || n < 0 || (size_t)n * 4 != pgr_left(&r))
		return bad(why, whylen, "invalid Parse message");
	out->nparams = n;
	out->oids = pgr_bytes(&r, (size_t)n * 4);
	return pgr_done(&r) ? 0 : bad(why, whylen, "invalid Parse message");
}

int pg_parse_bind(const unsigned char *p, size_t len, struct pg_bind_msg *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	struct pgr r;
	pgr_init(&r, p, len);
	out->portal = pgr_str(&r);
	out->stmt = pgr_str(&r);
	int16_t nfmt = pgr_int16(&r);
	if (r.bad || nfmt < 0 || (size_t)nfmt * 2 > pgr_left(&r))
		return bad(why, whylen, "invalid Bind message");
	out->nformats = nfmt;
	out->formats = pgr_bytes(&r, (size_t)nfmt * 2);
	for (int i = 0; i < nfmt; i++) {
		int16_t f = pg_be16(out->formats + 2 * i);
		if (f != 0 && f != 1)
			return bad(why, whylen, "unsupported parameter format code");
	}
	int16_t nparams = pgr_int16(&r);
	if (r.bad || nparams < 0 || (nfmt > 1 && nfmt != nparams))
		return bad(why, whylen, "invalid Bind message: parameter formats do not match the parameters");
	out->nparams = nparams;
	out->params = r.p + r.pos;
	for (int i = 0; i < nparams; i++) {
		int32_t n = pgr_int32(&r);
		if (r.bad || n < -1 || (n > 0 && !pgr_bytes(&r, (size_t)n)))
			return bad(why, whylen, "invalid Bind message: bad parameter length");
	}
	int16_t nres = pgr_int16(&r);
	if (r.bad || nres < 0 || (size_t)nres * 2 != pgr_left(&r))
		return bad(why, whylen, "invalid Bind message");
	out->nresults = nres;
	out->results = pgr_bytes(&r, (size_t)nres * 2);
	for (int i = 0; i < nres; i++) {
		int16_t f = pg_be16(out->results + 2 * i);
		if (f != 0 && f != 1)
			return bad(why, whylen, "unsupported result format code");
	}
	return pgr_done(&r) ? 0 : bad(why, whylen, "invalid Bind message");
}

const unsigned char *pg_bind_param(const struct pg_bind_msg *b, size_t *pos, int32_t *len)
{
	/* pg_parse_bind checked every length: the walk stays inside the message */
	*len = pg_be32(b->params + *pos);
	*pos += 4;
	const unsigned char *v = *len >= 0 ? b->params + *pos : NULL;
	if (*len > 0)
		*pos += (size_t)*len;
	return v;
}
