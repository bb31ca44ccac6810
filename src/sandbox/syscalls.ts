/**
 * The seccomp filter of native/seccomp_filter.c, as data for the policy printer. A test checks
 * that every name here appears in the C filter and vice versa, so the printout cannot drift.
 */
export interface SyscallRule {
  names: string[];
  action: string;
  why: string;
}

export const SECCOMP_RULES: SyscallRule[] = [
  { names: ['socket'], action: 'EPERM', why: 'no socket of any family: the only way out is the inherited channel fd' },
  { names: ['socketpair'], action: 'EPERM unless AF_UNIX', why: 'local pipes for child processes only' },
  { names: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd'], action: 'EPERM', why: 'no reading or steering other processes' },
  { names: ['unshare', 'setns'], action: 'EPERM', why: 'no new namespaces (user namespaces would re-grant capabilities)' },
  { names: ['clone'], action: 'EPERM with namespace flags', why: 'threads and fork work; CLONE_NEW* does not' },
  { names: ['clone3'], action: 'ENOSYS', why: 'flags are behind a pointer seccomp cannot inspect; glibc falls back to clone' },
  { names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'], action: 'ENOSYS', why: 'io_uring bypasses syscall filtering; libuv falls back' },
  {
    names: ['mount', 'umount2', 'pivot_root', 'chroot', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr'],
    action: 'EPERM',
    why: 'no changes to the mount table',
  },
  { names: ['bpf', 'perf_event_open', 'userfaultfd'], action: 'EPERM', why: 'kernel attack surface' },
  { names: ['add_key', 'request_key', 'keyctl'], action: 'EPERM', why: 'no access to kernel keyrings' },
  { names: ['kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module'], action: 'EPERM', why: 'no kernel code loading' },
  {
    names: ['name_to_handle_at', 'open_by_handle_at', 'quotactl', 'swapon', 'swapoff', 'reboot', 'acct', 'vhangup', 'iopl', 'ioperm'],
    action: 'EPERM',
    why: 'administrative calls and handle-based opens that sidestep path checks',
  },
  { names: ['memfd_create'], action: 'EPERM', why: 'in-memory files escape Landlock\'s execute control (no running code the sandbox wrote)' },
  { names: ['setsid', 'setpgid'], action: 'EPERM', why: 'everything stays in one process group, so it all ends with the command' },
  { names: ['ioctl'], action: 'EPERM for TIOCSTI and TIOCLINUX', why: 'no typing into the terminal' },
  { names: ['(any syscall of another ABI: i386 int 0x80, x32, arm32)'], action: 'kill process', why: 'a second syscall table would bypass the filter' },
];

/** Every syscall name the filter mentions (without the foreign-ABI pseudo entry). */
export function filteredSyscallNames(): string[] {
  return SECCOMP_RULES.flatMap((r) => r.names).filter((n) => !n.startsWith('('));
}
