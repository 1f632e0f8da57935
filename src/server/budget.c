/* Memory budget arithmetic. DuckDB's memory_limit bounds only its buffer manager; each of its
 * threads may also keep freed memory in the allocator's caches until a task ends above
 * allocator_flush_threshold, so a worker's real footprint is limit + threads x threshold, and
 * that sum is what the split keeps within the budget. */
#include "server/budget.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MIB (1LL << 20)
#define RESERVE_MIN (256 * MIB)
#define FLUSH_MIN (8 * MIB)
#define FLUSH_MAX (128 * MIB) /* DuckDB's own default */
/* cgroup v1 says "no limit" with a page-rounded LONG_MAX; anything this large is no limit. */
#define CGROUP_UNLIMITED (1LL << 62)

/* Shares follow the old fixed defaults (512MiB, 1, 4, 8, 16GiB), which were sized as steps of a
 * scale; only their sum no longer depends on the machine's luck. */
static const int weights[COMPUTE_SIZES] = {1, 2, 8, 16, 32};

int budget_parse_meminfo(const char *text, int64_t *out)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "MemTotal:", 9) != 0)
			continue;
		char *end;
		errno = 0;
		long long kb = strtoll(p + 9, &end, 10);
		if (errno || end == p + 9 || kb <= 0 || kb > (INT64_MAX >> 10))
			return -1;
		while (*end == ' ' || *end == '\t')
			end++;
		if (strncmp(end, "kB", 2) != 0)
			return -1;
		*out = (int64_t)kb << 10;
		return 0;
	}
	return -1;
}

int budget_parse_cgroup_limit(const char *text, int64_t *out)
{
	const char *p = text;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!strncmp(p, "max", 3) && (p[3] == '\0' || p[3] == '\n')) {
		*out = 0;
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(p, &end, 10);
	if (errno == ERANGE && v > 0) {
		*out = 0;
		return 0;
	}
	if (errno || end == p || v < 0 || (*end && *end != '\n'))
		return -1;
	*out = v >= CGROUP_UNLIMITED ? 0 : (int64_t)v;
	return 0;
}

/* The n-th space-separated field of a line (mountinfo escapes spaces as \040), unescaped. */
static int field(const char *line, const char *eol, int n, char *out, size_t outlen)
{
	const char *p = line;
	for (int i = 0; i < n; i++) {
		while (p < eol && *p != ' ')
			p++;
		while (p < eol && *p == ' ')
			p++;
	}
	if (p >= eol)
		return -1;
	size_t k = 0;
	while (p < eol && *p != ' ') {
		if (k + 1 >= outlen)
			return -1;
		if (*p == '\\' && eol - p >= 4 && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
		    p[3] <= '7') {
			out[k++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 4;
		} else {
			out[k++] = *p++;
		}
	}
	out[k] = '\0';
	return 0;
}

/* Finds the mount of the wanted hierarchy: cgroup2, or a v1 cgroup whose options name memory. */
static int find_mount(const char *mountinfo, bool v2, char *root, size_t rootlen, char *point, size_t pointlen)
{
	for (const char *line = mountinfo; line && *line;) {
		const char *eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		const char *sep = strstr(line, " - ");
		if (sep && sep < eol) {
			char fstype[32], super[512];
			if (field(sep + 3, eol, 0, fstype, sizeof(fstype)) == 0) {
				bool match = false;
				if (v2)
					match = !strcmp(fstype, "cgroup2");
				else if (!strcmp(fstype, "cgroup") && field(sep + 3, eol, 2, super, sizeof(super)) == 0) {
					char *save = NULL;
					for (char *tok = strtok_r(super, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
						if (!strcmp(tok, "memory"))
							match = true;
				}
				if (match && field(line, eol, 3, root, rootlen) == 0 && field(line, eol, 4, point, pointlen) == 0)
					return 0;
			}
		}
		line = *eol ? eol + 1 : NULL;
	}
	return -1;
}

/* The path of this process in the v2 hierarchy ("0::/x") or the v1 memory hierarchy. */
static int find_cgroup_path(const char *proc_cgroup, bool v2, char *out, size_t outlen)
{
	for (const char *line = proc_cgroup; line && *line;) {
		const char *eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		if (c2) {
			bool match = false;
			if (v2)
				match = c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;
			else
				for (const char *t = c1 + 1; t < c2;) {
					const char *comma = memchr(t, ',', (size_t)(c2 - t));
					const char *te = comma ? comma : c2;
					if (te - t == 6 && !strncmp(t, "memory", 6))
						match = true;
					t = te + 1;
				}
			size_t len = (size_t)(eol - c2 - 1);
			if (match && len < outlen) {
				memcpy(out, c2 + 1, len);
				out[len] = '\0';
				return 0;
			}
		}
		line = *eol ? eol + 1 : NULL;
	}
	return -1;
}

int budget_cgroup_dir(const char *proc_cgroup, const char *mountinfo, char *dir, size_t dirlen, char *top,
                      size_t toplen, bool *v2)
{
	/* A controller is bound to one hierarchy only: when v1 has memory, the v2 tree (hybrid
	 * set-ups) holds no memory limit. */
	for (int pass = 0; pass < 2; pass++) {
		bool want_v2 = pass == 1;
		char path[4096], root[4096], point[4096];
		if (find_cgroup_path(proc_cgroup, want_v2, path, sizeof(path)) < 0 ||
		    find_mount(mountinfo, want_v2, root, sizeof(root), point, sizeof(point)) < 0)
			continue;
		/* The mount shows the hierarchy from `root` down; a path outside it (another cgroup
		 * namespace) can only be read at the mount point itself. */
		size_t rl = strlen(root);
		const char *rel = "";
		if (!strcmp(root, "/"))
			rel = path;
		else if (!strncmp(path, root, rl) && (path[rl] == '/' || path[rl] == '\0'))
			rel = path + rl;
		if (!strcmp(rel, "/"))
			rel = "";
		if ((size_t)snprintf(dir, dirlen, "%s%s", point, rel) >= dirlen ||
		    (size_t)snprintf(top, toplen, "%s", point) >= toplen)
			return -1;
		*v2 = want_v2;
		return 0;
	}
	return -1;
}

static char *slurp(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The tightest limit from the process's cgroup up to the mount point: a parent's limit binds
 * its children too. */
static int64_t cgroup_limit(void)
{
	char *cg = slurp("/proc/self/cgroup", 64 << 10);
	char *mi = slurp("/proc/self/mountinfo", 1 << 20);
	char dir[4096], top[4096];
	bool v2 = false;
	int64_t best = 0;
	if (cg && mi && budget_cgroup_dir(cg, mi, dir, sizeof(dir), top, sizeof(top), &v2) == 0) {
		size_t toplen = strlen(top);
		for (;;) {
			char file[4200];
			snprintf(file, sizeof(file), "%s/%s", dir, v2 ? "memory.max" : "memory.limit_in_bytes");
			char *text = slurp(file, 64);
			int64_t v;
			if (text && budget_parse_cgroup_limit(text, &v) == 0 && v > 0 && (best == 0 || v < best))
				best = v;
			free(text);
			char *slash = strrchr(dir, '/');
			if (strlen(dir) <= toplen || !slash || (size_t)(slash - dir) < toplen)
				break;
			*slash = '\0';
		}
	}
	free(cg);
	free(mi);
	return best;
}

void budget_probe(const char *data_dir, struct budget_machine *m)
{
	memset(m, 0, sizeof(*m));
	char *mem = slurp("/proc/meminfo", 64 << 10);
	if (!mem || budget_parse_meminfo(mem, &m->ram) < 0) {
		long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
		m->ram = pages > 0 && page > 0 ? (int64_t)pages * page : 0;
	}
	free(mem);
	m->cgroup = cgroup_limit();
	/* The data folder may not exist yet on a first start: its nearest existing parent is on the
	 * file system it will be made on. */
	char path[4096];
	snprintf(path, sizeof(path), "%s", data_dir);
	struct statvfs st;
	for (;;) {
		if (statvfs(path, &st) == 0) {
			m->disk_free = (int64_t)st.f_bavail * (int64_t)st.f_frsize;
			break;
		}
		char *slash = strrchr(path, '/');
		if (!slash || slash == path) {
			if (statvfs(slash ? "/" : ".", &st) == 0)
				m->disk_free = (int64_t)st.f_bavail * (int64_t)st.f_frsize;
			break;
		}
		*slash = '\0';
	}
}

int64_t budget_reserve(int64_t budget)
{
	/* A fifth, as DuckDB itself leaves when it defaults to 80% of RAM, with a floor for the
	 * fixed part: libduckdb's code and catalogs, HTTP and PostgreSQL buffers, SQLite's cache. */
	int64_t r = budget / 5;
	return r < RESERVE_MIN ? RESERVE_MIN : r;
}

static int64_t flush_for(int64_t bytes, int threads)
{
	int64_t f = bytes / (8 * (int64_t)threads);
	return f < FLUSH_MIN ? FLUSH_MIN : f > FLUSH_MAX ? FLUSH_MAX : f;
}

int64_t budget_footprint(const struct config_worker *w)
{
	return w->memory_bytes + (int64_t)w->threads * w->flush_bytes;
}

static void human(int64_t v, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.1fMiB", (double)v / (double)MIB);
}

int budget_split(int64_t budget, int64_t disk_free, struct config_worker w[COMPUTE_SIZES], char *err,
                 size_t errlen)
{
	int64_t avail = budget - budget_reserve(budget);
	int64_t used = 0, floors = 0;
	int weight_sum = 0;
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		if (w[i].memory_bytes >= 0) {
			w[i].flush_bytes = flush_for(w[i].memory_bytes, w[i].threads);
			used += budget_footprint(&w[i]);
		} else {
			/* the smallest share: the smallest limit and the smallest threshold per thread */
			floors += BUDGET_WORKER_MIN + FLUSH_MIN * w[i].threads;
			weight_sum += weights[i];
		}
	}
	if (used + floors > avail) {
		char b[32], a[32], u[32], f[32];
		human(budget, b, sizeof(b));
		human(avail, a, sizeof(a));
		human(used, u, sizeof(u));
		human(floors, f, sizeof(f));
		if (used == 0)
			snprintf(err, errlen,
			         "the memory budget of %s is too small for the five compute sizes: once the server's "
			         "own share is kept, %s is left and they need at least %s; raise memory-budget or lower "
			         "worker-threads-SIZE",
			         b, a, f);
		else
			snprintf(err, errlen,
			         "the workers' memory does not fit the memory budget of %s (%s for the workers once the "
			         "server's own share is kept): the explicit worker-memory settings take %s with their "
			         "threads' allocator caches, and the other compute sizes need at least %s; lower "
			         "worker-memory-SIZE or worker-threads-SIZE, or raise memory-budget",
			         b, a, u, f);
		return -1;
	}
	int64_t rest = avail - used - floors;
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		if (w[i].memory_bytes >= 0)
			continue;
		int64_t share = BUDGET_WORKER_MIN + FLUSH_MIN * w[i].threads + rest / weight_sum * weights[i];
		w[i].flush_bytes = flush_for(share, w[i].threads);
		if (share - w[i].threads * w[i].flush_bytes < BUDGET_WORKER_MIN)
			w[i].flush_bytes = (share - BUDGET_WORKER_MIN) / w[i].threads;
		w[i].memory_bytes = share - w[i].threads * w[i].flush_bytes;
	}
	/* Half the free disk for spilling, by the same weights; the other half stays for the SSD
	 * cache, the built-in bucket and the metadata store, which live there too. */
	int64_t spill = disk_free / 2;
	int spill_weights = 0;
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		if (w[i].spill_bytes >= 0)
			spill -= w[i].spill_bytes;
		else
			spill_weights += weights[i];
	}
	if (spill < 0)
		spill = 0;
	for (int i = 0; i < COMPUTE_SIZES; i++)
		if (w[i].spill_bytes < 0)
			w[i].spill_bytes = spill / spill_weights * weights[i];
	return 0;
}
