/* The seccomp-BPF deny list: no sockets, no namespaces, no tracing, no kernel-level escape hatches. */
#ifndef BULWARK_SECCOMP_FILTER_H
#define BULWARK_SECCOMP_FILTER_H

/* Name of the architecture the filter accepts ("x86_64", "aarch64"), or NULL if unsupported. */
const char *seccomp_native_arch(void);
/* 1 when the kernel supports seccomp filters with SECCOMP_RET_KILL_PROCESS. */
int seccomp_available(void);
/* Installs the filter (no_new_privs must already be set); dies with ST_SECCOMP / ST_ARCH on failure. */
void seccomp_enforce(int allow_degraded);

#endif
