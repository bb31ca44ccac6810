/**
 * Linux driver of the C launcher (`build/Release/bulwark-sandbox`): validates the policy, prepares
 * the scratch dirs for the sandbox uid, starts `launcher ARGS -- COMMAND`, and waits on the report
 * pipe until the launcher has either exec'd the command (EOF, the pipe is close-on-exec) or refused.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SandboxError, UsageError } from '../domain/errors.js';
import { createWorkerCgroup, DEFAULT_CGROUP, prepareCgroupParent, type WorkerCgroup } from './cgroup.js';
import { packageRoot } from './package-paths.js';
import { launcherArgs, launcherEnv, launcherError, parseLauncherReport } from './launcher-args.js';
import { validatePolicy, type SandboxPolicy } from './policy.js';
import { reaperAdd, reaperRemove } from './reaper.js';
import { allocateWorkerUid, type WorkerUid } from './worker-uid.js';

export interface SpawnSandboxedOptions {
  /** As for child_process.spawn; entries from index 3 on are extra fds (e.g. the worker channel). */
  stdio?: StdioOptions;
  /** Child fd numbers (≥ 3) kept open across the launcher; default: every extra stdio entry in use. */
  keepFds?: number[];
  cwd?: string;
  /** Launcher binary; default `build/Release/bulwark-sandbox` under the package root. */
  launcher?: string;
}

export interface SandboxedProcess {
  /** The sandboxed process (the launcher pid, which became the command via execve). */
  child: ChildProcess;
  /** Layers not enforced, as "layer: reason" (only non-empty with allowDegraded); record them. */
  degraded: string[];
  /** How this process is kept apart from other workers. */
  isolation: Isolation;
  /** True once the policy's timeout fired and the process group was killed. */
  timedOut(): boolean;
  /** SIGKILL the whole process group (the command and everything it started). */
  kill(): void;
}

export function defaultLauncherPath(): string {
  return path.join(packageRoot, 'build', 'Release', 'bulwark-sandbox');
}

/** The launcher must exist and be executable; otherwise exit 4 with the fix. */
export function assertLauncher(file: string = defaultLauncherPath()): string {
  try {
    accessSync(file, constants.X_OK);
    if (!statSync(file).isFile()) throw new Error('not a file');
  } catch {
    throw new SandboxError(
      `sandbox launcher ${existsSync(file) ? 'is not executable' : 'is missing'}: ${file}; build it with \`npm rebuild\` in ${packageRoot}`,
    );
  }
  return file;
}

/**
 * Process groups of sandboxes still running. If this process exits while they run (an uncaught
 * error, process.exit), their commands die by PDEATHSIG, but what they started in the background
 * would not: kill the groups on the way out.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const g of liveGroups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

function normalizeStdio(stdio: StdioOptions | undefined): unknown[] {
  if (stdio === undefined) return ['ignore', 'pipe', 'pipe'];
  if (typeof stdio === 'string') return [stdio, stdio, stdio];
  const arr = [...stdio];
  while (arr.length < 3) arr.push('ignore');
  return arr;
}

/** What the sandbox uid may do with a path through plain permission bits (as root we see everything). */
function permsFor(st: { uid: number; gid: number; mode: number }, uid: number, gid: number): number {
  if (st.uid === uid) return (st.mode >> 6) & 7;
  if (st.gid === gid) return (st.mode >> 3) & 7;
  return st.mode & 7;
}

/**
 * When we are root the sandbox runs as another uid: scratch dirs are handed to it, and every other
 * rule path must be reachable through permission bits, or the worker would fail later with a
 * confusing EACCES. Fails with exit 3 naming the directory that blocks it.
 */
function prepareForUid(policy: SandboxPolicy): void {
  if (typeof process.geteuid !== 'function' || process.geteuid() !== 0) return;
  const { uid, gid } = policy;
  for (const dir of policy.writePaths) {
    const st = statSync(dir);
    if (st.isDirectory() && (st.uid !== uid || st.gid !== gid)) chownSync(dir, uid, gid);
  }
  const check = (p: string, kind: string, need: number) => {
    const abs = path.resolve(p);
    let dir = path.dirname(abs);
    const ancestors: string[] = [];
    while (dir !== path.dirname(dir)) {
      ancestors.unshift(dir);
      dir = path.dirname(dir);
    }
    for (const a of ancestors) {
      const st = statSync(a);
      if ((permsFor(st, uid, gid) & 1) === 0)
        throw new UsageError(`sandbox policy: ${kind} path ${p} is not reachable by uid ${uid}: directory ${a} has mode ${(st.mode & 0o777).toString(8)}`);
    }
    const st = statSync(abs);
    const want = st.isDirectory() ? need | 1 : need;
    if ((permsFor(st, uid, gid) & want) !== want)
      throw new UsageError(`sandbox policy: ${kind} path ${p} is not accessible to uid ${uid} (mode ${(st.mode & 0o777).toString(8)})`);
  };
  for (const p of policy.readPaths) check(p, 'read', 4);
  for (const p of policy.execPaths) check(p, 'exec', 5);
  for (const p of policy.writePaths) check(p, 'write', statSync(p).isDirectory() ? 7 : 6);
}

export interface Isolation {
  /** The uid/gid it runs as (the caller's when not root). */
  uid: number;
  gid: number;
  /** True when the uid was allocated for this process alone (root and a uid range). */
  ownUid: boolean;
  /** Its cgroup directory, or null with the reason in cgroupReason. */
  cgroup: string | null;
  cgroupReason: string;
}

interface PreparedIsolation {
  policy: SandboxPolicy;
  isolation: Isolation;
  /** Frees the cgroup and the uid, after every process of the worker is gone. Idempotent. */
  release(): Promise<void>;
}

/**
 * As root with a uid range: a uid/gid of the worker's own. Where cgroups can be made: a cgroup with
 * the policy's limits (mode "required" refuses to start without one).
 */
function prepareIsolation(policy: SandboxPolicy): PreparedIsolation {
  const root = typeof process.geteuid === 'function' && process.geteuid() === 0;
  let worker: WorkerUid | undefined;
  if (root && policy.uidRange) worker = allocateWorkerUid(policy.uidRange);
  const effective = worker ? { ...policy, uid: worker.uid, gid: worker.gid } : policy;
  const settings = policy.cgroup ?? DEFAULT_CGROUP;
  let cg: WorkerCgroup | undefined;
  let reason: string;
  try {
    const support = prepareCgroupParent(settings);
    reason = support.reason;
    if (support.available) cg = createWorkerCgroup(support.parent!, settings, String(effective.uid));
  } catch (e) {
    reason = `cannot create the worker's cgroup: ${(e as Error).message}`;
  }
  if (!cg && settings.mode === 'required') {
    worker?.release();
    throw new SandboxError(`sandbox: [sandbox.cgroup] mode = "required" but no cgroup can be made: ${reason}`);
  }
  let released: Promise<void> | undefined;
  return {
    policy: effective,
    isolation: {
      uid: root ? effective.uid : (process.getuid?.() ?? -1),
      gid: root ? effective.gid : (process.getgid?.() ?? -1),
      ownUid: worker !== undefined,
      cgroup: cg?.dir ?? null,
      cgroupReason: reason,
    },
    release: () =>
      (released ??= (async () => {
        await cg?.remove();
        worker?.release();
      })()),
  };
}

/**
 * Start `command args` under the policy. Resolves once the command is running (the launcher has
 * exec'd it); rejects with UsageError (policy problems, exit 3) or SandboxError (a layer cannot be
 * enforced or the launcher is missing, exit 4). Every descendant is killed when the command exits
 * or the timeout fires.
 */
export async function spawnSandboxed(policy: SandboxPolicy, command: string, args: string[], opts: SpawnSandboxedOptions = {}): Promise<SandboxedProcess> {
  if (process.platform === 'darwin') {
    const { spawnSeatbelt } = await import('./seatbelt-runner.js');
    return spawnSeatbelt(policy, command, args, opts);
  }
  if (process.platform !== 'linux') throw new SandboxError(`sandbox: no sandbox implementation for platform ${process.platform}`);
  validatePolicy(policy);
  const launcher = assertLauncher(opts.launcher);
  const prepared = prepareIsolation(policy);
  try {
    prepareForUid(prepared.policy);
    return await start(prepared, command, args, launcher, opts);
  } catch (e) {
    await prepared.release();
    throw e;
  }
}

async function start(prepared: PreparedIsolation, command: string, args: string[], launcher: string, opts: SpawnSandboxedOptions): Promise<SandboxedProcess> {
  const policy = prepared.policy;

  const stdio = normalizeStdio(opts.stdio);
  const keepFds = opts.keepFds ?? stdio.map((s, i) => (i >= 3 && s !== 'ignore' && s !== null && s !== undefined ? i : -1)).filter((i) => i >= 3);
  for (const fd of keepFds) {
    if (!Number.isInteger(fd) || fd < 3 || fd >= stdio.length) throw new UsageError(`sandbox: keepFds entry ${fd} has no stdio entry`);
  }
  const reportFd = stdio.length;
  const fullStdio = [...stdio, 'pipe'] as StdioOptions;

  // The launcher copies only allowlisted variables; giving it nothing else keeps secrets out of the
  // sandbox even if a launcher bug skipped the filtering.
  const env = launcherEnv(policy, process.env);

  const argv = launcherArgs(policy, command, args, {
    keepFds,
    reportFd,
    parentPid: process.pid,
    ...(prepared.isolation.cgroup ? { cgroupDir: prepared.isolation.cgroup } : {}),
  });
  const child = spawn(launcher, argv, { stdio: fullStdio, env, ...(opts.cwd ? { cwd: opts.cwd } : {}) });

  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already gone
    }
  };
  if (child.pid !== undefined) {
    trackGroup(child.pid);
    reaperAdd(launcher, child.pid);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      // The command is gone; anything it left running in its group (the launcher denies setsid and
      // setpgid, so nothing can leave the group) goes with it.
      killGroup();
      if (child.pid !== undefined) {
        liveGroups.delete(child.pid);
        reaperRemove(child.pid);
      }
      // the uid and cgroup go back only once nothing of this worker can run any more
      void prepared.release();
      resolve({ code, signal });
    });
  });

  const report = child.stdio[reportFd] as Readable | null;
  const reportText = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.once('error', (err) => reject(new SandboxError(`sandbox: cannot start the launcher ${launcher}: ${err.message}`)));
    if (!report) return resolve('');
    report.setEncoding('utf8');
    report.on('data', (c: string) => {
      if (buf.length < 64 * 1024) buf += c;
    });
    report.once('end', () => resolve(buf));
    report.once('error', () => resolve(buf));
  });
  report?.destroy();
  const parsed = parseLauncherReport(reportText);
  if (parsed.errors.length > 0) {
    const { code, signal } = await exited;
    throw launcherError(parsed, code, signal);
  }

  if (policy.timeoutSeconds !== undefined && child.exitCode === null && child.signalCode === null) {
    timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, policy.timeoutSeconds * 1000);
  }
  return { child, degraded: parsed.degraded, isolation: prepared.isolation, timedOut: () => timedOut, kill: killGroup };
}
