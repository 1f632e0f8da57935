/* The Prometheus text exposition format (version 0.0.4): family headers, samples with escaped
 * label values, histograms with cumulative buckets. It only writes text; what is counted and
 * where lives in util/metrics.c and in the modules that sample their own state. */
#ifndef LAKEHOUSE_UTIL_PROM_H
#define LAKEHOUSE_UTIL_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help" and "# TYPE name type" (type: counter, gauge or histogram). */
void prom_family(buf *b, const char *name, const char *type, const char *help);

/* Labels of one sample: n (name, value) pairs; values are escaped, names must be valid. */
struct prom_label {
	const char *name;
	const char *value;
};

void prom_u64(buf *b, const char *name, const struct prom_label *labels, size_t n, uint64_t v);
void prom_i64(buf *b, const char *name, const struct prom_label *labels, size_t n, int64_t v);

/* One histogram's samples: name_bucket{...,le="…"} for each bound and +Inf (cumulative sums of
 * counts[0..nbounds], where counts[nbounds] is what lies above the last bound), name_sum (sum_us
 * as seconds) and name_count (the total of counts, so it always equals the +Inf bucket). */
void prom_histogram(buf *b, const char *name, const struct prom_label *labels, size_t n, const char *const *bounds,
                    size_t nbounds, const uint64_t *counts, uint64_t sum_us);

#endif
