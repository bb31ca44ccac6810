/*
 * Per-worker isolation steps that need privileges, so they run before the launcher drops root:
 * joining the worker's own cgroup (memory, pids and CPU limits that hold for the whole process
 * tree, whatever its uid) and unsharing the System V IPC namespace (no segment, queue or semaphore
 * set shared with the host or with a concurrent worker; all of it freed with the namespace).
 */
#define _GNU_SOURCE
#include "isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

void isolation_join_cgroup(const char *dir) {
  if (dir[0] != '/') die(ST_ISOLATION, "isolation", "cgroup directory %s is not absolute", dir);
  char file[PATH_MAX];
  int n = snprintf(file, sizeof file, "%s/cgroup.procs", dir);
  if (n < 0 || (size_t)n >= sizeof file) die(ST_ISOLATION, "isolation", "cgroup directory path too long");
  /* O_NOFOLLOW: the file must be the cgroup's own, not a link planted in its place. */
  int fd = open(file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) die_errno(ST_ISOLATION, "isolation", "open %s", file);
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (len < 0 || (size_t)len >= sizeof pid) die(ST_ISOLATION, "isolation", "formatting the pid");
  ssize_t w = write(fd, pid, (size_t)len);
  if (w < 0) {
    int e = errno;
    close(fd);
    errno = e;
    die_errno(ST_ISOLATION, "isolation", "joining cgroup %s", dir);
  }
  if (w != len) die(ST_ISOLATION, "isolation", "short write to %s", file);
  if (close(fd) != 0) die_errno(ST_ISOLATION, "isolation", "closing %s", file);
}

int isolation_private_ipc(void) {
  if (unshare(CLONE_NEWIPC) == 0) return 1;
  /* Only a missing privilege is tolerated, and only when we are not root: then the seccomp
   * filter (every SysV and POSIX message-queue call denied) is what keeps workers apart. */
  if (errno == EPERM && geteuid() != 0) return 0;
  die_errno(ST_ISOLATION, "isolation", "unshare(CLONE_NEWIPC)");
}
