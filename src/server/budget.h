/* The server's memory budget: how much the machine (or the cgroup the server runs in) lets it use,
 * and how that is shared among the workers so that all of them at once stay within it. The
 * parsers and the split are pure functions over text and numbers (unit-tested with sample
 * files); only budget_probe reads /proc, /sys and the file system. */
#ifndef LAKEHOUSE_SERVER_BUDGET_H
#define LAKEHOUSE_SERVER_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/config.h"

#define BUDGET_WORKER_MIN (64LL << 20) /* smallest memory_limit a worker gets or may be given */

/* What the machine says; 0 where it says nothing. */
struct budget_machine {
	int64_t ram;       /* MemTotal */
	int64_t cgroup;    /* tightest memory limit of the server's cgroup and its ancestors */
	int64_t disk_free; /* space unprivileged processes may still use under the data directory */
};

/* "MemTotal: N kB" of /proc/meminfo, in bytes; -1 when absent. */
int budget_parse_meminfo(const char *text, int64_t *out);
/* A cgroup v2 memory.max or v1 memory.limit_in_bytes: 0 for "max" or v1's huge "unlimited"
 * value (no limit), else the number; -1 when it is neither. */
int budget_parse_cgroup_limit(const char *text, int64_t *out);
/* Where the memory controller's folder of this process is, from /proc/self/cgroup and
 * /proc/self/mountinfo: the cgroup v2 folder when the unified hierarchy has one, else the v1
 * memory folder. *v2 says which. `top` receives the mount point, above which limits cannot be
 * read. -1 when neither is mounted. */
int budget_cgroup_dir(const char *proc_cgroup, const char *mountinfo, char *dir, size_t dirlen, char *top,
                      size_t toplen, bool *v2);

/* Reads the machine: RAM, cgroup limits (walking up to the mount point), free disk space. */
void budget_probe(const char *data_dir, struct budget_machine *m);

/* The budget the server keeps for itself out of `budget`: its buffers, the metadata store,
 * the cache's bookkeeping, libduckdb's own footprint, and the allocator's slack. */
int64_t budget_reserve(int64_t budget);

/* Fills the workers' memory_bytes, flush_bytes and spill_bytes that are still -1 (not given
 * explicitly) from the memory budget and the free disk space, and the flush thresholds of the
 * explicit ones. Fails with a message when the explicit limits leave too little for the others. */
int budget_split(int64_t budget, int64_t disk_free, struct config_worker w[COMPUTE_SIZES], char *err,
                 size_t errlen);
/* Bytes one worker may hold at most: its memory_limit plus what its threads' allocator caches
 * may keep outside it. */
int64_t budget_footprint(const struct config_worker *w);

#endif
