/* Parsers of the PostgreSQL frontend messages with structure: the startup packet, Parse and Bind.
 * Pure functions over (bytes, length) that validate everything and point into the message (nothing
 * is copied or allocated), so a fuzz target can call them directly. */
#ifndef LAKEHOUSE_PG_PG_MSG_H
#define LAKEHOUSE_PG_PG_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PG_STARTUP_MAX_PARAMS 64
#define PG_MAX_PARAMS 32767

struct pg_startup {
	int32_t code; /* protocol version, or the SSLRequest / GSSENCRequest / CancelRequest code */
	int32_t cancel_pid, cancel_secret;
	const char *user, *database, *options;
	const char *unknown[16]; /* _pq_. protocol options the server does not know */
	int nunknown;
	/* every other parameter (application_name, client_encoding, TimeZone, DateStyle, …) */
	const char *names[PG_STARTUP_MAX_PARAMS], *values[PG_STARTUP_MAX_PARAMS];
	int nsettings;
};

/* The body of a startup-phase packet (after its length). -1 with why when malformed. */
int pg_parse_startup(const unsigned char *p, size_t len, struct pg_startup *out, char *why, size_t whylen);

struct pg_parse_msg {
	const char *name, *sql;
	int nparams;
	const unsigned char *oids; /* nparams big-endian int32 */
};

int pg_parse_parse(const unsigned char *p, size_t len, struct pg_parse_msg *out, char *why, size_t whylen);

struct pg_bind_msg {
	const char *portal, *stmt;
	int nformats;
	const unsigned char *formats; /* nformats big-endian int16 */
	int nparams;
	const unsigned char *params;  /* nparams × (int32 length, bytes), length -1 for NULL */
	int nresults;
	const unsigned char *results; /* nresults big-endian int16 */
};

int pg_parse_bind(const unsigned char *p, size_t len, struct pg_bind_msg *out, char *why, size_t whylen);
/* Walks the parameters of a parsed Bind: returns the next one's bytes (NULL for SQL NULL) and
 * length; *pos starts at 0. */
const unsigned char *pg_bind_param(const struct pg_bind_msg *b, size_t *pos, int32_t *len);
int16_t pg_be16(const unsigned char *p);
int32_t pg_be32(const unsigned char *p);

#endif
