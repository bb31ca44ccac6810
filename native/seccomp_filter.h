/* The seccomp-BPF deny list: no sockets, no namespaces, no tracing, no kernel-level escape hatches.
 * The rules live in native/sandbox-tables.json; seccomp_filter.c assembles the program from them. */
#ifndef BULWARK_SECCOMP_FILTER_H
#define BULWARK_SECCOMP_FILTER_H

#include <stdio.h>

/* Name of the architecture the filter accepts ("x86_64", "aarch64"), or NULL if unsupported. */
const char *seccomp_native_arch(void);
/* 1 when the kernel supports seccomp filters with SECCOMP_RET_KILL_PROCESS. */
int seccomp_available(void);
/* Installs the filter (no_new_privs must already be set); dies with ST_SECCOMP / ST_ARCH on failure. */
void seccomp_enforce(int allow_degraded);

/* Writes the rules compiled into this binary and the BPF program built from them as one JSON object
 * ({arch, auditArch, killSyscallsFrom, foreignAbiShown, rules, program}); installs nothing. */
void seccomp_print_json(FILE *out);

#endif
