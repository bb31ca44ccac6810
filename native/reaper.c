/*
 * The orchestrator starts one reaper and writes "+PGID\n" when a sandbox starts and "-PGID\n" when
 * it ends. When stdin reaches EOF (the orchestrator exited or was killed: the kernel closes its
 * end of the pipe) the reaper SIGKILLs every group still registered. A sandboxed command cannot
 * leave its group (setsid/setpgid are denied), so this ends everything it started even when the
 * orchestrator itself dies by SIGKILL, which PDEATHSIG alone does not cover for grandchildren.
 */
#define _GNU_SOURCE
#include "reaper.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_GROUPS 4096

static pid_t groups[MAX_GROUPS];
static size_t ngroups;

static void handle_line(const char *line) {
  if (line[0] != '+' && line[0] != '-') return;
  char *end;
  errno = 0;
  long v = strtol(line + 1, &end, 10);
  /* Never 0 or 1: kill(-1) would signal every process we may signal, kill(0) our own group. */
  if (errno || end == line + 1 || *end != '\0' || v < 2 || v > 0x3fffffff) return;
  pid_t pgid = (pid_t)v;
  if (line[0] == '+') {
    for (size_t i = 0; i < ngroups; i++)
      if (groups[i] == pgid) return;
    if (ngroups < MAX_GROUPS) groups[ngroups++] = pgid;
    return;
  }
  for (size_t i = 0; i < ngroups; i++)
    if (groups[i] == pgid) {
      groups[i] = groups[--ngroups];
      return;
    }
}

int reaper_main(void) {
  /* Out of the caller's terminal process group: a Ctrl-C that kills the orchestrator must not
   * kill us before we act. Already a group leader (spawned detached) is fine. */
  (void)setsid();
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  char buf[4096];
  size_t len = 0;
  for (;;) {
    ssize_t r = read(0, buf + len, sizeof buf - len - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    char *start = buf;
    char *nl;
    while ((nl = memchr(start, '\n', (size_t)(buf + len - start))) != NULL) {
      *nl = '\0';
      handle_line(start);
      start = nl + 1;
    }
    len = (size_t)(buf + len - start);
    memmove(buf, start, len);
    if (len >= sizeof buf - 1) len = 0; /* an overlong line is garbage: drop it */
  }
  pid_t self_group = getpgrp();
  for (size_t i = 0; i < ngroups; i++)
    if (groups[i] != self_group) kill(-groups[i], SIGKILL);
  return 0;
}
