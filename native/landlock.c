#define _GNU_SOURCE
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "report.h"

/* Our own copies of the UAPI definitions: build hosts often ship headers older than the kernel. */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1

#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_REMOVE_DIR (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_DIR (1ULL << 7)
#define FS_MAKE_REG (1ULL << 8)
#define FS_MAKE_SOCK (1ULL << 9)
#define FS_MAKE_FIFO (1ULL << 10)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_MAKE_SYM (1ULL << 12)
#define FS_REFER (1ULL << 13)     /* ABI 2 */
#define FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define SCOPE_SIGNAL (1ULL << 1)               /* ABI 6 */

/* Rights that apply to a non-directory; the kernel rejects directory rights on a file rule. */
#define FS_FILE_RIGHTS (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV)

struct ll_ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

struct ll_path_beneath_attr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

struct open_how_compat {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS_ 0x02
#define RESOLVE_NO_SYMLINKS_ 0x04

/* launcher.c caps every repeated option at 256 (MAX_ITEMS). */
#define MAX_DENY 256

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

static const uint64_t RO_RIGHTS = FS_READ_FILE | FS_READ_DIR;
static const uint64_t EXEC_RIGHTS = FS_READ_FILE | FS_READ_DIR | FS_EXECUTE;
/* Scratch: everything except executing, device nodes and device ioctls. */
static const uint64_t RW_RIGHTS = FS_READ_FILE | FS_READ_DIR | FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE |
                                  FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_SYM | FS_REFER |
                                  FS_TRUNCATE;

int landlock_abi(void) {
  long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
  if (abi < 0) return -errno;
  return (int)abi;
}

/* True when `path` equals `dir` or lies beneath it (both canonical). */
static int is_within(const char *path, const char *dir) {
  size_t len = strlen(dir);
  if (len == 1 && dir[0] == '/') return 1;
  return strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

static const char *kind_name(enum rule_kind k) {
  return k == RULE_RW ? "write" : k == RULE_EXEC ? "exec" : "read";
}

/* Refuses a rule path any of whose components is a symlink that sits inside a writable rule path:
 * whoever can write there could re-point it after the policy was reviewed. */
static void refuse_symlink_in_writable(const struct rule *r, const struct rule *rules, size_t n) {
  char prefix[PATH_MAX];
  size_t len = strlen(r->path);
  if (len >= sizeof prefix) die(ST_POLICY, "policy", "%s path too long: %s", kind_name(r->kind), r->path);
  for (size_t i = 1; i <= len; i++) {
    if (r->path[i] != '/' && r->path[i] != '\0') continue;
    memcpy(prefix, r->path, i);
    prefix[i] = '\0';
    struct stat st;
    if (lstat(prefix, &st) != 0 || !S_ISLNK(st.st_mode)) continue;
    /* Where does the symlink itself live? Resolve its parent directory. */
    char *slash = strrchr(prefix, '/');
    char parent[PATH_MAX];
    if (slash == prefix) strcpy(parent, "/");
    else {
      *slash = '\0';
      if (!realpath(prefix, parent)) continue;
      *slash = '/';
    }
    for (size_t j = 0; j < n; j++) {
      if (rules[j].kind != RULE_RW || !rules[j].resolved) continue;
      if (is_within(parent, rules[j].resolved))
        die(ST_POLICY, "policy", "%s path %s goes through symlink %s inside writable path %s; refused",
            kind_name(r->kind), r->path, prefix, rules[j].path);
    }
  }
}

/* Opens a resolved rule path without following any symlink (it was canonical a moment ago; a symlink
 * now means someone swapped it). */
static int open_rule_path(const char *resolved) {
  struct open_how_compat how = {.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW, .mode = 0,
                                .resolve = RESOLVE_NO_SYMLINKS_ | RESOLVE_NO_MAGICLINKS_};
  long fd = syscall(__NR_openat2, AT_FDCWD, resolved, &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) fd = open(resolved, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  return (int)fd;
}

void landlock_resolve_rules(struct rule *rules, size_t n, const char *const *deny, size_t ndeny) {
  /* Writable paths first: the symlink check below compares against them. */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < n; i++) {
      struct rule *r = &rules[i];
      if ((pass == 0) != (r->kind == RULE_RW)) continue;
      if (r->path[0] != '/') die(ST_POLICY, "policy", "%s path must be absolute: %s", kind_name(r->kind), r->path);
      r->resolved = realpath(r->path, NULL);
      if (!r->resolved) die_errno(ST_POLICY, "policy", "%s path %s", kind_name(r->kind), r->path);
    }
  }
  /* Denied paths are resolved once (not once per rule: 2 x 13 realpath walks per start bought nothing). */
  char *deny_resolved[MAX_DENY];
  if (ndeny > MAX_DENY) die(ST_USAGE, "usage", "too many --deny options");
  for (size_t d = 0; d < ndeny; d++) deny_resolved[d] = realpath(deny[d], NULL);
  for (size_t i = 0; i < n; i++) {
    struct rule *r = &rules[i];
    refuse_symlink_in_writable(r, rules, n);
    /* A writable path that is, contains or lies in an executable one would let the sandbox run what it writes. */
    if (r->kind == RULE_RW)
      for (size_t j = 0; j < n; j++)
        if (rules[j].kind == RULE_EXEC && (is_within(r->resolved, rules[j].resolved) || is_within(rules[j].resolved, r->resolved)))
          die(ST_POLICY, "policy", "write path %s overlaps exec path %s; refused", r->path, rules[j].path);
    if (is_within(r->resolved, "/proc") || is_within("/proc", r->resolved) || is_within("/root", r->resolved))
      die(ST_POLICY, "policy", "%s path %s would grant /proc or /root; refused", kind_name(r->kind), r->path);
    for (size_t d = 0; d < ndeny; d++) {
      const char *dp = deny_resolved[d] ? deny_resolved[d] : deny[d];
      int hit = is_within(r->resolved, dp) || is_within(dp, r->resolved);
      if (hit) die(ST_POLICY, "policy", "%s path %s would grant denied path %s; refused", kind_name(r->kind), r->path, deny[d]);
    }
    r->fd = open_rule_path(r->resolved);
    if (r->fd < 0) die_errno(ST_POLICY, "policy", "%s path %s (resolved %s) changed while applying the policy", kind_name(r->kind), r->path, r->resolved);
  }
  for (size_t d = 0; d < ndeny; d++) free(deny_resolved[d]);
}

int landlock_abi_max_env(void) {
  const char *v = getenv("BULWARK_LANDLOCK_ABI_MAX");
  if (v == NULL) return -1;
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || end == v || *end != '\0' || n < 0 || n > 1000)
    die(ST_USAGE, "usage", "BULWARK_LANDLOCK_ABI_MAX expects a number from 0 (no Landlock) upwards, got '%s'", v);
  return (int)n;
}

int landlock_abi_effective(void) {
  int max = landlock_abi_max_env();
  int abi = landlock_abi();
  if (abi < 0) abi = 0;
  /* Only ever lowered: a value above what the kernel offers changes nothing. */
  return max >= 0 && max < abi ? max : abi;
}

void landlock_enforce(const struct rule *rules, size_t n, int abi) {
  /* Below ABI 1 there is nothing to enforce here; mountns.c decided whether the run may go on. */
  if (abi <= 0) return;

  struct ll_ruleset_attr attr = {0};
  attr.handled_access_fs = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_READ_DIR | FS_REMOVE_DIR | FS_REMOVE_FILE |
                           FS_MAKE_CHAR | FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK |
                           FS_MAKE_SYM;
  if (abi >= 2) attr.handled_access_fs |= FS_REFER;
  if (abi >= 3) attr.handled_access_fs |= FS_TRUNCATE;
  if (abi >= 5) attr.handled_access_fs |= FS_IOCTL_DEV;
  if (abi >= 4) attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
  if (abi >= 6) attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL;

  /* Older kernels accept the larger struct as long as the fields they do not know are zero. */
  int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (ruleset < 0) die_errno(ST_LANDLOCK, "landlock", "landlock_create_ruleset (ABI %d)", abi);

  for (size_t i = 0; i < n; i++) {
    const struct rule *r = &rules[i];
    int fd = r->fd;
    struct stat st;
    if (fstat(fd, &st) != 0) die_errno(ST_LANDLOCK, "landlock", "fstat %s", r->resolved);
    struct statfs sfs;
    if (fstatfs(fd, &sfs) != 0) die_errno(ST_LANDLOCK, "landlock", "fstatfs %s", r->resolved);
    if (sfs.f_type == PROC_SUPER_MAGIC) die(ST_POLICY, "policy", "%s path %s is on procfs; refused", kind_name(r->kind), r->path);
    uint64_t access = r->kind == RULE_RW ? RW_RIGHTS : r->kind == RULE_EXEC ? EXEC_RIGHTS : RO_RIGHTS;
    access &= attr.handled_access_fs;
    if (!S_ISDIR(st.st_mode)) access &= FS_FILE_RIGHTS;
    struct ll_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
    if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0) != 0)
      die_errno(ST_LANDLOCK, "landlock", "landlock_add_rule %s", r->resolved);
    if (close(fd) != 0) die_errno(ST_LANDLOCK, "landlock", "close rule fd");
  }
  if (syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) die_errno(ST_LANDLOCK, "landlock", "landlock_restrict_self");
  if (close(ruleset) != 0) die_errno(ST_LANDLOCK, "landlock", "close ruleset fd");
}
