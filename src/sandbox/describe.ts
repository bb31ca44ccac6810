/**
 * The effective policy in words an auditor can read (`bulwark sandbox policy`), and the same
 * content as JSON. Pure: kernel facts (Landlock ABI, ...) are passed in.
 */
import { forbiddenPaths, type SandboxPolicy } from './policy.js';
import { seccompRules, type SyscallRule } from './syscalls.js';

export interface KernelFacts {
  platform: NodeJS.Platform;
  landlockAbi: number | null;
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
      name: 'identity',
      what: 'root is dropped to the policy uid/gid with supplementary groups cleared',
      status: root ? 'enforced' : 'not applicable',
    },
    { name: 'no_new_privs', what: 'setuid binaries and file capabilities cannot raise privileges', status: 'enforced' },
    {
      name: 'landlock',
      what: `filesystem: every access right of ABI ${abi || '?'} handled; only the listed paths are granted`,
      status: abi >= 3 ? 'enforced' : 'missing',
    },
    { name: 'landlock-net', what: 'TCP bind and connect handled with no rule: denied everywhere (ABI >= 4)', status: abi >= 4 ? 'enforced' : 'missing' },
    { name: 'landlock-scope', what: 'abstract unix sockets and signals scoped to the sandbox (ABI >= 6)', status: abi >= 6 ? 'enforced' : 'missing' },
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
    filesystem,
    neverGranted: forbiddenPaths(policy).map((x) =>
      x.descendantsToo ? `${x.path} (and everything under it)` : `${x.path} (the directory itself and its parents)`,
    ),
    network:
      'no sockets: socket() fails with EPERM and TCP is denied by Landlock. ' +
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
      `processes/threads of ${policy.uidRange && f.euid === 0 ? "the worker's own uid" : `uid ${f.euid === 0 ? policy.uid : f.euid}`}: ${policy.limits.processes} (RLIMIT_NPROC counts every process of the uid)`,
      `file size: ${policy.limits.fileSizeBytes} bytes`,
      `CPU time: ${policy.limits.cpuSeconds} s`,
      ...(policy.limits.addressSpaceBytes !== undefined ? [`address space: ${policy.limits.addressSpaceBytes} bytes`] : []),
      `wall clock: ${policy.timeoutSeconds !== undefined ? `${policy.timeoutSeconds} s, then the process group is killed` : 'no limit'}`,
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
  out.push('', 'Filesystem: everything not listed is denied (EACCES).');
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
