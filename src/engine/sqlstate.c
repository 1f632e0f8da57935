/* DuckDB error head → SQLSTATE. Unknown heads map to XX000 (internal error). */
#include "engine/sqlstate.h"

#include <string.h>
#include <strings.h>

static int has_head(const char *msg, const char *head)
{
	size_t n = strlen(head);
	return strncasecmp(msg, head, n) == 0 && msg[n] == ':';
}

const char *sqlstate_for_message(const char *msg)
{
	static const struct {
		const char *head;
		const char *state;
	} map[] = {
		{"Parser Error", "42601"}, {"Syntax Error", "42601"}, {"Conversion Error", "22018"},
		{"Out of Range Error", "22003"}, {"Permission Error", "42501"}, {"INTERRUPT Error", "57014"},
		{"Interrupt Error", "57014"}, {"Out of Memory Error", "53200"}, {"IO Error", "58030"},
		{"Invalid Input Error", "22023"}, {"Not implemented Error", "0A000"}, {"Sequence Error", "2200H"},
		{"Dependency Error", "2BP01"}, {"Parameter Not Resolved Error", "42P02"},
		{"Parameter Not Allowed Error", "42P02"}, {"Settings Error", "22023"},
		{"Invalid Configuration Error", "22023"}, {"Invalid type Error", "42804"}, {"Mismatch Type Error", "42804"},
		{"Type Error", "42804"}, {"Decimal Error", "22003"}, {"Expression Error", "42000"},
		{"Serialization Error", "40001"}, {"Internal Error", "XX000"}, {"FATAL Error", "XX000"},
	};
	if (!msg)
		return "XX000";
	if (strstr(msg, "ivision by zero") || strstr(msg, "ivide by zero"))
		return "22012";
	if (has_head(msg, "Catalog Error"))
		return strstr(msg, "already exists") ? "42P07" : "42P01";
	if (has_head(msg, "Binder Error"))
		return strstr(msg, "column") ? "42703" : "42000";
	if (has_head(msg, "Constraint Error")) {
		if (strstr(msg, "NOT NULL"))
			return "23502";
		if (strstr(msg, "unique") || strstr(msg, "primary key") || strstr(msg, "Duplicate key"))
			return "23505";
		return "23000";
	}
	if (has_head(msg, "TransactionContext Error") || has_head(msg, "Transaction Error"))
		return strstr(msg, "onflict") ? "40001" : "25000";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (has_head(msg, map[i].head))
			return map[i].state;
	return "XX000";
}
