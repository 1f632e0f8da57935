/* Small file-system helpers the server's folders need: making a path, emptying a folder. */
#ifndef LAKEHOUSE_UTIL_FS_H
#define LAKEHOUSE_UTIL_FS_H

/* mkdir -p with mode 0700; 0 or -1 with errno. */
int fs_mkdir_p(const char *path);
/* Removes everything inside path (not path itself), not following symbolic links. Returns how
 * many entries were removed, -1 when path cannot be read. */
long fs_empty_dir(const char *path);

#endif
