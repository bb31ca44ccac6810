/**
 * The effective policy in words an auditor can read (`bulwark sandbox policy`), and the same
 * content as JSON. Pure: kernel facts (Landlock ABI, ...) are passed in.
 */
import { enforcementByLayer, sandboxMode, type LayerEnforcement } from './enforcement.js';
import { forbiddenPaths, type SandboxPolicy } from './policy.js';
import { seccompRules, type SyscallRule } from './syscalls.js';

export interface KernelFacts {
  platform: NodeJS.Platform;
  /** The Landlock ABI the launcher uses (BULWARK_LANDLOCK_ABI_MAX may lower the kernel's). */
  landlockAbi: number | null;
  /** Mount, network and PID namespaces can be made here (absent: assumed not). */
  namespaces?: boolean;
  seccomp: boolean;
  arch: string;
  euid: number;
}

export interface LayerDescription {
  name: string;
  what: string;
  /** 'enforced' when this kernel supports it, 'missing' otherwise (then the launcher refuses unless degraded runs are allowed). */
  status: 'enforced' | 'missing' | 'not applicable';
}

export interface PolicyDescription {
  policy: SandboxPolicy;
  platform: NodeJS.Platform;
  landlockAbi: number | null;
  layers: LayerDescription[];
  /** Per part of the sandbox, the mechanism enforcing it on this host (Linux only). */
  enforcement: LayerEnforcement[];
  filesystem: { path: string; access: string }[];
  neverGranted: string[];
  network: string;
  syscalls: SyscallRule[];
  identity: string;
  /** How concurrent workers are kept apart, by what, and what they still share. */
  isolation: string[];
  environment: string[];
  limits: string[];
}

const READ = 'read files, list directories';
const WRITE = 'read, create, write, truncate, rename, delete (no execute, no device nodes)';
const EXEC = 'read and execute';

/** Linux layers in the launcher's order, with what each one does. */
export function linuxLayers(f: KernelFacts): LayerDescription[] {
  const abi = f.landlockAbi ?? 0;
  const root = f.euid === 0;
  return [
    { name: 'fds', what: 'every inherited fd except 0-2 and the channel is closed', status: 'enforced' },
    { name: 'env', what: 'environment cleared except the allowlist', status: 'enforced' },
    { name: 'session', what: 'new session (setsid); SIGKILL when the parent dies', status: 'enforced' },
    {
      name: 'isolation',
      what: "joins the worker's own cgroup (where the parent could make one); a private IPC namespace (root)",
      status: root ? 'enforced' : 'not applicable',
    },
    { name: 'rlimit', what: 'no core dumps; open files, processes, file size, CPU time limited', status: 'enforced' },
    {
      name: 'namespaces',
      what: f.namespaces
        ? `private mount namespace: write paths noexec,nosuid,nodev, read and exec paths read-only${abi < 6 ? '; network and PID namespaces' : ''}${abi === 0 ? "; an empty root holding only the policy's paths" : ''}`
        : 'none (needs root or unprivileged user namespaces)',
      status: f.namespaces ? 'enforced' : abi < 6 ? 'missing' : 'not applicable',
    },
    {
      name: 'identity',
      what: "root is dropped to the worker's own uid/gid from the range (or the fixed one) with supplementary groups cleared",
      status: root ? 'enforced' : 'not applicable',
    },
    { name: 'no_new_privs', what: 'setuid binaries and file capabilities cannot raise privileges', status: 'enforced' },
    {
      name: 'landlock',
      what: abi >= 1 ? `filesystem: every access right of ABI ${abi} handled; only the listed paths are granted` : 'not used (ABI 0)',
      // Below ABI 3 only read-only bind mounts keep read-only files from being truncated.
      status: abi >= 3 || (abi >= 1 && f.namespaces) ? 'enforced' : abi === 0 && f.namespaces ? 'not applicable' : 'missing',
    },
    {
      name: 'landlock-net',
      what: abi >= 4 ? 'TCP bind and connect handled with no rule: denied everywhere' : `ABI ${abi} < 4: seccomp's socket() denial stands in`,
      status: abi >= 4 ? 'enforced' : 'not applicable',
    },
    {
      name: 'landlock-scope',
      what:
        abi >= 6
          ? 'abstract unix sockets and signals scoped to the sandbox'
          : `ABI ${abi} < 6: ${f.namespaces ? 'the network and PID namespaces stand in' : 'nothing stands in'}`,
      status: abi >= 6 ? 'enforced' : f.namespaces ? 'not applicable' : 'missing',
    },
    { name: 'seccomp', what: 'syscall filter below; other architectures killed', status: f.seccomp && f.arch !== 'unsupported' ? 'enforced' : 'missing' },
  ];
}

export function describePolicy(policy: SandboxPolicy, f: KernelFacts): PolicyDescription {
  const filesystem = [
    ...policy.readPaths.map((p) => ({ path: p, access: READ })),
    ...policy.writePaths.map((p) => ({ path: p, access: WRITE })),
    ...policy.execPaths.map((p) => ({ path: p, access: EXEC })),
  ];
  const endpoints = policy.endpoints.map((e) => `${e.scheme ? `${e.scheme}://` : ''}${e.host}:${e.port}`);
  return {
    policy,
    platform: f.platform,
    landlockAbi: f.landlockAbi,
    layers:
      f.platform === 'darwin'
        ? [{ name: 'seatbelt', what: '(deny default) profile generated from this policy; (deny network*)', status: 'enforced' }]
        : linuxLayers(f),
    enforcement:
      f.platform === 'linux'
        ? enforcementByLayer({
            landlockAbi: f.landlockAbi,
            namespaces: f.namespaces ?? false,
            seccomp: f.seccomp,
            euid: f.euid,
            ownUid: f.euid === 0 && policy.uidRange !== undefined,
          })
        : [],
    filesystem,
    neverGranted: forbiddenPaths(policy).map((x) =>
      x.descendantsToo ? `${x.path} (and everything under it)` : `${x.path} (the directory itself and its parents)`,
    ),
    network:
      'no sockets: socket() fails with EPERM' +
      (f.platform === 'linux' && (f.landlockAbi ?? 0) >= 4 ? ' and TCP is denied by Landlock. ' : '. ') +
      (endpoints.length > 0
        ? `HTTP(S) requests to exactly ${endpoints.join(', ')} go through the parent's egress broker (checked, resolved and recorded there).`
        : 'No endpoints: the egress broker refuses every request.'),
    syscalls: seccompRules(),
    identity: identity(policy, f),
    isolation: isolation(policy, f),
    environment: [
      ...policy.envAllow.map((n) => `${n} (copied from the caller when set)`),
      ...Object.keys(policy.env ?? {}).map((n) => `${n}=${policy.env![n]}`),
    ],
    limits: [
      'core dumps: 0',
      `open files: ${policy.limits.openFiles}`,
      `processes/threads of ${policy.uidRange && f.euid === 0 ? "the worker's own uid" : `uid ${f.euid === 0 ? policy.uid : f.euid}`}: ${policy.limits.processes} (RLIMIT_NPROC counts every process of that uid, inside the sandbox or not)`,
      `file size: ${policy.limits.fileSizeBytes} bytes`,
      `CPU time: ${policy.limits.cpuSeconds} s`,
      ...(policy.limits.addressSpaceBytes !== undefined ? [`address space: ${policy.limits.addressSpaceBytes} bytes`] : []),
      `wall clock: ${policy.timeoutSeconds !== undefined ? `${policy.timeoutSeconds} s per stage, then the process group is killed` : 'no limit'}`,
    ],
  };
}

function identity(policy: SandboxPolicy, f: KernelFacts): string {
  if (f.euid !== 0) return `the caller's uid ${f.euid} (not started as root), shared by every worker`;
  if (policy.uidRange)
    return `a uid/gid of its own per concurrent worker from ${policy.uidRange.first}-${policy.uidRange.last} (gid = uid), no supplementary groups`;
  return `uid ${policy.uid}, gid ${policy.gid} (fixed: shared by every worker), no supplementary groups`;
}

function isolation(policy: SandboxPolicy, f: KernelFacts): string[] {
  if (f.platform !== 'linux') return ['not applicable on this platform'];
  const root = f.euid === 0;
  const own = root && policy.uidRange !== undefined;
  const cg = policy.cgroup;
  const out = [
    own
      ? 'uid: each worker its own (allocated by the parent under a per-uid lock in /run/bulwark/worker-uids); the kernel refuses setpriority, sched_setaffinity, ioprio_set, kill and chmod/utimensat/setxattr of another worker, and RLIMIT_NPROC counts each worker alone'
      : `uid: shared by every worker (${root ? 'a fixed uid is configured' : 'not root'}): RLIMIT_NPROC counts their processes together (one worker's fork bomb can stop another from starting); setpriority, sched_setaffinity, ioprio_set and chmod/utimensat/setxattr of each other's files pass the kernel's owner checks (Landlock covers none of them)`,
    `IPC: System V (shm, msg, sem) and POSIX message queue calls denied by seccomp (EPERM)${root ? '; a private IPC namespace besides' : '; no private IPC namespace (not root)'}`,
    !cg || cg.mode === 'off'
      ? 'cgroup: off; per-process rlimits only'
      : `cgroup v2 (${cg.mode}): memory.max ${cg.memoryBytes} bytes (no swap), pids.max ${cg.pids}, cpu.max ${cg.cpuPercent}% of one CPU per worker, where the host lets the parent create cgroups (${cg.parent ?? (root ? 'root: <cgroup2 mount>/bulwark' : 'not root: needs [sandbox.cgroup] parent')}; \`bulwark sandbox doctor\` says whether it can)${cg.mode === 'required' ? '; a worker is refused without one' : '; otherwise rlimits only'}`,
    "shared in every case: the host's CPUs, memory and disk bandwidth beyond these limits",
  ];
  return out;
}

function modeText(d: PolicyDescription): string {
  const abi = d.landlockAbi ?? 0;
  const namespaces = d.layers.some((l) => l.name === 'namespaces' && l.status === 'enforced');
  switch (sandboxMode({ landlockAbi: abi, namespaces, seccomp: true, euid: 0 })) {
    case 'landlock+namespaces':
      return `Landlock ABI ${abi} with mount${abi < 6 ? ', network and PID' : ''} namespaces`;
    case 'landlock':
      return `Landlock ABI ${abi} without namespaces`;
    case 'empty-root':
      return 'no Landlock: an empty root with bind mounts of the policy paths, network and PID namespaces';
    default:
      return 'no Landlock and no namespaces: files are not confined';
  }
}

export function renderPolicyText(d: PolicyDescription): string {
  const out: string[] = [];
  out.push(`Sandbox policy (${d.platform}${d.landlockAbi ? `, Landlock ABI ${d.landlockAbi}` : ''})`);
  out.push(
    d.policy.allowDegraded
      ? 'Degraded runs: ALLOWED (a layer that cannot be enforced is reported and recorded)'
      : 'Degraded runs: refused (exit 4 if any layer cannot be enforced)',
  );
  out.push('', 'Layers, applied in this order before the command starts:');
  for (const l of d.layers) out.push(`  [${l.status}] ${l.name}: ${l.what}`);
  if (d.enforcement.length > 0) {
    out.push('', `Mode: ${modeText(d)}. What is enforced, and by what:`);
    for (const e of d.enforcement) out.push(`  ${e.layer}: ${e.mechanism}`);
  }
  out.push(
    '',
    d.enforcement.some((e) => e.layer.startsWith('metadata') && e.enforced)
      ? 'Filesystem: nothing but the paths below exists for the sandbox.'
      : 'Filesystem: reading, writing and executing anything not listed is denied; metadata (stat, readlink, inotify) of unlisted paths is not (a Landlock limit).',
  );
  for (const f of d.filesystem) out.push(`  ${f.path}: ${f.access}`);
  out.push('', 'Never granted, even if asked:');
  for (const n of d.neverGranted) out.push(`  ${n}`);
  out.push('', `Network: ${d.network}`);
  out.push('', 'Denied system calls:');
  for (const r of d.syscalls) out.push(`  ${r.names.join(', ')}: ${r.action} (${r.why})`);
  out.push('', `Identity: ${d.identity}`);
  out.push('', 'Between workers:');
  for (const l of d.isolation) out.push(`  ${l}`);
  out.push('', `Environment: ${d.environment.length > 0 ? d.environment.join('; ') : 'empty'}`);
  out.push('', 'Limits:');
  for (const l of d.limits) out.push(`  ${l}`);
  return out.join('\n') + '\n';
}
