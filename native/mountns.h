/* Namespaces the launcher builds around the command: what they add to Landlock, and what they stand
 * in for on kernels whose Landlock ABI lacks a feature (docs/sandbox.md has the table). */
#ifndef BULWARK_MOUNTNS_H
#define BULWARK_MOUNTNS_H
#include <stddef.h>

#include "landlock.h"

/* 1 when this process can make the namespaces (root with CAP_SYS_ADMIN, or an unprivileged user
 * namespace); tried in a short-lived child, so nothing here changes. On 0, *why says why. */
int mountns_probe(const char **why);

/*
 * Called while still privileged (before the uid changes), with the effective Landlock ABI:
 *  - every ABI: a private mount namespace in which each writable directory is bind-mounted onto
 *    itself noexec,nosuid,nodev (code dropped there can be neither executed nor mapped executable);
 *    read and exec paths become read-only bind mounts (the truncate right for ABI < 3);
 *  - ABI < 6: a private network namespace (own abstract unix socket names) and a PID namespace
 *    (processes outside cannot be signalled or even named); mountns_exec then forks;
 *  - ABI 0: an empty root (a tmpfs) holding bind mounts of exactly the policy's paths, pivoted into.
 * Where the namespaces cannot be made, a layer that has no other compensation is reported through
 * degrade() (fatal without --allow-degraded) naming what is missing.
 */
void mountns_setup(struct rule *rules, size_t n, int abi, int allow_degraded);

/* Execs the command; inside a new PID namespace it forks first and the launcher stays as a
 * waiting parent that ends the same way as the command. Returns only when execvp failed. */
void mountns_exec(char **argv);

#endif
