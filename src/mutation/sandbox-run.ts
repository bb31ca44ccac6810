/**
 * Runs one build or test command of a work tree under the OS sandbox: no network (the launcher's
 * seccomp filter refuses every socket), the work tree and toolchains read + execute, dependency
 * caches read-only, writes only to the work tree's tmp/ (and bin/ while compiling), a wall-clock
 * timeout. `sandboxed: false` runs the same command directly, for the benchmark's comparison only.
 */
import { DEFAULT_UID_RANGE, type UidRange } from '../sandbox/uid-range.js';
import { allocateWorkerUid } from '../sandbox/worker-uid.js';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { spawnSandboxed } from '../sandbox/launcher.js';
import { runtimePolicy, type SandboxPolicy } from '../sandbox/policy.js';
import type { Workspace } from './workspace.js';

export interface SandboxSettings {
  uid?: number;
  gid?: number;
  /** Where, as root without a fixed uid, each worker's own uid comes from (default: the sandbox's range). */
  uidRange?: UidRange;
  allowDegraded?: boolean;
  denyPaths?: string[];
  /** Extra read + execute roots (toolchains outside /usr). */
  toolchainPaths: string[];
  /** Extra read-only roots (dependency caches). */
  readPaths: string[];
}

/** A worker's uid for all of its runs, and how to give it back. */
export interface HeldUid {
  settings: SandboxSettings;
  release(): void;
}

/**
 * As root without a fixed uid: takes a uid of the range for one worker until release (the
 * launcher would otherwise give every run a new one, and a run could not replace what the
 * worker's previous run left in its tmp/ and caches). Otherwise the settings as they are.
 */
export function holdWorkerUid(s: SandboxSettings): HeldUid {
  const root = typeof process.geteuid === 'function' && process.geteuid() === 0;
  if (!root || s.uid !== undefined) return { settings: s, release: () => undefined };
  const w = allocateWorkerUid(s.uidRange ?? DEFAULT_UID_RANGE);
  return { settings: { ...s, uid: w.uid, gid: w.gid }, release: () => w.release() };
}

export interface CommandRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  /** The last 8 KiB of stdout and stderr together. */
  output: string;
}

export interface CommandSpec {
  /** Shell text, run by /bin/sh -c. */
  command: string;
  /** Working directory inside the work tree (default: its root). */
  cwd?: string;
  timeoutSeconds: number;
  /** Compiling: bin/ is writable (and not executable) for this run. */
  writeBin?: boolean;
}

/** Read-only system data the usual toolchains read at start: /usr/share (Go's sources, Debian's Java jars), /etc/java-*. */
function defaultReadRoots(): string[] {
  const out = ['/usr/share'].filter((p) => existsSync(p));
  try {
    for (const n of readdirSync('/etc')) if (/^java-\d+/.test(n)) out.push(path.join('/etc', n));
  } catch {
    // no /etc listing: nothing to add
  }
  return out;
}
const DEFAULT_EXEC_ROOTS = ['/usr/local/bin', '/usr/local/lib'];

export function testEnvironment(ws: Workspace): Record<string, string> {
  return {
    HOME: ws.tmp,
    TMPDIR: ws.tmp,
    USER: 'bulwark',
    LOGNAME: 'bulwark',
    PATH: `${path.join(ws.repo, 'node_modules', '.bin')}:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    CI: 'true',
    PYTHONDONTWRITEBYTECODE: '1',
    GOCACHE: path.join(ws.cache, 'go'),
    GOPATH: path.join(ws.tmp, 'gopath'),
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    GOTELEMETRY: 'off',
    npm_config_cache: path.join(ws.tmp, 'npm'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

export function testPolicy(ws: Workspace, spec: CommandSpec, s: SandboxSettings): SandboxPolicy {
  const exec = [ws.repo, ...ws.dependencyRoots, ...DEFAULT_EXEC_ROOTS.filter((p) => existsSync(p)), ...s.toolchainPaths];
  if (!spec.writeBin) exec.push(ws.bin);
  return runtimePolicy({
    readPaths: [...defaultReadRoots(), ...s.readPaths],
    writePaths: spec.writeBin ? [ws.tmp, ws.cache, ws.bin] : [ws.tmp, ws.cache],
    execPaths: exec,
    envAllow: [],
    env: testEnvironment(ws),
    timeoutSeconds: spec.timeoutSeconds,
    // compilers start many threads; as root each worker's uid is its own, so this limit is per worker
    limits: { processes: 4096, cpuSeconds: Math.max(60, Math.ceil(spec.timeoutSeconds * 2)) },
    ...(s.uid !== undefined ? { uid: s.uid } : {}),
    ...(s.gid !== undefined ? { gid: s.gid } : {}),
    allowDegraded: s.allowDegraded ?? false,
    ...(s.denyPaths ? { denyPaths: s.denyPaths } : {}),
  });
}

const OUTPUT_TAIL = 8192;

export async function runCommand(ws: Workspace, spec: CommandSpec, s: SandboxSettings, sandboxed = true): Promise<CommandRun> {
  const started = performance.now();
  const cwd = spec.cwd ?? ws.repo;
  let out = '';
  const collect = (c: Buffer) => {
    out = (out + c.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  if (!sandboxed) {
    const child = spawn('/bin/sh', ['-c', spec.command], { cwd, env: testEnvironment(ws), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, spec.timeoutSeconds * 1000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (c, sig) => resolve([c, sig])));
    clearTimeout(timer);
    return { exitCode: code, signal, timedOut, durationMs: performance.now() - started, output: out };
  }
  // a policy the launcher refuses (exit 3) or a layer it cannot enforce (exit 4) stops the whole
  // run with that code: no mutant can be judged without the sandbox
  const sp = await spawnSandboxed(testPolicy(ws, spec, s), '/bin/sh', ['-c', spec.command], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  sp.child.stdout?.on('data', collect);
  sp.child.stderr?.on('data', collect);
  const child = sp.child;
  const ended = (st: NodeJS.ReadableStream | null) =>
    new Promise<void>((resolve) => {
      if (!st || (st as unknown as { readableEnded: boolean }).readableEnded) return resolve();
      st.once('end', () => resolve());
      st.once('close', () => resolve());
    });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve([child.exitCode, child.signalCode]);
    else child.once('exit', (c, sig) => resolve([c, sig]));
  });
  await Promise.all([ended(child.stdout), ended(child.stderr)]);
  return { exitCode: code, signal, timedOut: sp.timedOut(), durationMs: performance.now() - started, output: out };
}

/**
 * What a test run's output says when the sandbox refused it something: a socket (EPERM from the
 * seccomp filter) or a write outside its scratch (EACCES/EROFS from Landlock).
 */
export function sandboxDenialIn(output: string): string | undefined {
  const m = /[^\n]*(Operation not permitted|Permission denied|EACCES|EPERM|Read-only file system|PermissionError)[^\n]*/.exec(output);
  return m ? m[0].trim().slice(0, 500) : undefined;
}
