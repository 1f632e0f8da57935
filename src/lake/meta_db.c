/* Chooses the metadata driver from the target's form. */
#include <string.h>

#include "lake/meta_db.h"

struct meta_db *meta_db_open(const char *target, char *err, size_t errlen)
{
	if (!strncmp(target, "postgres://", 11) || !strncmp(target, "postgresql://", 13) || strstr(target, "host="))
		return meta_postgres_open(target, err, errlen);
	return meta_sqlite_open(target, err, errlen);
}
