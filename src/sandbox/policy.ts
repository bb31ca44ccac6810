/**
 * The sandbox policy: one object that drives the Linux launcher and the macOS Seatbelt profile.
 * Pure except for `runtimePolicy` (which looks at the filesystem to find what Node needs) and
 * `validatePolicy` (which checks the paths exist).
 */
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../domain/errors.js';
import { DEFAULT_CGROUP, type CgroupSettings } from './cgroup.js';
import { packageRoot } from './package-paths.js';
import { DEFAULT_UID_RANGE, type UidRange } from './uid-range.js';

export interface SandboxLimits {
  /** RLIMIT_NOFILE: open files. */
  openFiles: number;
  /** RLIMIT_NPROC: processes and threads of the sandbox uid (Node itself needs ~12). */
  processes: number;
  /** RLIMIT_FSIZE: largest file the sandbox may write, bytes. */
  fileSizeBytes: number;
  /** RLIMIT_CPU: CPU seconds. */
  cpuSeconds: number;
  /** RLIMIT_AS: address space, bytes; unset by default because V8 reserves large virtual ranges. */
  addressSpaceBytes?: number;
}

export interface SandboxEndpoint {
  host: string;
  port: number;
  /** When set, the egress broker refuses the other scheme for this endpoint. */
  scheme?: 'http' | 'https';
}

export interface SandboxPolicy {
  /** Read-only (files and directory trees). */
  readPaths: string[];
  /** Read-write (the scratch dir); never executable. */
  writePaths: string[];
  /** Read + execute (runtime and code). */
  execPaths: string[];
  /** Names of variables copied from the parent's environment when set there. */
  envAllow: string[];
  /** Variables set explicitly (win over envAllow). */
  env?: Record<string, string>;
  limits: SandboxLimits;
  /** Wall-clock limit; the whole process group is killed when it expires. */
  timeoutSeconds?: number;
  /** Exact host:port pairs the egress broker may reach for the worker (the worker itself has no sockets). */
  endpoints: SandboxEndpoint[];
  /** The uid/gid the launcher drops to when started as root; a fixed uid is shared by every worker using it. */
  uid: number;
  gid: number;
  /**
   * When set (the default unless a uid is given), a root parent gives each worker its own uid/gid
   * from this range instead of `uid`/`gid` (src/sandbox/worker-uid.ts).
   */
  uidRange?: UidRange;
  /** Per-worker cgroup v2 limits where the host allows them (src/sandbox/cgroup.ts). */
  cgroup?: CgroupSettings;
  /** Run even when a layer cannot be enforced; the degraded layers are reported to the caller. */
  allowDegraded: boolean;
  /** Paths never granted, beyond the built-in /proc, /root, $HOME and the audit store. */
  denyPaths?: string[];
}

/** What callers pass to `runtimePolicy`: any part of a policy; limits may be partial. */
export type PolicyInput = Omit<Partial<SandboxPolicy>, 'limits' | 'cgroup'> & { limits?: Partial<SandboxLimits>; cgroup?: Partial<CgroupSettings> };

export const DEFAULT_LIMITS: SandboxLimits = {
  openFiles: 1024,
  processes: 512,
  fileSizeBytes: 1024 * 1024 * 1024,
  cpuSeconds: 600,
};

export const NOBODY = 65534;

const absolutePath = z
  .string()
  .min(1)
  .refine((p) => path.isAbsolute(p), { message: 'must be an absolute path' });
// Loader variables would act on the launcher itself, which runs as root before it confines anything.
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
  .refine((n) => !/^(LD_|GCONV_PATH$|GLIBC_TUNABLES$|MALLOC_)/.test(n), {
    message: 'loader variables (LD_*, GCONV_PATH, GLIBC_TUNABLES, MALLOC_*) are not allowed',
  });

export const sandboxPolicySchema = z
  .object({
    readPaths: z.array(absolutePath),
    writePaths: z.array(absolutePath),
    execPaths: z.array(absolutePath),
    envAllow: z.array(envName),
    env: z
      .record(
        envName,
        z.string().refine((v) => !v.includes('\0'), 'must not contain NUL'),
      )
      .optional(),
    limits: z
      .object({
        openFiles: z
          .number()
          .int()
          .min(16)
          .max(1 << 20),
        processes: z
          .number()
          .int()
          .min(1)
          .max(1 << 22),
        fileSizeBytes: z.number().int().min(0),
        cpuSeconds: z.number().int().min(1),
        addressSpaceBytes: z
          .number()
          .int()
          .min(1 << 20)
          .optional(),
      })
      .strict(),
    timeoutSeconds: z.number().positive().optional(),
    endpoints: z.array(z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535), scheme: z.enum(['http', 'https']).optional() }).strict()),
    uid: z.number().int().min(1).max(0xfffffffe),
    gid: z.number().int().min(1).max(0xfffffffe),
    uidRange: z
      .object({ first: z.number().int().min(1).max(0xfffffffe), last: z.number().int().min(1).max(0xfffffffe) })
      .strict()
      .refine((r) => r.first <= r.last, 'first must not exceed last')
      .optional(),
    cgroup: z
      .object({
        mode: z.enum(['auto', 'required', 'off']),
        parent: absolutePath.optional(),
        memoryBytes: z
          .number()
          .int()
          .min(16 * 1024 * 1024),
        pids: z.number().int().min(16),
        cpuPercent: z.number().int().min(1).max(100_000),
      })
      .strict()
      .optional(),
    allowDegraded: z.boolean(),
    denyPaths: z.array(absolutePath).optional(),
  })
  .strict();

/** Directories of the system's shared libraries and binaries (read + exec), when present. */
export const SYSTEM_EXEC_DIRS = ['/lib', '/lib64', '/lib32', '/usr/lib', '/usr/lib64', '/usr/lib32', '/usr/libexec', '/bin', '/usr/bin'];
/** Files the dynamic loader, glibc and Node's OpenSSL read at start (read-only), when present. */
export const SYSTEM_READ_FILES = [
  '/etc/ld.so.cache',
  '/etc/localtime',
  '/etc/ssl/openssl.cnf',
  '/usr/lib/ssl/openssl.cnf',
  '/usr/local/ssl/openssl.cnf',
  '/dev/urandom',
  '/dev/random',
];

function home(): string {
  return process.env.HOME && path.isAbsolute(process.env.HOME) ? process.env.HOME : os.homedir();
}

/** The audit store's default locations (see src/audit/locations.ts), plus BULWARK_AUDIT_DB. */
function auditStorePaths(): string[] {
  const xdg = process.env.XDG_STATE_HOME;
  const state = xdg && path.isAbsolute(xdg) ? path.join(xdg, 'bulwark') : path.join(home(), '.local', 'state', 'bulwark');
  const out = [state];
  const db = process.env.BULWARK_AUDIT_DB;
  if (db && !/^postgres(ql)?:\/\//i.test(db)) out.push(path.resolve(db));
  return out;
}

/** Never granted, even if asked: a rule that is, contains, or (for /proc and the audit store) lies in one. */
export function forbiddenPaths(policy: Pick<SandboxPolicy, 'denyPaths'>): { path: string; descendantsToo: boolean }[] {
  const all = [
    { path: '/proc', descendantsToo: true },
    { path: '/root', descendantsToo: false },
    // A home of "/" (some service accounts) would forbid everything; /root and /proc still apply.
    ...(home() !== '/' ? [{ path: home(), descendantsToo: false }] : []),
    ...auditStorePaths().map((p) => ({ path: p, descendantsToo: true })),
    ...(policy.denyPaths ?? []).map((p) => ({ path: p, descendantsToo: true })),
  ];
  const seen = new Set<string>();
  return all.filter((f) => {
    const key = `${f.path}\0${f.descendantsToo}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * The policy a program needs to start, merged with `p`: Node's binary, the system libraries and
 * binaries (read + exec), the /etc files glibc and OpenSSL read, /dev/null (rw), the random devices,
 * and this package's dist/ and node_modules/ (read-only: the worker's code). Nothing under /proc,
 * /root or $HOME is added.
 */
export function runtimePolicy(p: PolicyInput = {}): SandboxPolicy {
  const existing = (xs: string[]) => xs.filter((x) => existsSync(x)).map(canonical);
  const node = realpathSync(process.execPath);
  const code = existing([path.join(packageRoot, 'dist'), path.join(packageRoot, 'node_modules')]);
  return {
    readPaths: unique([...existing(SYSTEM_READ_FILES), ...code, ...(p.readPaths ?? [])]),
    writePaths: unique(['/dev/null', ...(p.writePaths ?? [])]),
    execPaths: unique([node, ...existing(SYSTEM_EXEC_DIRS), ...(p.execPaths ?? [])]),
    envAllow: unique(p.envAllow ?? []),
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', ...(p.env ?? {}) },
    limits: { ...DEFAULT_LIMITS, ...(p.limits ?? {}) },
    ...(p.timeoutSeconds !== undefined ? { timeoutSeconds: p.timeoutSeconds } : {}),
    endpoints: [...(p.endpoints ?? [])],
    uid: p.uid ?? NOBODY,
    gid: p.gid ?? NOBODY,
    // A fixed uid is the caller's explicit choice; otherwise each worker gets its own.
    ...(p.uidRange ? { uidRange: { ...p.uidRange } } : p.uid === undefined ? { uidRange: { ...DEFAULT_UID_RANGE } } : {}),
    cgroup: { ...DEFAULT_CGROUP, ...(p.cgroup ?? {}) },
    allowDegraded: p.allowDegraded ?? false,
    ...(p.denyPaths ? { denyPaths: [...p.denyPaths] } : {}),
  };
}

function isWithin(child: string, dir: string): boolean {
  if (dir === '/') return true;
  return child === dir || child.startsWith(dir + '/');
}

type Kind = 'read' | 'write' | 'exec';

function rulePaths(policy: SandboxPolicy): { kind: Kind; path: string }[] {
  return [
    ...policy.writePaths.map((p) => ({ kind: 'write' as const, path: p })),
    ...policy.readPaths.map((p) => ({ kind: 'read' as const, path: p })),
    ...policy.execPaths.map((p) => ({ kind: 'exec' as const, path: p })),
  ];
}

/**
 * Checks a policy before anything is started (exit 3 on failure, naming the path): schema, every
 * rule path exists, no rule path passes through a symlink located inside a writable path, nothing
 * forbidden is granted. The launcher repeats the path checks (it is the enforcement point).
 */
export function validatePolicy(policy: SandboxPolicy): SandboxPolicy {
  const parsed = sandboxPolicySchema.safeParse(policy);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`sandbox policy: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const rules = rulePaths(policy);
  for (const r of rules) {
    if (!existsSync(r.path)) throw new UsageError(`sandbox policy: ${r.kind} path does not exist: ${r.path}`);
  }
  const writable = policy.writePaths.map(canonical).filter((p) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  });
  for (const w of policy.writePaths) {
    const rw = canonical(w);
    for (const x of policy.execPaths) {
      const rx = canonical(x);
      if (isWithin(rw, rx) || isWithin(rx, rw))
        throw new UsageError(`sandbox policy: write path ${w} overlaps exec path ${x}; the sandbox could run what it writes`);
    }
  }
  const forbidden = forbiddenPaths(policy).map((f) => ({ ...f, real: canonical(f.path) }));
  for (const r of rules) {
    const parts = path.resolve(r.path).split('/').filter(Boolean);
    let prefix = '';
    for (const part of parts) {
      prefix += '/' + part;
      if (!lstatSync(prefix).isSymbolicLink()) continue;
      const parent = canonical(path.dirname(prefix));
      const w = writable.find((dir) => isWithin(parent, dir));
      if (w) throw new UsageError(`sandbox policy: ${r.kind} path ${r.path} goes through symlink ${prefix} inside writable path ${w}; refused`);
    }
    const real = canonical(r.path);
    for (const f of forbidden) {
      const fp = f.real;
      if (isWithin(fp, real) || (f.descendantsToo && isWithin(real, fp)))
        throw new UsageError(`sandbox policy: ${r.kind} path ${r.path} would grant ${f.path}, which is never granted`);
    }
  }
  return policy;
}
