/* File-system helpers. fs_empty_dir works on one folder of the server's own (a worker's scratch
 * space); it never follows symbolic links out of it. */
#define _XOPEN_SOURCE 700
#include "util/fs.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_mkdir_p(const char *path)
{
	char tmp[4608];
	size_t len = strlen(path);
	if (len >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* nftw's callback takes no context argument */
static _Thread_local long removed;

static int remove_entry(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	if (f->level == 0)
		return 0;
	if ((type == FTW_DP ? rmdir(p) : unlink(p)) == 0)
		removed++;
	return 0;
}

long fs_empty_dir(const char *path)
{
	removed = 0;
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? removed : -1;
}
