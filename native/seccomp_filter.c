#define _GNU_SOURCE
#include "seccomp_filter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "report.h"

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#define NATIVE_ARCH_NAME "x86_64"
#define X32_SYSCALL_BIT 0x40000000U
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define NATIVE_ARCH_NAME "aarch64"
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
/* clone(2) flags that create namespaces (CLONE_NEWTIME shares its bit with CSIGNAL there). */
#define CLONE_NS_FLAGS (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP)

const char *seccomp_native_arch(void) {
#ifdef NATIVE_AUDIT_ARCH
  return NATIVE_ARCH_NAME;
#else
  return NULL;
#endif
}

int seccomp_available(void) {
  uint32_t action = SECCOMP_RET_KILL_PROCESS;
  return syscall(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

#ifdef NATIVE_AUDIT_ARCH

/* Denied outright with EPERM: they open a path out of the sandbox or into the kernel. */
static const int deny_eperm[] = {
    __NR_socket, __NR_ptrace, __NR_process_vm_readv, __NR_process_vm_writev, __NR_unshare, __NR_setns,
    __NR_mount, __NR_umount2, __NR_pivot_root, __NR_chroot,
#ifdef __NR_move_mount
    __NR_move_mount, __NR_open_tree, __NR_fsopen, __NR_fsconfig, __NR_fsmount, __NR_fspick,
#endif
#ifdef __NR_mount_setattr
    __NR_mount_setattr,
#endif
    __NR_bpf, __NR_perf_event_open, __NR_userfaultfd, __NR_add_key, __NR_request_key, __NR_keyctl,
    __NR_kexec_load,
#ifdef __NR_kexec_file_load
    __NR_kexec_file_load,
#endif
    __NR_init_module, __NR_finit_module, __NR_delete_module,
#ifdef __NR_pidfd_getfd
    __NR_pidfd_getfd,
#endif
    __NR_name_to_handle_at, __NR_open_by_handle_at, __NR_quotactl, __NR_swapon, __NR_swapoff, __NR_reboot,
    __NR_acct, __NR_vhangup,
#ifdef __NR_iopl
    __NR_iopl, __NR_ioperm,
#endif
    /* A memfd is on an internal filesystem Landlock does not cover: it would let the sandbox execute
     * code it wrote (execve of /proc/self/fd/N or execveat), defeating the no-exec scratch dir. */
    __NR_memfd_create,
    /* Staying in the launcher's process group lets the driver kill every descendant at the end. */
    __NR_setsid, __NR_setpgid,
};

/* Denied with ENOSYS so that libuv and glibc fall back to the older interface. */
static const int deny_enosys[] = {
#ifdef __NR_io_uring_setup
    __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
#endif
#ifdef __NR_clone3
    __NR_clone3, /* its flags live behind a pointer seccomp cannot read; glibc falls back to clone */
#endif
};

#define MAX_INSNS 256
struct prog_builder {
  struct sock_filter insns[MAX_INSNS];
  unsigned short len;
};

static void emit(struct prog_builder *b, struct sock_filter insn) {
  if (b->len >= MAX_INSNS) die(ST_SECCOMP, "seccomp", "filter program too long");
  b->insns[b->len++] = insn;
}

#define STMT(code, k) ((struct sock_filter)BPF_STMT((code), (k)))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP((code), (k), (jt), (jf)))
#define RET_ERRNO(e) STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define RET_ALLOW STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define LOAD_NR STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))

static void build(struct prog_builder *b) {
  /* A foreign architecture (i386 via int 0x80, arm32 compat) has another syscall table: kill. */
  emit(b, STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
  emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0));
  emit(b, STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  emit(b, LOAD_NR);
#ifdef X32_SYSCALL_BIT
  emit(b, JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
  emit(b, STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
  for (size_t i = 0; i < sizeof deny_eperm / sizeof deny_eperm[0]; i++) {
    emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)deny_eperm[i], 0, 1));
    emit(b, RET_ERRNO(EPERM));
  }
  for (size_t i = 0; i < sizeof deny_enosys / sizeof deny_enosys[0]; i++) {
    emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)deny_enosys[i], 0, 1));
    emit(b, RET_ERRNO(ENOSYS));
  }
  /* socketpair: AF_UNIX only (the kernel reads the family as an int: the low word). */
  emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socketpair, 0, 4));
  emit(b, STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)));
  emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1));
  emit(b, RET_ALLOW);
  emit(b, RET_ERRNO(EPERM));
  /* clone: no namespace flags (the kernel uses the low 32 bits of the flags). */
  emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4));
  emit(b, STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)));
  emit(b, JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NS_FLAGS, 0, 1));
  emit(b, RET_ERRNO(EPERM));
  emit(b, RET_ALLOW);
  /* ioctl: no terminal input injection (TIOCSTI) or console tricks (TIOCLINUX); cmd is an unsigned int. */
  emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 5));
  emit(b, STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)));
  emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0));
  emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0));
  emit(b, RET_ALLOW);
  emit(b, RET_ERRNO(EPERM));
  emit(b, RET_ALLOW);
}

void seccomp_enforce(int allow_degraded) {
  if (!seccomp_available()) {
    degrade(allow_degraded, ST_SECCOMP, "seccomp", "seccomp filters with KILL_PROCESS are not available in this kernel");
    return;
  }
  struct prog_builder b = {.len = 0};
  build(&b);
  struct sock_fprog prog = {.len = b.len, .filter = b.insns};
  if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    die_errno(ST_SECCOMP, "seccomp", "installing the filter");
}

#else

void seccomp_enforce(int allow_degraded) {
  (void)allow_degraded;
  /* Without a known syscall table the filter would be meaningless: never degrade this one. */
  die(ST_ARCH, "arch", "unsupported architecture; bulwark-sandbox supports x86_64 and aarch64");
}

#endif
