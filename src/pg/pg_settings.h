/* PostgreSQL's run-time parameters as a session of this server has them: set in the startup
 * packet, by `options` (-c name=value, --name=value) or by SET, reset by RESET, shown by SHOW,
 * and reported in ParameterStatus when they are of the kind PostgreSQL reports (GUC_REPORT).
 * DuckDB's own settings pass through to DuckDB. Only src/pg includes this. */
#ifndef LAKEHOUSE_PG_PG_SETTINGS_H
#define LAKEHOUSE_PG_PG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

struct pg_conn;

/* The session's parameters at their defaults (before login); -1 when out of memory. */
int pg_settings_init(struct pg_conn *c);
void pg_settings_free(struct pg_conn *c);
/* Applies the parameters of the startup packet and its options once the session exists (their
 * values become what RESET returns to, as in PostgreSQL); -1 with a SQLSTATE and message for
 * the FATAL answer. settings holds name\0value\0 pairs, options the options parameter. */
int pg_settings_startup(struct pg_conn *c, const char *settings, size_t len, const char *options, char state[6],
                        char *msg, size_t msglen);
/* ParameterStatus of every reported parameter (at the end of login). */
void pg_settings_report_all(struct pg_conn *c);
/* SET / RESET / SET TIME ZONE / SET NAMES / SET SESSION AUTHORIZATION … of PostgreSQL's
 * parameters, answered here; false when the statement is not one (DuckDB's own settings). */
bool pg_settings_statement(struct pg_conn *c, const char *sql, size_t len, bool *failed);
/* SHOW name / SHOW ALL of PostgreSQL's parameters; false when not one of them. */
bool pg_settings_show(struct pg_conn *c, const char *sql, size_t len, bool *failed);
/* The columns SHOW gives for one of PostgreSQL's parameters (names point into static text), at
 * most max (3 or more); 0 when the statement is not such a SHOW. */
int pg_settings_show_columns(const char *sql, size_t len, const char **names, int max);
/* RESET ALL: every parameter back to its session default, changes reported. */
void pg_settings_reset_all(struct pg_conn *c);

#endif
