/*
 * bulwark-sandbox: confines one command and execs it.
 *
 *   bulwark-sandbox [--ro P]... [--rw P]... [--exec P]... [--deny P]... [--env NAME]... [--setenv NAME=VALUE]...
 *                   [--keep-fd N]... [--report-fd N] [--parent-pid PID] [--uid N] [--gid N] [--cgroup DIR]
 *                   [--rlimit-nofile N] [--rlimit-nproc N] [--rlimit-fsize BYTES] [--rlimit-cpu SECONDS]
 *                   [--rlimit-as BYTES] [--allow-degraded] -- COMMAND [ARGS...]
 *   bulwark-sandbox --info      (prints what this kernel supports as one JSON line)
 *   bulwark-sandbox --print-tables  (prints the compiled-in status and seccomp tables, and the BPF
 *                                    program built from them, as one JSON line; installs nothing)
 *   bulwark-sandbox --reaper    (kills registered process groups when stdin closes; see reaper.c)
 *
 * Single-threaded, in this order, checking every result: fds, environment, session, parent-death
 * signal, the worker's cgroup, a private IPC namespace (isolation.c), rlimits, namespaces (mountns.c),
 * drop root, no_new_privs, Landlock, seccomp, execve.
 * BULWARK_LANDLOCK_ABI_MAX=N in the environment lowers the Landlock ABI used to N (0: none). Any failure exits with a
 * per-layer status (native/sandbox-tables.json) after one line on stderr and one
 * "error LAYER MESSAGE" line on the report fd; degraded layers (only with --allow-degraded)
 * produce "degraded LAYER REASON" lines.
 * The report fd is close-on-exec, so the caller sees EOF exactly when execve succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolation.h"
#include "landlock.h"
#include "mountns.h"
#include "reaper.h"
#include "report.h"
#include "seccomp_filter.h"

#define MAX_ITEMS 256

extern char **environ;

struct options {
  struct rule rules[MAX_ITEMS];
  size_t nrules;
  const char *deny[MAX_ITEMS];
  size_t ndeny;
  const char *env_keep[MAX_ITEMS];
  size_t nenv_keep;
  const char *env_set[MAX_ITEMS];
  size_t nenv_set;
  int keep_fds[MAX_ITEMS];
  size_t nkeep;
  long parent_pid;
  long uid, gid;
  const char *cgroup; /* NULL: stay in the inherited cgroup */
  long long nofile, nproc, fsize, cpu, as;
  int allow_degraded;
  char **argv; /* the command */
};

static long long parse_number(const char *flag, const char *value, long long max) {
  char *end;
  errno = 0;
  long long v = strtoll(value, &end, 10);
  if (errno || end == value || *end != '\0' || v < 0 || v > max)
    die(ST_USAGE, "usage", "%s expects a number between 0 and %lld, got '%s'", flag, max, value);
  return v;
}

#define PUSH(arr, n, v)                                                          \
  do {                                                                           \
    if ((n) >= MAX_ITEMS) die(ST_USAGE, "usage", "too many %s options", flag);   \
    (arr)[(n)++] = (v);                                                          \
  } while (0)

static void parse_args(int argc, char **argv, struct options *o) {
  int i = 1;
  for (; i < argc; i++) {
    const char *flag = argv[i];
    if (strcmp(flag, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(flag, "--allow-degraded") == 0) {
      o->allow_degraded = 1;
      continue;
    }
    if (i + 1 >= argc) die(ST_USAGE, "usage", "%s needs a value (or unknown option)", flag);
    const char *v = argv[++i];
    if (strcmp(flag, "--ro") == 0 || strcmp(flag, "--rw") == 0 || strcmp(flag, "--exec") == 0) {
      if (o->nrules >= MAX_ITEMS) die(ST_USAGE, "usage", "too many path options");
      o->rules[o->nrules].path = v;
      o->rules[o->nrules].kind = flag[3] == 'o' ? RULE_RO : flag[3] == 'w' ? RULE_RW : RULE_EXEC;
      o->rules[o->nrules].resolved = NULL;
      o->rules[o->nrules].fd = -1;
      o->nrules++;
    } else if (strcmp(flag, "--deny") == 0) PUSH(o->deny, o->ndeny, v);
    else if (strcmp(flag, "--env") == 0) PUSH(o->env_keep, o->nenv_keep, v);
    else if (strcmp(flag, "--setenv") == 0) {
      if (!strchr(v, '=') || v[0] == '=') die(ST_USAGE, "usage", "--setenv expects NAME=VALUE, got '%s'", v);
      PUSH(o->env_set, o->nenv_set, v);
    } else if (strcmp(flag, "--keep-fd") == 0) PUSH(o->keep_fds, o->nkeep, (int)parse_number(flag, v, 65535));
    else if (strcmp(flag, "--report-fd") == 0) report_fd = (int)parse_number(flag, v, 65535);
    else if (strcmp(flag, "--parent-pid") == 0) o->parent_pid = (long)parse_number(flag, v, INT32_MAX);
    else if (strcmp(flag, "--uid") == 0) o->uid = (long)parse_number(flag, v, UINT32_MAX - 1);
    else if (strcmp(flag, "--gid") == 0) o->gid = (long)parse_number(flag, v, UINT32_MAX - 1);
    else if (strcmp(flag, "--cgroup") == 0) o->cgroup = v;
    else if (strcmp(flag, "--rlimit-nofile") == 0) o->nofile = parse_number(flag, v, 1 << 20);
    else if (strcmp(flag, "--rlimit-nproc") == 0) o->nproc = parse_number(flag, v, 1 << 22);
    else if (strcmp(flag, "--rlimit-fsize") == 0) o->fsize = parse_number(flag, v, INT64_MAX);
    else if (strcmp(flag, "--rlimit-cpu") == 0) o->cpu = parse_number(flag, v, INT64_MAX);
    else if (strcmp(flag, "--rlimit-as") == 0) o->as = parse_number(flag, v, INT64_MAX);
    else die(ST_USAGE, "usage", "unknown option %s", flag);
  }
  if (i >= argc) die(ST_USAGE, "usage", "no command given (expected -- COMMAND [ARGS...])");
  o->argv = &argv[i];
}

static int is_kept(const struct options *o, int fd) {
  if (fd <= 2 || fd == report_fd) return 1;
  for (size_t i = 0; i < o->nkeep; i++)
    if (o->keep_fds[i] == fd) return 1;
  return 0;
}

/* Step 1: only 0-2, the kept fds and the report fd survive; 0-2 exist (a closed 0-2 would let the
 * next open() land on stdin/stdout). */
static void sanitize_fds(const struct options *o) {
  if (report_fd >= 0 && report_fd <= 2) die(ST_USAGE, "usage", "--report-fd must be above 2");
  if (report_fd >= 0 && fcntl(report_fd, F_GETFD) < 0) {
    int fd = report_fd;
    report_fd = -1;
    die_errno(ST_FDS, "fds", "report fd %d is not open", fd);
  }
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) >= 0) continue;
    if (errno != EBADF) die_errno(ST_FDS, "fds", "fd %d", fd);
    int null = open("/dev/null", O_RDWR);
    if (null < 0) die_errno(ST_FDS, "fds", "open /dev/null for missing fd %d", fd);
    if (null != fd) die(ST_FDS, "fds", "fd %d missing and /dev/null landed on fd %d", fd, null);
  }
  for (size_t i = 0; i < o->nkeep; i++) {
    int fd = o->keep_fds[i];
    if (fd <= 2 || fd == report_fd) die(ST_USAGE, "usage", "--keep-fd %d is reserved", fd);
    if (fcntl(fd, F_GETFD) < 0) die_errno(ST_FDS, "fds", "kept fd %d is not open", fd);
    if (fcntl(fd, F_SETFD, 0) != 0) die_errno(ST_FDS, "fds", "clear close-on-exec on fd %d", fd);
  }
  /* Close everything else: walk gaps between kept fds with close_range (Linux >= 5.9). */
  int sorted[MAX_ITEMS + 2];
  size_t n = 0;
  for (size_t i = 0; i < o->nkeep; i++) sorted[n++] = o->keep_fds[i];
  if (report_fd >= 0) sorted[n++] = report_fd;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
      int t = sorted[j];
      sorted[j] = sorted[j - 1];
      sorted[j - 1] = t;
    }
  unsigned int from = 3;
  for (size_t i = 0; i <= n; i++) {
    unsigned int to = i < n ? (unsigned int)sorted[i] - 1 : ~0U;
    if (i < n && (unsigned int)sorted[i] < from) {
      from = (unsigned int)sorted[i] + 1;
      continue;
    }
    if (to >= from && syscall(__NR_close_range, from, to, 0) != 0)
      die_errno(ST_FDS, "fds", "close_range(%u, %u)", from, to);
    if (i < n) from = (unsigned int)sorted[i] + 1;
  }
  /* Verify the first few (where a leaked fd would be): cheap, and catches a close_range that lied. */
  for (int fd = 3; fd < 64; fd++)
    if (!is_kept(o, fd) && fcntl(fd, F_GETFD) >= 0) die(ST_FDS, "fds", "fd %d still open after closing", fd);
  if (report_fd >= 0 && fcntl(report_fd, F_SETFD, FD_CLOEXEC) != 0) die_errno(ST_FDS, "fds", "report fd close-on-exec");
}

/* Step 2: the environment is the allowlist (values taken from ours) plus explicit settings. */
static void filter_environment(const struct options *o) {
  char *kept[MAX_ITEMS];
  size_t nkept = 0;
  for (size_t i = 0; i < o->nenv_keep; i++) {
    const char *v = getenv(o->env_keep[i]);
    if (!v) continue;
    size_t len = strlen(o->env_keep[i]) + strlen(v) + 2;
    char *entry = malloc(len);
    if (!entry) die(ST_ENV, "env", "out of memory");
    snprintf(entry, len, "%s=%s", o->env_keep[i], v);
    kept[nkept++] = entry;
  }
  if (clearenv() != 0) die(ST_ENV, "env", "clearenv failed");
  for (size_t i = 0; i < nkept; i++)
    if (putenv(kept[i]) != 0) die_errno(ST_ENV, "env", "putenv");
  for (size_t i = 0; i < o->nenv_set; i++)
    if (putenv((char *)o->env_set[i]) != 0) die_errno(ST_ENV, "env", "putenv");
}

/* Steps 3-4. The parent-death signal is set again after the uid change (the kernel clears it
 * when credentials change); the check against the expected parent catches a parent that is gone. */
static void set_parent_death(const struct options *o) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die_errno(ST_SESSION, "session", "PR_SET_PDEATHSIG");
  if (o->parent_pid > 0 && getppid() != (pid_t)o->parent_pid)
    die(ST_SESSION, "session", "parent process %ld is gone", o->parent_pid);
}

static void set_limit(int resource, const char *name, long long value) {
  struct rlimit rl = {.rlim_cur = (rlim_t)value, .rlim_max = (rlim_t)value};
  if (setrlimit(resource, &rl) != 0) die_errno(ST_RLIMIT, "rlimit", "%s=%lld", name, value);
}

/* Step 5: -1 means "leave as inherited"; core dumps are always off (they would leak memory). */
static void apply_rlimits(const struct options *o) {
  set_limit(RLIMIT_CORE, "core", 0);
  if (o->nofile >= 0) set_limit(RLIMIT_NOFILE, "nofile", o->nofile);
  if (o->nproc >= 0) set_limit(RLIMIT_NPROC, "nproc", o->nproc);
  if (o->fsize >= 0) set_limit(RLIMIT_FSIZE, "fsize", o->fsize);
  if (o->cpu >= 0) set_limit(RLIMIT_CPU, "cpu", o->cpu);
  if (o->as >= 0) set_limit(RLIMIT_AS, "as", o->as);
}

/* Step 6: root becomes uid/gid (default 65534) with no supplementary groups; verified afterwards. */
static void drop_root(const struct options *o) {
  if (geteuid() != 0 && getuid() != 0) return;
  uid_t uid = (uid_t)o->uid;
  gid_t gid = (gid_t)o->gid;
  if (uid == 0 || gid == 0) die(ST_IDENTITY, "identity", "refusing to run the sandbox as uid/gid 0");
  if (setgroups(0, NULL) != 0) die_errno(ST_IDENTITY, "identity", "setgroups");
  if (setresgid(gid, gid, gid) != 0) die_errno(ST_IDENTITY, "identity", "setresgid(%u)", (unsigned)gid);
  if (setresuid(uid, uid, uid) != 0) die_errno(ST_IDENTITY, "identity", "setresuid(%u)", (unsigned)uid);
  uid_t ru, eu, su;
  gid_t rg, eg, sg;
  if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0) die_errno(ST_IDENTITY, "identity", "getresuid");
  if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid || getgroups(0, NULL) != 0)
    die(ST_IDENTITY, "identity", "credentials did not change as requested");
  if (setuid(0) == 0) die(ST_IDENTITY, "identity", "could regain root after dropping it");
}

static void print_info(void) {
  int abi = landlock_abi();
  int used = landlock_abi_effective();
  const char *arch = seccomp_native_arch();
  const char *why = "";
  int ns = mountns_probe(&why);
  printf("{\"landlockAbi\":%d,\"landlockAbiKernel\":%d,\"landlockAbiMax\":%d,\"landlockError\":\"%s\",\"seccomp\":%s,"
         "\"arch\":\"%s\",\"euid\":%u,\"egid\":%u,\"namespaces\":%s,\"namespacesError\":",
         used, abi > 0 ? abi : 0, landlock_abi_max_env(), abi > 0 ? "" : strerror(-abi), seccomp_available() ? "true" : "false",
         arch ? arch : "unsupported", (unsigned)geteuid(), (unsigned)getegid(), ns ? "true" : "false");
  json_string(stdout, ns ? "" : why);
  fputs("}\n", stdout);
}

/* For the drift test: what this binary was built from, so it can be compared with
 * native/sandbox-tables.json. Reads only static data. */
static int print_tables(void) {
  fputs("{\"statuses\":", stdout);
  report_print_statuses(stdout);
  fputs(",\"seccomp\":", stdout);
  seccomp_print_json(stdout);
  fputs("}\n", stdout);
  if (fflush(stdout) != 0 || ferror(stdout)) die_errno(ST_USAGE, "usage", "--print-tables: writing to stdout");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--info") == 0) {
    print_info();
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "--print-tables") == 0) return print_tables();
  if (argc == 2 && strcmp(argv[1], "--reaper") == 0) return reaper_main();
  static struct options o;
  o.parent_pid = -1;
  o.uid = 65534;
  o.gid = 65534;
  o.nofile = o.nproc = o.fsize = o.cpu = o.as = -1;
  parse_args(argc, argv, &o);
  /* Read before the environment is filtered; a bad value is a usage error. */
  int abi = landlock_abi_effective();

  sanitize_fds(&o);
  /* Paths are resolved and opened before anything else changes (errors name the policy, not a
   * layer; the O_PATH fds are taken while we may still traverse every directory). */
  landlock_resolve_rules(o.rules, o.nrules, o.deny, o.ndeny);
  filter_environment(&o);
  if (setsid() < 0) die_errno(ST_SESSION, "session", "setsid");
  set_parent_death(&o);
  if (o.cgroup) isolation_join_cgroup(o.cgroup);
  (void)isolation_private_ipc();
  apply_rlimits(&o);
  mountns_setup(o.rules, o.nrules, abi, o.allow_degraded);
  drop_root(&o);
  set_parent_death(&o);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die_errno(ST_NNP, "no_new_privs", "PR_SET_NO_NEW_PRIVS");
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) die(ST_NNP, "no_new_privs", "not set after PR_SET_NO_NEW_PRIVS");
  if (!seccomp_native_arch()) die(ST_ARCH, "arch", "unsupported architecture; bulwark-sandbox supports x86_64 and aarch64");
  landlock_enforce(o.rules, o.nrules, abi);
  seccomp_enforce(o.allow_degraded);

  mountns_exec(o.argv);
  die_errno(ST_EXEC, "exec", "%s", o.argv[0]);
}
