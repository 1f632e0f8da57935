/* Calendar arithmetic and the text forms of dates, times and intervals used on every wire. */
#ifndef LAKEHOUSE_UTIL_TIMEFMT_H
#define LAKEHOUSE_UTIL_TIMEFMT_H

#include <stdint.h>

#include "util/buf.h"

/* Days since 1970-01-01 to a proleptic Gregorian date (year 0 = 1 BC). */
void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

/* "2024-01-02" ("0044-03-15 (BC)" before year 1). */
void fmt_date(buf *b, int64_t days);
/* "HH:MM:SS" plus ".fff…" with trailing zeros trimmed; sub is the fraction in units of 10^-digits s. */
void fmt_clock(buf *b, int64_t seconds_of_day, int64_t sub, int digits);
/* "YYYY-MM-DDTHH:MM:SS[.frac]"; value counts units of 10^-digits seconds since the epoch. */
void fmt_timestamp(buf *b, int64_t value, int digits);
/* "+hh:mm" or "Z" for zero when z_for_utc. */
void fmt_offset(buf *b, int32_t offset_seconds, int z_for_utc);
/* DuckDB's interval text: "1 year 2 months 3 days 04:05:06.5", "00:00:00" when empty. */
void fmt_interval(buf *b, int32_t months, int32_t days, int64_t micros);

#endif
