/* SQLSTATE codes for DuckDB errors, derived from the "<Kind> Error:" head of the message so the
 * same cause reaches REST, PostgreSQL and Flight clients with the same code. */
#ifndef LAKEHOUSE_ENGINE_SQLSTATE_H
#define LAKEHOUSE_ENGINE_SQLSTATE_H

const char *sqlstate_for_message(const char *msg);

#endif
