/* Landlock: filesystem rules from the policy, TCP handled with no rules, IPC scoping. */
#ifndef BULWARK_LANDLOCK_H
#define BULWARK_LANDLOCK_H
#include <stddef.h>

enum rule_kind { RULE_RO, RULE_RW, RULE_EXEC };

struct rule {
  const char *path; /* as given on the command line (absolute) */
  enum rule_kind kind;
  char *resolved;   /* realpath, filled by landlock_resolve_rules */
  int fd;           /* O_PATH fd opened by landlock_resolve_rules (while still privileged) */
};

/* Highest Landlock ABI the kernel supports, or -errno when Landlock is unavailable. */
int landlock_abi(void);

/* Resolves and opens every rule path (realpath, then O_PATH|O_NOFOLLOW without following any
 * symlink) and refuses (ST_POLICY) missing paths, rule paths that pass through a symlink located
 * inside a writable rule path, writable paths overlapping executable ones, and forbidden locations
 * (/proc, /root, the --deny list). */
void landlock_resolve_rules(struct rule *rules, size_t n, const char *const *deny, size_t ndeny);

/* BULWARK_LANDLOCK_ABI_MAX as a number, -1 when unset; dies (ST_USAGE) on anything but a
 * non-negative integer. Read before the environment is filtered. */
int landlock_abi_max_env(void);
/* The ABI the launcher uses: the kernel's, lowered (never raised) by BULWARK_LANDLOCK_ABI_MAX;
 * 0 means no Landlock. */
int landlock_abi_effective(void);

/* Builds and enforces a ruleset of exactly ABI `abi`'s rights (nothing when abi is 0); the caller
 * has already set no_new_privs, and mountns.c has compensated for what that ABI lacks. */
void landlock_enforce(const struct rule *rules, size_t n, int abi);

#endif
