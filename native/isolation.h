/* Isolation of one worker from the others, set up while the launcher is still root. */
#ifndef BULWARK_ISOLATION_H
#define BULWARK_ISOLATION_H

/* Moves this process (and so everything it will start) into the cgroup directory DIR, which the
 * caller created and gave its limits; dies with ST_ISOLATION when it cannot. */
void isolation_join_cgroup(const char *dir);

/* A private System V IPC namespace (shared memory, message queues, semaphores and POSIX message
 * queues of its own, gone with its last process). Root must get one, or the launcher dies; without
 * CAP_SYS_ADMIN unshare fails and the seccomp filter's denial of every IPC call is the only layer.
 * Returns 1 when the namespace is private. */
int isolation_private_ipc(void);

#endif
