/**
 * Which mechanism enforces each part of the sandbox on a host, given the Landlock ABI the launcher
 * uses and whether it can make namespaces. Pure: mirrors the launcher's choices (native/mountns.c,
 * native/landlock.c), so `sandbox policy` and `sandbox doctor` say exactly what holds and by what.
 */

export interface EnforcementFacts {
  /** Landlock ABI the launcher uses (0 or null: none). */
  landlockAbi: number | null;
  /** Mount, network and PID namespaces can be made (root, or unprivileged user namespaces). */
  namespaces: boolean;
  seccomp: boolean;
  euid: number;
  /** Each worker runs as a uid/gid of its own ([sandbox] uid_range; only when started as root). */
  ownUid?: boolean;
}

export interface LayerEnforcement {
  layer: string;
  /** What stops it on this host, or what is missing. */
  mechanism: string;
  enforced: boolean;
  /** The launcher refuses to run (unless degraded runs are allowed) when a required layer is not enforced. */
  required: boolean;
}

/** The launcher's mode: Landlock (with namespaces adding to it), an empty root instead of Landlock, or neither. */
export function sandboxMode(f: EnforcementFacts): 'landlock+namespaces' | 'landlock' | 'empty-root' | 'none' {
  const abi = f.landlockAbi ?? 0;
  if (abi >= 1) return f.namespaces ? 'landlock+namespaces' : 'landlock';
  return f.namespaces ? 'empty-root' : 'none';
}

export function enforcementByLayer(f: EnforcementFacts): LayerEnforcement[] {
  const abi = f.landlockAbi ?? 0;
  const ns = f.namespaces;
  const root = f.euid === 0;
  const ownUid = root && f.ownUid === true;
  const ll = abi >= 1;
  const empty = !ll && ns;
  const missing = (what: string) => ({ mechanism: `MISSING: ${what}`, enforced: false });
  const noNs = 'no mount namespace (needs root or unprivileged user namespaces)';
  const rows: (Omit<LayerEnforcement, 'required'> & { required?: boolean })[] = [
    {
      layer: 'files: read',
      ...(ll
        ? { mechanism: `Landlock ABI ${abi}: only the policy's read, write and exec paths`, enforced: true }
        : empty
          ? { mechanism: "empty root (tmpfs, pivot_root): only the policy's paths are mounted", enforced: true }
          : missing(`no Landlock and ${noNs}`)),
    },
    {
      layer: 'files: write',
      ...(ll
        ? { mechanism: `Landlock: only the write paths${ns ? '; read and exec paths are read-only bind mounts' : ''}`, enforced: true }
        : empty
          ? { mechanism: 'read-only bind mounts and a read-only root; only the write paths are mounted writable', enforced: true }
          : missing(`no Landlock and ${noNs}`)),
    },
    {
      layer: 'files: truncate',
      ...(abi >= 3
        ? { mechanism: `Landlock truncate right${ns ? '; read-only bind mounts' : ''}`, enforced: true }
        : ns
          ? { mechanism: `read-only bind mounts (EROFS)${ll ? `; Landlock ABI ${abi} has no truncate right` : ''}`, enforced: true }
          : missing(`Landlock ABI ${abi} < 3 and ${noNs}`)),
    },
    {
      layer: 'files: rename/link across directories',
      ...(abi >= 2
        ? { mechanism: 'Landlock refer right: nothing moves out of scratch or in from outside', enforced: true }
        : abi === 1
          ? { mechanism: 'Landlock ABI 1 refuses every rename or link into another directory (EXDEV), inside scratch too', enforced: true }
          : empty
            ? { mechanism: 'each policy path is its own mount (EXDEV between them); nothing else exists', enforced: true }
            : missing(`no Landlock and ${noNs}`)),
    },
    {
      layer: 'exec',
      ...(ll
        ? { mechanism: 'Landlock execute right: only the exec paths', enforced: true }
        : empty
          ? { mechanism: 'every mount but the exec paths is noexec', enforced: true }
          : missing(`no Landlock and ${noNs}`)),
    },
    {
      layer: 'code mapped from scratch (ld.so, mmap PROT_EXEC)',
      required: false,
      ...(ns
        ? { mechanism: 'write paths are bind-mounted noexec,nosuid,nodev', enforced: true }
        : {
            mechanism: `NOT enforced: ${noNs}; a file written to scratch can be run through the dynamic loader or mapped executable (execve of it is still denied)`,
            enforced: false,
          }),
    },
    {
      layer: 'metadata of unlisted paths (stat, readlink, inotify)',
      required: false,
      ...(empty
        ? { mechanism: 'empty root: unlisted paths do not exist', enforced: true }
        : ll
          ? {
              mechanism: 'NOT confined (a Landlock limit): stat, readlink and inotify/fanotify marks work outside the policy; contents stay denied',
              enforced: false,
            }
          : missing('no filesystem confinement')),
    },
    {
      layer: 'device ioctls',
      ...(abi >= 5
        ? { mechanism: 'Landlock ioctl right on device files', enforced: true }
        : {
            mechanism: `no device is granted but /dev/null and the random devices; seccomp denies TIOCSTI and TIOCLINUX${ll ? ` (Landlock ABI ${abi} < 5 has no ioctl right)` : ''}`,
            enforced: f.seccomp,
          }),
    },
    {
      layer: 'network',
      mechanism: [
        'seccomp: socket() of every family denied, socketpair() only AF_UNIX and never datagram',
        ...(abi >= 4 ? ['Landlock: TCP bind and connect'] : []),
        ...(abi < 6 && ns ? ['an empty network namespace'] : []),
      ].join('; '),
      enforced: f.seccomp,
    },
    {
      layer: 'abstract unix sockets',
      ...(abi >= 6
        ? { mechanism: 'Landlock scope; seccomp denies socket()', enforced: true }
        : ns
          ? { mechanism: 'a private network namespace (its own abstract socket names); seccomp denies socket()', enforced: true }
          : missing(`Landlock ABI ${abi} < 6 and no network namespace (needs root or unprivileged user namespaces)`)),
    },
    {
      layer: 'signals and process control',
      ...(abi >= 6
        ? {
            mechanism: `Landlock scope: only processes of the same sandbox${ownUid ? "; a uid of its own per worker (the kernel refuses kill, setpriority, sched_setaffinity and ioprio_set of another worker's processes)" : ''}; seccomp denies ptrace and process_vm_*`,
            enforced: true,
          }
        : ns || ownUid
          ? {
              mechanism: [
                ...(ns ? ['a private PID namespace: processes outside cannot be named'] : []),
                ...(ownUid
                  ? ["a uid of its own per worker: the kernel refuses kill, setpriority, sched_setaffinity and ioprio_set of any other uid's processes"]
                  : []),
                'seccomp denies ptrace and process_vm_*',
              ].join('; '),
              enforced: true,
            }
          : missing(`Landlock ABI ${abi} < 6, no PID namespace (needs root or unprivileged user namespaces) and no uid of its own per worker (needs root)`)),
    },
    {
      layer: 'IPC (SysV, POSIX message queues)',
      ...(root
        ? {
            mechanism: `a private IPC namespace per worker (made while still root; the launcher refuses without one)${f.seccomp ? '; seccomp denies every SysV and POSIX message-queue call besides' : ''}`,
            enforced: true,
          }
        : f.seccomp
          ? {
              mechanism:
                "seccomp denies every SysV (shm, msg, sem) and POSIX message-queue call (EPERM); not root: no private IPC namespace, so workers stay in the host's, unreachable only because those calls are denied",
              enforced: true,
            }
          : missing("no seccomp and not root: the host's IPC namespace, objects reachable as their permission bits allow")),
    },
    {
      layer: 'process limits',
      mechanism: ownUid
        ? "RLIMIT_NPROC counts the processes of the worker's own uid: one worker's processes do not count against another's (and a cgroup's pids.max where the host delegates one)"
        : root
          ? 'RLIMIT_NPROC counts every process of the sandbox uid: workers sharing the fixed uid share the limit (one fork bomb can stop another worker from starting)'
          : "not root: RLIMIT_NPROC counts every process of the caller's uid, inside and outside the sandbox, shared by every worker (one fork bomb can stop another worker from starting)",
      enforced: true,
    },
    { layer: 'wall clock', mechanism: "the parent kills the process group when the policy's timeout expires", enforced: true },
  ];
  return rows.map((r) => ({ ...r, required: r.required ?? true }));
}
