/* One-line failure reporting and the status pipe the TS driver reads. */
#ifndef BULWARK_REPORT_H
#define BULWARK_REPORT_H

/* Distinct exit statuses, one per layer. The TS driver (src/sandbox/launcher-status.ts) maps them. */
enum launch_status {
  ST_USAGE = 100,    /* bad launcher arguments */
  ST_POLICY = 101,   /* a rule path is missing, a symlink in a writable path, or forbidden */
  ST_FDS = 102,      /* fd hygiene */
  ST_ENV = 103,      /* environment allowlist */
  ST_SESSION = 104,  /* setsid / parent-death signal */
  ST_RLIMIT = 105,   /* resource limits */
  ST_IDENTITY = 106, /* dropping root */
  ST_NNP = 107,      /* no_new_privs */
  ST_LANDLOCK = 108, /* Landlock unavailable, too old, or not fully enforced */
  ST_SECCOMP = 109,  /* seccomp filter could not be installed */
  ST_ARCH = 110,     /* unsupported architecture */
  ST_EXEC = 111,     /* execve of the command failed */
};

/* fd for machine-readable lines ("degraded LAYER REASON", "error LAYER REASON"); -1 if none. */
extern int report_fd;

/* Prints "bulwark-sandbox: LAYER: MESSAGE" on stderr, reports it, and exits with STATUS. */
void die(enum launch_status status, const char *layer, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* As die() but appends strerror(errno). */
void die_errno(enum launch_status status, const char *layer, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* A layer that could not be enforced: fatal unless the override was given, then warned and reported. */
void degrade(int allow_degraded, enum launch_status status, const char *layer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
