#define _GNU_SOURCE
#include "mountns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

/* Where the empty root is assembled, inside our own mount namespace only (it hides nothing outside). */
#define NEW_ROOT "/tmp"
/* The empty root holds only directories and empty files that serve as mount points. */
#define NEW_ROOT_OPTIONS "mode=0755,size=1m,nr_inodes=4096"

/* Set when the command runs in a new PID namespace: mountns_exec forks. */
static int in_pid_namespace;

static int write_text(const char *file, const char *text) {
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t len = strlen(text);
  ssize_t w = write(fd, text, len);
  int e = w == (ssize_t)len ? 0 : w < 0 ? -errno : -EIO;
  close(fd);
  return e;
}

/* Unshares `flags`; as non-root inside a new user namespace that maps only our own uid and gid (so
 * nothing is gained but the right to mount in it). 0, or -errno when nothing was changed. */
static int enter(int flags) {
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (uid == 0) return unshare(flags) == 0 ? 0 : -errno;
  if (unshare(CLONE_NEWUSER | flags) != 0) return -errno;
  char map[64];
  int e = write_text("/proc/self/setgroups", "deny");
  if (e == 0) {
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    e = write_text("/proc/self/uid_map", map);
  }
  if (e == 0) {
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    e = write_text("/proc/self/gid_map", map);
  }
  if (e != 0) {
    errno = -e;
    die_errno(ST_MOUNTNS, "mountns", "mapping uid %u in the new user namespace", (unsigned)uid);
  }
  return 0;
}

#define NS_FLAGS_FULL (CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)

int mountns_probe(const char **why) {
  static char reason[160];
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(reason, sizeof reason, "fork: %s", strerror(errno));
    *why = reason;
    return 0;
  }
  if (pid == 0) {
    int status = 0;
    int e = enter(NS_FLAGS_FULL);
    if (e != 0) status = -e & 0x7f;
    else if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0 ||
             mount("tmpfs", NEW_ROOT, "tmpfs", MS_NOSUID | MS_NODEV, NEW_ROOT_OPTIONS) != 0)
      status = errno & 0x7f;
    _exit(status);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) {
      snprintf(reason, sizeof reason, "waitpid: %s", strerror(errno));
      *why = reason;
      return 0;
    }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 1;
  snprintf(reason, sizeof reason, "%s",
           WIFEXITED(st) ? strerror(WEXITSTATUS(st)) : "the probe process was killed");
  *why = reason;
  return 0;
}

/* Flags of the mount a rule path lives on that a bind remount must repeat: in a user namespace the
 * kernel refuses to clear them, and keeping them never widens anything. */
static unsigned long kept_flags(int fd, const char *path) {
  struct statvfs v;
  if (fstatvfs(fd, &v) != 0) die_errno(ST_MOUNTNS, "mountns", "statvfs %s", path);
  /* On Linux statvfs reports these mount flags with the same bit values as mount(2) takes them. */
  return v.f_flag & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
}

/* The mount flags a rule gets. Writable directories: never executable, no set-id, no devices.
 * Read and exec paths: read-only. In the empty root (no Landlock) read paths are noexec too, since
 * no Landlock execute right stands between them and execve. Device files (/dev/null, the random
 * devices) keep working: no nodev on non-directories. */
static unsigned long rule_flags(const struct rule *r, int is_dir, int empty_root, unsigned long kept) {
  unsigned long f = kept | MS_NOSUID;
  if (r->kind == RULE_RW) return f | MS_NOEXEC | (is_dir ? MS_NODEV : 0);
  f |= MS_RDONLY;
  if (r->kind == RULE_RO && empty_root) f |= MS_NOEXEC;
  return f;
}

/* Creates the mount point for `path` (a directory or an empty file) below the new root. */
static void make_mount_point(const char *target, size_t base_len, int is_dir) {
  char buf[PATH_MAX];
  size_t len = strlen(target);
  if (len >= sizeof buf) die(ST_MOUNTNS, "mountns", "path too long: %s", target);
  memcpy(buf, target, len + 1);
  for (size_t i = base_len + 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char saved = buf[i];
    buf[i] = '\0';
    struct stat st;
    if (lstat(buf, &st) != 0) {
      if (errno != ENOENT) die_errno(ST_MOUNTNS, "mountns", "lstat %s", buf);
      int last = saved == '\0';
      if (!last || is_dir) {
        if (mkdir(buf, 0755) != 0) die_errno(ST_MOUNTNS, "mountns", "mkdir %s", buf);
      } else {
        int fd = open(buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 || close(fd) != 0) die_errno(ST_MOUNTNS, "mountns", "create %s", buf);
      }
    }
    buf[i] = saved;
  }
}

/* Opens the rule path again inside the new namespace (a bind source must be a mount of the caller's
 * namespace, which the fd taken before unsharing is not) and checks it is still the inode checked
 * then: a path swapped in between is refused. */
static int reopen_rule(const struct rule *r) {
  int fd = open(r->resolved, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) die_errno(ST_MOUNTNS, "mountns", "open %s", r->resolved);
  struct stat a, b;
  if (fstat(r->fd, &a) != 0 || fstat(fd, &b) != 0) die_errno(ST_MOUNTNS, "mountns", "fstat %s", r->resolved);
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) die(ST_MOUNTNS, "mountns", "%s changed while applying the policy", r->resolved);
  return fd;
}

/* Binds the rule's inode (through `fd`, so the path cannot be redirected now) onto `target` and
 * remounts it with `flags`; then checks what the kernel applied. */
static void bind_rule(const struct rule *r, int fd, const char *target, unsigned long flags) {
  char src[64];
  snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
  if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) != 0) die_errno(ST_MOUNTNS, "mountns", "bind %s", r->resolved);
  if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) != 0)
    die_errno(ST_MOUNTNS, "mountns", "remount %s", r->resolved);
  struct statvfs v;
  if (statvfs(target, &v) != 0) die_errno(ST_MOUNTNS, "mountns", "statvfs %s", target);
  unsigned long checked = MS_RDONLY | MS_NOEXEC | MS_NOSUID | MS_NODEV;
  if ((v.f_flag & checked) != (flags & checked))
    die(ST_MOUNTNS, "mountns", "%s is not mounted with the flags asked for", r->resolved);
}

/* Shorter paths first, so a rule nested in another is mounted on top of it (stable: equal lengths
 * keep the command line's order, where write and exec rules follow read rules). */
static void sort_by_length(const struct rule *rules, size_t n, size_t *order) {
  for (size_t i = 0; i < n; i++) order[i] = i;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strlen(rules[order[j - 1]].resolved) > strlen(rules[order[j]].resolved); j--) {
      size_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
}

static void mount_rules(const struct rule *rules, size_t n, int empty_root) {
  size_t order[256];
  unsigned long kept[256];
  int is_dir[256];
  int fds[256];
  if (n > 256) die(ST_MOUNTNS, "mountns", "too many rules");
  /* Flags of the original mounts, before any of ours stacks on top of them. */
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (fstat(rules[i].fd, &st) != 0) die_errno(ST_MOUNTNS, "mountns", "fstat %s", rules[i].resolved);
    is_dir[i] = S_ISDIR(st.st_mode);
    kept[i] = kept_flags(rules[i].fd, rules[i].resolved);
    fds[i] = reopen_rule(&rules[i]);
  }
  sort_by_length(rules, n, order);
  /* Only now: it hides whatever lies below NEW_ROOT, rule paths included (they are open above). */
  if (empty_root && mount("tmpfs", NEW_ROOT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NEW_ROOT_OPTIONS) != 0)
    die_errno(ST_MOUNTNS, "mountns", "tmpfs for the new root on %s", NEW_ROOT);
  char target[PATH_MAX];
  for (size_t k = 0; k < n; k++) {
    const struct rule *r = &rules[order[k]];
    size_t i = order[k];
    if (!empty_root && r->kind == RULE_RW && !is_dir[i]) continue; /* /dev/null: nothing to add */
    if (empty_root) {
      if (snprintf(target, sizeof target, "%s%s", NEW_ROOT, r->resolved) >= (int)sizeof target)
        die(ST_MOUNTNS, "mountns", "path too long: %s", r->resolved);
      make_mount_point(target, strlen(NEW_ROOT), is_dir[i]);
    } else {
      snprintf(target, sizeof target, "%s", r->resolved);
    }
    bind_rule(r, fds[i], target, rule_flags(r, is_dir[i], empty_root, kept[i]));
  }
  for (size_t i = 0; i < n; i++)
    if (close(fds[i]) != 0) die_errno(ST_MOUNTNS, "mountns", "close");
}

/* Recreates symlink `at` (a path of the old root, already read) in the new root unless something is
 * there. A symlink grants nothing by itself: its target exists only if a rule bound it. */
static void copy_symlink(const char *at, const char *target) {
  char where[PATH_MAX];
  if (snprintf(where, sizeof where, "%s%s", NEW_ROOT, at) >= (int)sizeof where) die(ST_MOUNTNS, "mountns", "path too long: %s", at);
  struct stat st;
  if (lstat(where, &st) == 0) return;
  char *slash = strrchr(where, '/');
  *slash = '\0';
  make_mount_point(where, strlen(NEW_ROOT), 1);
  *slash = '/';
  if (symlink(target, where) != 0 && errno != EEXIST) die_errno(ST_MOUNTNS, "mountns", "symlink %s", where);
}

struct link_list {
  char at[64][PATH_MAX / 16];
  char target[64][PATH_MAX / 16];
  size_t n;
};

/* Symlinks programs expect to find by their usual names: the old root's top-level ones (/bin, /lib64
 * on merged-/usr systems: the ELF interpreter's path) and those along each rule's given path. */
static void read_symlinks(const struct rule *rules, size_t n, struct link_list *out) {
  char path[PATH_MAX];
  out->n = 0;
  DIR *d = opendir("/");
  if (!d) die_errno(ST_MOUNTNS, "mountns", "opendir /");
  struct dirent *e;
  while ((e = readdir(d)) != NULL && out->n < 64) {
    if (e->d_type != DT_LNK) continue;
    snprintf(path, sizeof path, "/%s", e->d_name);
    ssize_t len = readlink(path, out->target[out->n], sizeof out->target[0] - 1);
    if (len <= 0 || strlen(path) >= sizeof out->at[0]) continue;
    out->target[out->n][len] = '\0';
    snprintf(out->at[out->n], sizeof out->at[0], "%s", path);
    out->n++;
  }
  closedir(d);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(rules[i].path);
    if (len >= sizeof path) continue;
    for (size_t j = 1; j <= len && out->n < 64; j++) {
      if (rules[i].path[j] != '/' && rules[i].path[j] != '\0') continue;
      memcpy(path, rules[i].path, j);
      path[j] = '\0';
      struct stat st;
      if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode) || j >= sizeof out->at[0]) continue;
      ssize_t l = readlink(path, out->target[out->n], sizeof out->target[0] - 1);
      if (l <= 0) continue;
      out->target[out->n][l] = '\0';
      snprintf(out->at[out->n], sizeof out->at[0], "%s", path);
      out->n++;
    }
  }
}

/* Without Landlock: a tmpfs root with exactly the policy's paths bound into it, pivoted into; the
 * old root is detached, so nothing else exists for the command (metadata included). */
static void enter_empty_root(const struct rule *rules, size_t n) {
  char cwd[PATH_MAX];
  int have_cwd = getcwd(cwd, sizeof cwd) != NULL;
  static struct link_list links;
  read_symlinks(rules, n, &links);
  mount_rules(rules, n, 1);
  for (size_t i = 0; i < links.n; i++) copy_symlink(links.at[i], links.target[i]);
  if (chdir(NEW_ROOT) != 0) die_errno(ST_MOUNTNS, "mountns", "chdir %s", NEW_ROOT);
  /* pivot_root(".", ".") stacks the old root on the new one; detaching "." then removes it. */
  if (syscall(SYS_pivot_root, ".", ".") != 0) die_errno(ST_MOUNTNS, "mountns", "pivot_root");
  if (umount2(".", MNT_DETACH) != 0) die_errno(ST_MOUNTNS, "mountns", "detaching the old root");
  if (chdir("/") != 0) die_errno(ST_MOUNTNS, "mountns", "chdir /");
  if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
    die_errno(ST_MOUNTNS, "mountns", "remounting the new root read-only");
  if (have_cwd && chdir(cwd) != 0 && chdir("/") != 0) die_errno(ST_MOUNTNS, "mountns", "chdir /");
}

void mountns_setup(struct rule *rules, size_t n, int abi, int allow_degraded) {
  int flags = CLONE_NEWNS | (abi < 6 ? CLONE_NEWNET | CLONE_NEWPID : 0);
  int e = enter(flags);
  if (e != 0) {
    /* No namespaces on this host: every layer with no other compensation is named. Scratch stays
     * mappable as code (ld.so, mmap PROT_EXEC): `bulwark sandbox policy` and docs/sandbox.md say so. */
    if (abi == 0)
      degrade(allow_degraded, ST_LANDLOCK, "landlock",
              "unavailable (ABI 0), and no mount namespace for an empty root (needs root or unprivileged user namespaces: %s)",
              strerror(-e));
    if (abi >= 1 && abi < 3)
      degrade(allow_degraded, ST_LANDLOCK, "landlock-truncate",
              "ABI %d < 3 cannot deny truncating read-only files, and no mount namespace for read-only bind mounts (%s)", abi,
              strerror(-e));
    if (abi >= 1 && abi < 6)
      degrade(allow_degraded, ST_LANDLOCK, "landlock-scope",
              "ABI %d < 6 scopes neither signals nor abstract unix sockets, and no PID and network namespace stand in (%s)", abi,
              strerror(-e));
    return;
  }
  /* Our mounts must not propagate back to the host; the host's unmounts still reach us. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) die_errno(ST_MOUNTNS, "mountns", "making / a slave mount");
  if (abi == 0) enter_empty_root(rules, n);
  else mount_rules(rules, n, 0);
  in_pid_namespace = abi < 6;
}

void mountns_exec(char **argv) {
  if (!in_pid_namespace) {
    execvp(argv[0], argv);
    return;
  }
  pid_t child = fork();
  if (child < 0) die_errno(ST_EXEC, "exec", "fork into the PID namespace");
  if (child == 0) {
    /* PID 1 of the namespace: when it ends, the kernel kills everything else in it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die_errno(ST_SESSION, "session", "PR_SET_PDEATHSIG");
    execvp(argv[0], argv);
    return; /* the caller reports the failure through the report fd, which this process holds */
  }
  /* The launcher stays outside, in the same process group, to give the caller the command's end.
   * It keeps no fd the caller waits on (report pipe, channel). */
  if (syscall(__NR_close_range, 3U, ~0U, 0) != 0) die_errno(ST_FDS, "fds", "close_range in the waiting launcher");
  report_fd = -1;
  int st;
  while (waitpid(child, &st, 0) < 0)
    if (errno != EINTR) die_errno(ST_EXEC, "exec", "waitpid");
  if (WIFEXITED(st)) _exit(WEXITSTATUS(st));
  int sig = WTERMSIG(st);
  signal(sig, SIG_DFL);
  raise(sig);
  _exit(sig + 128);
}
