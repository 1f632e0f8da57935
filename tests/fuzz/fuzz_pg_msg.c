/* Fuzz target for what a PostgreSQL client sends before and after login: startup packets, Parse
 * and Bind messages (with their parameter walk), SCRAM client messages, and statements and
 * parameters through the lexical pass and the array syntax. None may read outside the input or
 * accept an inconsistent message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_msg.h"
#include "pg/pg_rewrite.h"
#include "pg/pg_scram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const unsigned char *p = data + 1;
	size_t len = size - 1;
	char why[128];
	switch (data[0] % 5) {
	case 0: {
		struct pg_startup st;
		pg_parse_startup(p, len, &st, why, sizeof(why));
		break;
	}
	case 1: {
		struct pg_parse_msg m;
		if (pg_parse_parse(p, len, &m, why, sizeof(why)) == 0 && (m.nparams < 0 || strlen(m.sql) >= len))
			__builtin_trap();
		break;
	}
	case 2: {
		struct pg_bind_msg b;
		if (pg_parse_bind(p, len, &b, why, sizeof(why)) == 0) {
			size_t pos = 0;
			for (int i = 0; i < b.nparams; i++) {
				int32_t n;
				const unsigned char *v = pg_bind_param(&b, &pos, &n);
				if (v && (v < p || v + n > p + len))
					__builtin_trap();
			}
		}
		break;
	}
	case 3: {
		free(pg_compat_rewrite((const char *)p, len));
		buf out;
		buf_init(&out);
		if (!pg_array_text_to_list((const char *)p, len, &out) && out.len != 0)
			__builtin_trap();
		buf_free(&out);
		break;
	}
	default: {
		/* SCRAM: the input split into a client-first and a client-final message */
		size_t half = len / 2;
		unsigned char salted[SCRAM_KEY_LEN] = {1}, salt[16] = {2}, cb[32] = {3};
		struct pg_scram s;
		buf out;
		buf_init(&out);
		if (pg_scram_first(&s, (len & 1) ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256", true, cb, sizeof(cb), salted, salt,
		                   sizeof(salt), 1, "nonce", (const char *)p, half, &out, why, sizeof(why)) == 0) {
			buf_reset(&out);
			pg_scram_final(&s, (const char *)p + half, len - half, &out, why, sizeof(why));
		}
		buf_free(&out);
		break;
	}
	}
	return 0;
}
