/* The memory budget: /proc/meminfo and cgroup files as the kernel writes them (v1, v2, hybrid,
 * namespaced mounts), and the split among the compute sizes that must stay within the budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/budget.h"

#define MIB (1LL << 20)
#define GIB (1LL << 30)

static void test_meminfo(void **state)
{
	(void)state;
	int64_t v = 0;
	assert_int_equal(budget_parse_meminfo("MemTotal:       24683868 kB\nMemFree:        23000000 kB\n", &v), 0);
	assert_true(v == 24683868LL * 1024);
	assert_int_equal(budget_parse_meminfo("MemFree: 1 kB\nMemTotal: 2048 kB\n", &v), 0);
	assert_true(v == 2048LL * 1024);
	assert_int_equal(budget_parse_meminfo("MemFree: 1 kB\n", &v), -1);
	assert_int_equal(budget_parse_meminfo("MemTotal: lots\n", &v), -1);
	assert_int_equal(budget_parse_meminfo("MemTotal: 12 MB\n", &v), -1);
	assert_int_equal(budget_parse_meminfo("", &v), -1);
}

static void test_cgroup_limit(void **state)
{
	(void)state;
	int64_t v = -1;
	assert_int_equal(budget_parse_cgroup_limit("max\n", &v), 0);
	assert_true(v == 0);
	assert_int_equal(budget_parse_cgroup_limit("2147483648\n", &v), 0);
	assert_true(v == 2 * GIB);
	/* cgroup v1 without a limit: LONG_MAX rounded down to a page */
	assert_int_equal(budget_parse_cgroup_limit("9223372036854771712\n", &v), 0);
	assert_true(v == 0);
	assert_int_equal(budget_parse_cgroup_limit("99999999999999999999\n", &v), 0);
	assert_true(v == 0);
	assert_int_equal(budget_parse_cgroup_limit("maximum\n", &v), -1);
	assert_int_equal(budget_parse_cgroup_limit("12 apples\n", &v), -1);
	assert_int_equal(budget_parse_cgroup_limit("-1\n", &v), -1);
	assert_int_equal(budget_parse_cgroup_limit("", &v), -1);
}

static const char v2_mounts[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"25 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";

static void test_cgroup_dir_v2(void **state)
{
	(void)state;
	char dir[256], top[256];
	bool v2 = false;
	/* a systemd service on a unified host */
	assert_int_equal(budget_cgroup_dir("0::/system.slice/lakehouse.service\n", v2_mounts, dir, sizeof(dir), top,
	                                   sizeof(top), &v2),
	                 0);
	assert_true(v2);
	assert_string_equal(dir, "/sys/fs/cgroup/system.slice/lakehouse.service");
	assert_string_equal(top, "/sys/fs/cgroup");
	/* a container with its own cgroup namespace: it sees its cgroup as the root */
	assert_int_equal(budget_cgroup_dir("0::/\n", v2_mounts, dir, sizeof(dir), top, sizeof(top), &v2), 0);
	assert_string_equal(dir, "/sys/fs/cgroup");
	/* no cgroup file system mounted at all */
	assert_int_equal(budget_cgroup_dir("0::/\n", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", dir, sizeof(dir), top,
	                                   sizeof(top), &v2),
	                 -1);
}

static void test_cgroup_dir_v1(void **state)
{
	(void)state;
	char dir[256], top[256];
	bool v2 = true;
	/* hybrid: memory is on v1, the unified tree has no memory controller */
	const char *cg = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/924f5f59\n1:cpu,cpuacct:/\n0::/\n";
	const char *mi = "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	                 "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
	                 "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	                 "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	assert_int_equal(budget_cgroup_dir(cg, mi, dir, sizeof(dir), top, sizeof(top), &v2), 0);
	assert_false(v2);
	assert_string_equal(dir, "/sys/fs/cgroup/memory/process_api/924f5f59");
	assert_string_equal(top, "/sys/fs/cgroup/memory");
	/* a v1 container whose mount shows its own cgroup as the root, with a space in the mount point */
	const char *cg2 = "5:memory,hugetlb:/docker/abc\n";
	const char *mi2 = "50 40 0:44 /docker/abc /sys/fs/cg\\040x rw - cgroup cgroup rw,memory,hugetlb\n";
	assert_int_equal(budget_cgroup_dir(cg2, mi2, dir, sizeof(dir), top, sizeof(top), &v2), 0);
	assert_string_equal(dir, "/sys/fs/cg x");
	/* a path outside the mount's root is read at the mount point */
	assert_int_equal(budget_cgroup_dir("5:memory:/elsewhere\n", mi2, dir, sizeof(dir), top, sizeof(top), &v2), 0);
	assert_string_equal(dir, "/sys/fs/cg x");
}

static void defaults(struct config_worker w[COMPUTE_SIZES], int threads)
{
	static const int t[COMPUTE_SIZES] = {1, 2, 4, 8, 16};
	for (int i = 0; i < COMPUTE_SIZES; i++)
		w[i] = (struct config_worker){.memory_bytes = -1, .threads = t[i] < threads ? t[i] : threads, .slots = 1,
		                              .spill_bytes = -1};
}

static int64_t footprints(const struct config_worker w[COMPUTE_SIZES])
{
	int64_t sum = 0;
	for (int i = 0; i < COMPUTE_SIZES; i++)
		sum += budget_footprint(&w[i]);
	return sum;
}

static void test_split_defaults(void **state)
{
	(void)state;
	char err[512];
	struct config_worker w[COMPUTE_SIZES];
	/* the host: 24 GiB, 16 processors */
	defaults(w, 16);
	assert_int_equal(budget_split(24 * GIB, 100 * GIB, w, err, sizeof(err)), 0);
	assert_true(footprints(w) <= 24 * GIB - budget_reserve(24 * GIB));
	assert_true(footprints(w) > 24 * GIB - budget_reserve(24 * GIB) - 64 * MIB);
	int64_t spill = 0;
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		assert_true(w[i].memory_bytes >= BUDGET_WORKER_MIN);
		assert_true(w[i].flush_bytes >= 8 * MIB && w[i].flush_bytes <= 128 * MIB);
		if (i > 0) {
			assert_true(w[i].memory_bytes > w[i - 1].memory_bytes);
			assert_true(w[i].spill_bytes > w[i - 1].spill_bytes);
		}
		spill += w[i].spill_bytes;
	}
	assert_true(spill <= 50 * GIB && spill > 49 * GIB);
	/* XL gets about 32/59 of what the workers share */
	assert_true(w[4].memory_bytes > 9 * GIB && w[4].memory_bytes < 11 * GIB);

	/* a small container: every size still runs, all within the budget */
	defaults(w, 2);
	assert_int_equal(budget_split(1 * GIB, 0, w, err, sizeof(err)), 0);
	assert_true(footprints(w) <= 1 * GIB - budget_reserve(1 * GIB));
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		assert_true(w[i].memory_bytes >= BUDGET_WORKER_MIN);
		assert_true(w[i].spill_bytes == 0);
	}
	/* ... also on a host with many processors that the container does not limit */
	defaults(w, 64);
	assert_int_equal(budget_split(1 * GIB, 0, w, err, sizeof(err)), 0);
	assert_true(footprints(w) <= 1 * GIB - budget_reserve(1 * GIB));
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		assert_true(w[i].memory_bytes >= BUDGET_WORKER_MIN);
		assert_true(w[i].flush_bytes >= 8 * MIB);
	}
	assert_true(budget_reserve(1 * GIB) == 256 * MIB);
	assert_true(budget_reserve(10 * GIB) == 2 * GIB);

	/* too small for five workers */
	defaults(w, 2);
	assert_int_equal(budget_split(600 * MIB, 0, w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "memory-budget"));
}

static void test_split_explicit(void **state)
{
	(void)state;
	char err[512];
	struct config_worker w[COMPUTE_SIZES];
	/* the old fixed defaults add up past a 24 GiB host: refused, with the way out named */
	defaults(w, 16);
	static const int64_t old[COMPUTE_SIZES] = {512 * MIB, 1 * GIB, 4 * GIB, 8 * GIB, 16 * GIB};
	for (int i = 0; i < COMPUTE_SIZES; i++)
		w[i].memory_bytes = old[i];
	assert_int_equal(budget_split(24 * GIB, 0, w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "worker-memory-SIZE"));
	/* ... and fit a budget raised for them */
	assert_int_equal(budget_split(48 * GIB, 0, w, err, sizeof(err)), 0);
	for (int i = 0; i < COMPUTE_SIZES; i++)
		assert_true(w[i].memory_bytes == old[i]);

	/* one explicit size: kept as given, the others share what is left */
	defaults(w, 4);
	w[4].memory_bytes = 8 * GIB;
	w[2].spill_bytes = 3 * GIB;
	assert_int_equal(budget_split(16 * GIB, 20 * GIB, w, err, sizeof(err)), 0);
	assert_true(w[4].memory_bytes == 8 * GIB);
	assert_true(footprints(w) <= 16 * GIB - budget_reserve(16 * GIB));
	assert_true(w[3].memory_bytes > w[2].memory_bytes);
	assert_true(w[2].spill_bytes == 3 * GIB);
	int64_t spill = 0;
	for (int i = 0; i < COMPUTE_SIZES; i++)
		spill += w[i].spill_bytes;
	assert_true(spill <= 10 * GIB);
	/* explicit spill beyond half the disk leaves the others none rather than a negative bound */
	defaults(w, 4);
	w[0].spill_bytes = 30 * GIB;
	assert_int_equal(budget_split(16 * GIB, 20 * GIB, w, err, sizeof(err)), 0);
	assert_true(w[1].spill_bytes == 0 && w[4].spill_bytes == 0);
}

static void test_probe(void **state)
{
	(void)state;
	struct budget_machine m;
	budget_probe("/nonexistent/lakehouse/data", &m);
	assert_true(m.ram > 64 * MIB);
	assert_true(m.cgroup >= 0);
	assert_true(m.disk_free > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo),       cmocka_unit_test(test_cgroup_limit),
		cmocka_unit_test(test_cgroup_dir_v2), cmocka_unit_test(test_cgroup_dir_v1),
		cmocka_unit_test(test_split_defaults), cmocka_unit_test(test_split_explicit),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
