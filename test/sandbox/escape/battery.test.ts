/**
 * The escape battery. Every attack runs through the REAL launcher
 * (build/Release/bulwark-sandbox via spawnSandboxed) from a Node worker, from /bin/sh, or from
 * Python doing raw system calls, and must be denied (with its errno where that is stable) and
 * leave no trace: the outside tree is unchanged, no listener saw a byte, no process survived.
 * Each attack also runs unconfined in a control test, where it must succeed (or, for a call this
 * kernel lacks, at least reach the kernel): that is what proves each battery test can fail.
 * An attack program that finds this machine cannot carry the attack out at all (sandbox or not)
 * says so and why (`unavailable`) instead of trying: its control is then marked "control
 * unavailable: <why>" rather than failed, and the attack is judged by the confined run alone,
 * which must not have escaped and must give the same account as an unconfined run.
 * Positive controls show the sandbox still lets a program do its job.
 *
 * The same battery runs at the kernel's Landlock ABI (this file) and at forced lower ones
 * (battery-abi*.test.ts set BULWARK_LANDLOCK_ABI_MAX and import it): the launcher then compensates
 * with namespaces (docs/sandbox.md), and a denial may read differently: EROFS from a read-only bind
 * mount, ENOENT from the empty root of ABI 0, ESRCH from a PID namespace. The unconfined controls
 * do not depend on the ABI and run once, here.
 *
 * Network attacks target only listeners this file starts on 127.0.0.0/8 and ::1.
 * On Linux nothing here skips (but a control marked unavailable, above): a missing launcher or an
 * unenforceable layer fails the suite.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../../src/sandbox/package-paths.js';
import type { ResolvedAddress } from '../../../src/sandbox/egress-broker.js';
import { launcherInfo, runDoctor } from '../../../src/sandbox/doctor.js';
import { spawnSandboxed } from '../../../src/sandbox/launcher.js';
import { runtimePolicy, type SandboxPolicy } from '../../../src/sandbox/policy.js';
import { RpcErrorCode } from '../../../src/protocol/rpc.js';
import { startSandboxedWorker, type WorkerEvent } from '../../../src/sandbox/worker-host.js';
import type { AttackContext, AttackOutcome } from './fixtures/context.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const attackJs = path.join(here, 'fixtures', 'attack.js');
const channelWorkerJs = path.join(here, 'fixtures', 'channel-worker.js');
// The Python fixture is not compiled; read it from the source tree and hand it over with -c so the
// sandbox needs no grant for the test directory.
const pythonSource = fs.readFileSync(path.join(packageRoot, 'test', 'sandbox', 'escape', 'fixtures', 'native_attacks.py'), 'utf8');
const PYTHON = '/usr/bin/python3';
const DGRAM_LISTENER = `
import os, select, socket, sys
p = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); p.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); a.bind('\\0' + sys.argv[2])
print('ready', flush=True)
while True:
    for s in select.select([p, a], [], [])[0]:
        s.recv(64); print('hit', flush=True)
`;

const isRoot = process.getuid?.() === 0;
/** Set by the battery-abi*.test.ts wrappers; unset: the kernel's ABI. */
const forcedAbi = process.env.BULWARK_LANDLOCK_ABI_MAX;
const info = launcherInfo();
/** The ABI the launcher uses in this run, and whether it builds namespaces here. */
const abiInUse = info.landlockAbi;
const modeName = forcedAbi === undefined ? `real ABI ${abiInUse}` : `forced ABI ${abiInUse}`;
const LDSO = ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1'].find((f) => fs.existsSync(f)) ?? '/lib64/ld-linux-x86-64.so.2';
/**
 * A uid of its own per run (when we can pick one), so kill(-1) and RLIMIT_NPROC touch nothing else
 * on the box, not even another battery run at the same time (the unconfined kill(-1) control kills
 * every process of its uid). Kept below 65534 so containers with a 16-bit uid map can use it.
 */
const batteryUid = 61000 + (process.pid % 4000);
const battery = isRoot ? { uid: batteryUid, gid: batteryUid } : { uid: process.getuid!(), gid: process.getgid!() };

type Runner = 'node' | 'python' | 'sh';
interface Attack {
  runner: Runner;
  name: string;
  /** For sh: the script (ctx fields substituted as {field}); it prints ESCAPED when it got through. */
  script?: string;
  /** Accepted errno names under confinement; undefined = any error, as long as nothing escaped. */
  errno?: string[];
  /** Expect the process to be killed by this signal instead (seccomp KILL_PROCESS). */
  killedBy?: NodeJS.Signals;
  /** Unconfined, the attack must escape (default) or at least reach the kernel (the call exists but fails). */
  control?: 'escapes' | 'reaches-kernel' | 'none';
  /** Run the unconfined control as the battery uid instead of root (it must not hit other users' processes). */
  controlAsBatteryUid?: boolean;
  needsVictim?: boolean;
  policy?: Partial<SandboxPolicy>;
  /** How the unconfined control proves the escape, when the program's own report cannot. */
  controlCheck?: (r: RunResult) => void;
  /** Extra check after the confined run. */
  after?: (r: RunResult, ctx: AttackContext) => Promise<void> | void;
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outcome: AttackOutcome;
}

// ---------------------------------------------------------------------------------------------
// Fixture tree and listeners
// ---------------------------------------------------------------------------------------------
let root: string;
let ctxBase: Omit<AttackContext, 'victimPid' | 'pidFile' | 'auditDb'> & { tcpPort6: number };
const hits = { tcp: 0, tcp6: 0, allowedHttp: 0, udp: 0, dns: 0, unix: 0, abstract: 0, dgram: 0 };
const servers: { close(): void }[] = [];
const SECRET = 'BULWARK-ESCAPE-SECRET-7f3a';
const READONLY = 'read-only content\n';
const VICTIM = 'victim content\n';
let auditDbDigest = '';

function write(file: string, content: string, mode: number): void {
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
}

/** Restore the tree to its initial state (controls really do modify it). */
function resetTree(): void {
  const { workspace, scratch, outside } = ctxBase;
  for (const name of fs.readdirSync(outside)) if (name !== 'docker.sock') fs.rmSync(path.join(outside, name), { force: true, recursive: true });
  write(path.join(outside, 'secret.txt'), SECRET, 0o644);
  write(path.join(outside, 'victim.txt'), VICTIM, 0o666);
  write(path.join(workspace, 'readonly.txt'), READONLY, 0o666);
  const db = new Database(path.join(outside, 'audit.sqlite'));
  db.exec("CREATE TABLE entries (i INTEGER PRIMARY KEY, body TEXT); INSERT INTO entries (body) VALUES ('run_started')");
  db.close();
  fs.chmodSync(path.join(outside, 'audit.sqlite'), 0o666);
  auditDbDigest = fs.readFileSync(path.join(outside, 'audit.sqlite')).toString('base64');
  // Owned by the sandbox uid: permission bits and protected_hardlinks allow everything, so any
  // denial of these files comes from Landlock.
  if (isRoot) for (const f of ['secret.txt', 'victim.txt', 'audit.sqlite']) fs.chownSync(path.join(outside, f), battery.uid, battery.gid);
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { mode: 0o755 });
  if (isRoot) fs.chownSync(scratch, battery.uid, battery.gid);
  for (const k of Object.keys(hits) as (keyof typeof hits)[]) hits[k] = 0;
}

function outsideListing(): string[] {
  return fs.readdirSync(ctxBase.outside).sort();
}

async function listen(server: net.Server | http.Server, ...args: unknown[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    (server.listen as (...a: unknown[]) => void)(...args, () => resolve());
  });
  servers.push(server);
}

before(async () => {
  assert.equal(process.platform, 'linux', 'the escape battery runs on Linux (Landlock + seccomp)');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-escape-'));
  fs.chmodSync(root, 0o755);
  const workspace = path.join(root, 'workspace');
  const scratch = path.join(root, 'scratch');
  const outside = path.join(root, 'outside');
  const home = path.join(root, 'home');
  fs.mkdirSync(workspace, { mode: 0o755 });
  fs.mkdirSync(outside);
  fs.chmodSync(outside, 0o777);
  for (const d of ['.ssh', '.aws']) fs.mkdirSync(path.join(home, d), { recursive: true, mode: 0o755 });
  fs.chmodSync(home, 0o755);
  // World-readable on purpose: only Landlock stands between the sandbox and these.
  write(path.join(home, '.ssh', 'id_rsa'), `-----BEGIN OPENSSH PRIVATE KEY----- ${SECRET}`, 0o644);
  write(path.join(home, '.aws', 'credentials'), `[default]\naws_secret_access_key = ${SECRET}\n`, 0o644);
  write(path.join(workspace, 'allowed.txt'), 'allowed workspace file\n', 0o644);
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(workspace, 'link-to-secret'));

  // Listeners answer like a real service would (an HTTP reply), so unconfined attacks complete.
  const answer = (s: net.Socket) => {
    s.on('error', () => undefined);
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
  };
  const tcp = net.createServer((s) => {
    hits.tcp++;
    answer(s);
  });
  await listen(tcp, 0, '127.0.0.1');
  const tcp6 = net.createServer((s) => {
    hits.tcp6++;
    answer(s);
  });
  await listen(tcp6, 0, '::1');
  const allowed = http.createServer((req, res) => res.end(`allowed ${req.url}`));
  allowed.on('connection', () => hits.allowedHttp++);
  await listen(allowed, 0, '127.0.0.2');
  const udp = dgram.createSocket('udp4');
  udp.on('message', () => hits.udp++);
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const dnsSock = dgram.createSocket('udp4');
  dnsSock.on('message', () => hits.dns++);
  await new Promise<void>((r) => dnsSock.bind(0, '127.0.0.1', r));
  servers.push(udp, dnsSock);
  const unixPath = path.join(outside, 'docker.sock');
  const unix = net.createServer((s) => {
    hits.unix++;
    answer(s);
  });
  await listen(unix, unixPath);
  fs.chmodSync(unixPath, 0o777);
  const abstractName = `bulwark-escape-${process.pid}`;
  const abstract = net.createServer((s) => {
    hits.abstract++;
    answer(s);
  });
  await listen(abstract, `\0${abstractName}`);

  // Unix datagram listeners (Node has none): a Python child prints one line per datagram.
  const dgramSocket = path.join(root, 'log.sock');
  const dgramAbstract = `bulwark-escape-dgram-${process.pid}`;
  const listener = spawn(PYTHON, ['-I', '-c', DGRAM_LISTENER, dgramSocket, dgramAbstract], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push({ close: () => listener.kill('SIGKILL') });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    listener.once('exit', (code) => reject(new Error(`datagram listener exited with ${code}`)));
    listener.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (l === 'ready') resolve();
        else if (l === 'hit') hits.dgram++;
      }
    });
  });

  ctxBase = {
    home,
    dgramSocket,
    dgramAbstract,
    workspace,
    scratch,
    outside,
    tcpPort: (tcp.address() as net.AddressInfo).port,
    tcpPort6: (tcp6.address() as net.AddressInfo).port,
    allowedPort: (allowed.address() as net.AddressInfo).port,
    udpPort: udp.address().port,
    dnsPort: dnsSock.address().port,
    unixSocket: unixPath,
    abstractName,
    parentPid: process.pid,
  };
  process.env.BULWARK_TEST_SECRET = SECRET;
  process.env.BULWARK_ALLOWED_VAR = 'fine';
  resetTree();
});

after(() => {
  for (const s of servers) s.close();
  delete process.env.BULWARK_TEST_SECRET;
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Running attacks
// ---------------------------------------------------------------------------------------------
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie nobody reaped yet is dead for our purposes.
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitDead(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

function startVictim(): ChildProcess {
  return spawn('/bin/sleep', ['600'], { stdio: 'ignore', ...(isRoot ? battery : {}) });
}

/** A readable address in the victim's memory (for process_vm_readv). */
function readableAddress(pid: number): number {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  const line = maps.split('\n').find((l) => /^[0-9a-f]+-[0-9a-f]+ r/.test(l));
  return parseInt(line!.split('-')[0]!, 16);
}

function commandFor(a: Attack, ctx: AttackContext): [string, string[]] {
  const json = JSON.stringify({ ...ctx, tcpPort6: ctxBase.tcpPort6, victimAddr: (ctx as { victimAddr?: number }).victimAddr });
  if (a.runner === 'node') return [process.execPath, [attackJs, a.name, json]];
  if (a.runner === 'python') return [PYTHON, ['-I', '-c', pythonSource, a.name, json]];
  const script = a.script!.replace(/\{(\w+)\}/g, (_, k: string) => String((ctx as unknown as Record<string, unknown>)[k]));
  return ['/bin/sh', ['-c', script]];
}

function errnoFromShell(stderr: string): string | undefined {
  if (/Permission denied/i.test(stderr)) return 'EACCES';
  if (/Operation not permitted/i.test(stderr)) return 'EPERM';
  if (/Invalid cross-device link/i.test(stderr)) return 'EXDEV';
  if (/Function not implemented/i.test(stderr)) return 'ENOSYS';
  if (/Read-only file system/i.test(stderr)) return 'EROFS';
  if (/No such file or directory|Directory nonexistent/i.test(stderr)) return 'ENOENT';
  if (/No such process/i.test(stderr)) return 'ESRCH';
  return undefined;
}

function outcomeOf(a: Attack, code: number | null, stdout: string, stderr: string): AttackOutcome {
  if (a.runner === 'sh') {
    return { escaped: stdout.includes('ESCAPED'), errno: errnoFromShell(stderr), detail: `${stdout}${stderr}`.slice(0, 300) };
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as AttackOutcome;
  } catch {
    return { escaped: false, errno: `NO_OUTPUT(code ${code})`, detail: stderr.slice(0, 300) };
  }
}

function collect(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

function policyFor(a: Attack): SandboxPolicy {
  return runtimePolicy({
    readPaths: [ctxBase.workspace],
    writePaths: [ctxBase.scratch],
    envAllow: ['BULWARK_ALLOWED_VAR'],
    env: { HOME: ctxBase.home },
    endpoints: [{ host: '127.0.0.2', port: ctxBase.allowedPort }],
    uid: battery.uid,
    gid: battery.gid,
    timeoutSeconds: 60,
    ...a.policy,
  });
}

async function withContext<T>(a: Attack, fn: (ctx: AttackContext, victim?: ChildProcess) => Promise<T>): Promise<T> {
  resetTree();
  const victim = a.needsVictim ? startVictim() : undefined;
  if (victim) await new Promise((r) => victim.once('spawn', r));
  const ctx = {
    ...ctxBase,
    victimPid: victim?.pid ?? 0,
    victimAddr: victim ? readableAddress(victim.pid!) : 0,
    pidFile: path.join(ctxBase.scratch, 'left-behind.pid'),
    auditDb: path.join(ctxBase.outside, 'audit.sqlite'),
  } as AttackContext;
  try {
    return await fn(ctx, victim);
  } finally {
    victim?.kill('SIGKILL');
  }
}

async function runConfined(a: Attack, ctx: AttackContext): Promise<RunResult> {
  const [cmd, args] = commandFor(a, ctx);
  if (a.runner === 'node') {
    // Exactly as production starts a stage worker: startSandboxedWorker, with the fd-3 channel open.
    const w = await startSandboxedWorker({ script: args[0]!, args: args.slice(1), policy: policyFor(a) });
    assert.deepEqual(w.degraded, [], 'every layer is enforced (no --allow-degraded in the battery)');
    const { code, signal } = await w.exited;
    const stdout = w.stdout();
    const stderr = w.stderr();
    return { code, signal, stdout, stderr, outcome: outcomeOf(a, code, stdout, stderr) };
  }
  const sp = await spawnSandboxed(policyFor(a), cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.deepEqual(sp.degraded, [], 'every layer is enforced (no --allow-degraded in the battery)');
  const r = await collect(sp.child);
  return { ...r, outcome: outcomeOf(a, r.code, r.stdout, r.stderr) };
}

async function runPlain(a: Attack, ctx: AttackContext): Promise<RunResult> {
  const [cmd, args] = commandFor(a, ctx);
  const env = { ...process.env, HOME: ctxBase.home };
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env, ...(a.controlAsBatteryUid && isRoot ? battery : {}) });
  const r = await collect(child);
  return { ...r, outcome: outcomeOf(a, r.code, r.stdout, r.stderr) };
}

const SIGNAL_ATTACKS = new Set(['signal the parent process', 'kill a same-uid process outside the sandbox', 'sh: signal the parent']);

/**
 * The errnos a denial may carry in this mode. File attacks: read and exec paths are read-only bind
 * mounts wherever namespaces exist (EROFS), and at ABI 0 nothing outside the policy exists (ENOENT).
 * Signal attacks below ABI 6: the PID namespace hides the target (ESRCH).
 */
function acceptedErrnos(a: Attack): string[] | undefined {
  if (!a.errno) return undefined;
  const out = [...a.errno];
  const fileAttack = a.errno.includes('EACCES') || a.errno.includes('EXDEV');
  if (fileAttack && info.namespaces) out.push('EROFS');
  if (fileAttack && abiInUse === 0) out.push('ENOENT');
  if (SIGNAL_ATTACKS.has(a.name) && abiInUse < 6) out.push('ESRCH');
  return out;
}

/** Processes still alive that the attack recorded (its pid may be one of a PID namespace). */
function recordedProcessAlive(recorded: number): number | undefined {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let status: string;
    try {
      status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
    } catch {
      continue;
    }
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).map(Number) ?? [Number(name)];
    const inner = nspid[nspid.length - 1];
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    // In its own namespace (more than one level) or, without one, the very pid.
    if (inner === recorded && (nspid.length > 1 || Number(name) === recorded) && uid === battery.uid && !/^State:\s+Z/m.test(status)) return Number(name);
  }
  return undefined;
}

/** What must hold after every confined attack, whatever it tried. */
function assertNoTrace(r: RunResult): void {
  assert.deepEqual(outsideListing(), ['audit.sqlite', 'docker.sock', 'secret.txt', 'victim.txt'], 'nothing was created outside the sandbox');
  assert.equal(fs.readFileSync(path.join(ctxBase.outside, 'audit.sqlite')).toString('base64'), auditDbDigest, 'audit database unchanged');
  assert.equal(fs.readFileSync(path.join(ctxBase.outside, 'victim.txt'), 'utf8'), VICTIM, 'outside file unchanged');
  assert.equal(fs.readFileSync(path.join(ctxBase.workspace, 'readonly.txt'), 'utf8'), READONLY, 'read-only file unchanged');
  assert.deepEqual({ ...hits, allowedHttp: 0 }, { tcp: 0, tcp6: 0, allowedHttp: 0, udp: 0, dns: 0, unix: 0, abstract: 0, dgram: 0 }, 'no listener was reached');
  assert.equal(hits.allowedHttp, 0, 'the allowed endpoint was not reached directly');
  assert.ok(!r.stdout.includes(SECRET), 'no secret in the output');
}

// ---------------------------------------------------------------------------------------------
// The attacks
// ---------------------------------------------------------------------------------------------
const EACCES = ['EACCES'];
const EPERM = ['EPERM'];
const CROSS = ['EACCES', 'EXDEV'];

const leftBehindIsGone = async (_r: RunResult, ctx: AttackContext) => {
  const pid = Number(fs.readFileSync(ctx.pidFile, 'utf8'));
  assert.ok(pid > 0, 'the attack started a background process');
  const until = Date.now() + 5000;
  let alive = recordedProcessAlive(pid);
  while (alive !== undefined && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    alive = recordedProcessAlive(pid);
  }
  assert.equal(alive, undefined, `background process ${pid} was killed when the sandbox ended`);
};
const victimSurvives = (_r: RunResult, ctx: AttackContext) => assert.ok(isAlive(ctx.victimPid), 'the victim process is alive');

const attacks: Attack[] = [
  // Node worker: files
  { runner: 'node', name: 'read ~/.ssh private key', errno: EACCES },
  { runner: 'node', name: 'read ~/.aws credentials', errno: EACCES },
  { runner: 'node', name: 'list /root', errno: EACCES },
  { runner: 'node', name: 'read /etc/shadow', errno: EACCES },
  { runner: 'node', name: 'read outside file via /proc/self/root', errno: EACCES },
  { runner: 'node', name: 'read parent /proc/<ppid>/environ', errno: EACCES },
  { runner: 'node', name: 'read parent /proc/<ppid>/mem', errno: EACCES },
  { runner: 'node', name: 'read through a symlink planted in the workspace', errno: EACCES },
  { runner: 'node', name: 'write outside the scratch dir', errno: EACCES },
  { runner: 'node', name: 'write through a symlink in scratch', errno: EACCES },
  { runner: 'node', name: 'rename a file out of scratch', errno: CROSS },
  { runner: 'node', name: 'hard-link a scratch file into an outside dir', errno: CROSS },
  { runner: 'node', name: 'hard-link an outside secret into scratch', errno: CROSS },
  { runner: 'node', name: 'read the audit database', errno: EACCES },
  { runner: 'node', name: 'append to the audit database', errno: EACCES },
  { runner: 'node', name: 'truncate a read-only file', errno: EACCES },
  { runner: 'node', name: 'open a read-only file for writing', errno: EACCES },
  { runner: 'node', name: 'execute a binary dropped in scratch', errno: EACCES },
  // Node worker: network
  { runner: 'node', name: 'TCP connect to 127.0.0.1', errno: EPERM },
  { runner: 'node', name: 'TCP connect to the allowed endpoint port on 127.0.0.2 directly', errno: EPERM },
  { runner: 'node', name: 'UDP sendto 127.0.0.1', errno: EPERM },
  // c-ares reports its own code for a socket it could not open; the listener count is the proof.
  {
    runner: 'node',
    name: 'DNS query to a resolver on 127.0.0.1 (dns.setServers)',
    // The test's resolver never answers; a query that left the process is the escape.
    controlCheck: () => assert.ok(hits.dns > 0, 'the query reached the resolver'),
  },
  { runner: 'node', name: 'fetch() to 127.0.0.1', errno: EPERM },
  { runner: 'node', name: 'connect to a pathname Unix socket outside (docker.sock stand-in)', errno: EPERM },
  { runner: 'node', name: 'connect to an abstract Unix socket', errno: EPERM },
  // Node worker: processes and environment
  { runner: 'node', name: 'signal the parent process', errno: EPERM },
  { runner: 'node', name: 'kill a same-uid process outside the sandbox', errno: EPERM, needsVictim: true, controlAsBatteryUid: true, after: victimSurvives },
  {
    runner: 'node',
    name: 'kill(-1) every process it can reach',
    needsVictim: true,
    controlAsBatteryUid: true,
    // Unconfined as root this would signal the whole machine; only run the control under a uid of its own.
    control: isRoot ? 'escapes' : 'none',
    after: victimSurvives,
  },
  { runner: 'node', name: 'leave a background process running after the sandbox ends', control: 'escapes', after: leftBehindIsGone },
  {
    runner: 'node',
    name: 'fork bomb beyond the process limit',
    errno: ['EAGAIN'],
    policy: { limits: { openFiles: 1024, processes: 48, fileSizeBytes: 1 << 30, cpuSeconds: 600 } },
    after: (r) => assert.match(r.outcome.detail ?? '', /^\d+ children started$/),
  },
  { runner: 'node', name: 'environment variables not on the allowlist' },

  // Raw system calls (Python ctypes)
  { runner: 'python', name: 'raw ICMP socket', errno: EPERM },
  { runner: 'python', name: 'AF_VSOCK socket', errno: EPERM, control: 'reaches-kernel' },
  { runner: 'python', name: 'AF_NETLINK socket', errno: EPERM },
  { runner: 'python', name: 'MPTCP connect to 127.0.0.1', errno: EPERM, control: 'reaches-kernel' },
  { runner: 'python', name: 'IPv6 TCP connect to ::1', errno: EPERM },
  { runner: 'python', name: 'socket() with AF_UNIX to the docker.sock stand-in', errno: EPERM },
  { runner: 'python', name: 'sendto a pathname unix datagram socket from a socketpair', errno: EPERM, controlCheck: () => assert.ok(hits.dgram > 0) },
  { runner: 'python', name: 'sendto an abstract unix datagram socket from a socketpair', errno: EPERM, controlCheck: () => assert.ok(hits.dgram > 0) },
  { runner: 'python', name: 'io_uring_setup', errno: ['ENOSYS'] },
  { runner: 'python', name: 'ptrace attach to a same-uid process', errno: EPERM, needsVictim: true, controlAsBatteryUid: true },
  { runner: 'python', name: 'process_vm_readv of another process', errno: EPERM, needsVictim: true, controlAsBatteryUid: true },
  { runner: 'python', name: 'TIOCSTI terminal input injection', errno: EPERM },
  { runner: 'python', name: 'new user namespace + mount', errno: EPERM, control: 'reaches-kernel' },
  { runner: 'python', name: 'clone() with CLONE_NEWUSER', errno: EPERM },
  { runner: 'python', name: 'setsid to leave the process group', errno: EPERM },
  { runner: 'python', name: 'bpf() map creation', errno: EPERM },
  { runner: 'python', name: 'userfaultfd', errno: EPERM },
  { runner: 'python', name: 'keyring add_key', errno: EPERM },
  { runner: 'python', name: 'execute a fileless binary from a memfd', errno: EPERM },
  // Foreign syscall ABIs exist on x86-64 (arm64 would need an AArch32 entry, not written yet).
  ...(process.arch === 'x64'
    ? ([
        { runner: 'python', name: 'x32 syscall ABI entry', killedBy: 'SIGSYS', control: 'reaches-kernel' },
        { runner: 'python', name: '32-bit int 0x80 syscall entry', killedBy: 'SIGSYS' },
      ] as Attack[])
    : []),

  // From a shell
  { runner: 'sh', name: 'sh: cat /etc/shadow', script: 'cat /etc/shadow && echo ESCAPED', errno: EACCES },
  { runner: 'sh', name: 'sh: cat ~/.ssh/id_rsa', script: 'cat "$HOME/.ssh/id_rsa" && echo ESCAPED', errno: EACCES },
  { runner: 'sh', name: 'sh: ls /root', script: 'ls /root && echo ESCAPED', errno: EACCES },
  { runner: 'sh', name: 'sh: read via /proc/self/root', script: 'cat /proc/self/root{outside}/secret.txt && echo ESCAPED', errno: EACCES },
  { runner: 'sh', name: 'sh: read through the workspace symlink', script: 'cat {workspace}/link-to-secret && echo ESCAPED', errno: EACCES },
  { runner: 'sh', name: 'sh: write outside scratch', script: 'echo x > {outside}/sh-write && echo ESCAPED', errno: EACCES },
  {
    runner: 'sh',
    name: 'sh: write through a symlink in scratch',
    script: 'ln -s {outside}/victim.txt {scratch}/l && echo overwritten > {scratch}/l && echo ESCAPED',
    errno: EACCES,
  },
  { runner: 'sh', name: 'sh: mv out of scratch', script: 'echo x > {scratch}/f && mv {scratch}/f {outside}/f && echo ESCAPED', errno: CROSS },
  { runner: 'sh', name: 'sh: hard link out of scratch', script: 'echo x > {scratch}/f && ln {scratch}/f {outside}/hl && echo ESCAPED', errno: CROSS },
  { runner: 'sh', name: 'sh: truncate a read-only file', script: ': > {workspace}/readonly.txt && echo ESCAPED', errno: EACCES },
  { runner: 'sh', name: 'sh: mkfifo outside scratch', script: 'mkfifo {outside}/fifo && echo ESCAPED', errno: EACCES },
  { runner: 'sh', name: 'sh: mknod outside scratch', script: 'mknod {outside}/node p && echo ESCAPED', errno: EACCES },
  {
    runner: 'sh',
    name: 'sh: execute a binary dropped in scratch',
    script: 'cp /bin/true {scratch}/t && chmod 755 {scratch}/t && {scratch}/t && echo ESCAPED',
    errno: EACCES,
  },
  // Code dropped in scratch, run without execve: only the noexec mount of a namespace stops these.
  ...(info.namespaces
    ? ([
        {
          runner: 'sh',
          name: 'sh: run a binary dropped in scratch through ld.so',
          script: `cp /bin/true {scratch}/t && chmod 755 {scratch}/t && ${LDSO} {scratch}/t && echo ESCAPED`,
        },
        { runner: 'python', name: 'mmap PROT_EXEC of a file written to scratch', errno: EPERM },
      ] as Attack[])
    : []),
  { runner: 'sh', name: 'sh: unshare a user namespace', script: 'unshare -U true && echo ESCAPED', errno: EPERM },
  { runner: 'sh', name: 'sh: read /proc/self/environ', script: 'cat /proc/self/environ >/dev/null && echo ESCAPED', errno: EACCES },
  { runner: 'sh', name: 'sh: signal the parent', script: 'kill -0 {parentPid} && echo ESCAPED', errno: EPERM },
  {
    runner: 'sh',
    name: 'sh: background process surviving the sandbox',
    script: '/bin/sleep 300 >/dev/null 2>&1 & echo $! > {pidFile}; echo ESCAPED',
    control: 'escapes',
    after: leftBehindIsGone,
  },
  { runner: 'sh', name: 'sh: environment not on the allowlist', script: 'env | grep -q BULWARK_TEST_SECRET && echo ESCAPED' },
];

/** Attacks whose "escape" is judged after the run (the confined program itself succeeds). */
const judgedAfter = new Set(['leave a background process running after the sandbox ends', 'sh: background process surviving the sandbox']);

describe(`escape battery (${modeName}): every attack is denied under the real launcher`, { timeout: 600_000 }, () => {
  it('the launcher is built and every Linux layer is enforced on this machine (fails, never skips)', async () => {
    const report = await runDoctor();
    const missing = report.checks.filter((c) => !c.enforced).map((c) => `${c.layer}: ${c.detail}`);
    assert.ok(report.launcher.ok, `launcher: ${report.launcher.error ?? ''}`);
    assert.deepEqual(missing, [], 'layers not enforced');
    assert.ok(report.ok);
    assert.equal(report.landlockAbi, forcedAbi === undefined ? info.landlockAbiKernel : Math.min(Number(forcedAbi), info.landlockAbiKernel));
    if (forcedAbi === undefined) assert.ok(abiInUse >= 3, `Landlock ABI ${abiInUse}`);
  });

  it('has at least 40 attacks', () => assert.ok(attacks.length >= 40, String(attacks.length)));

  for (const a of attacks) {
    it(`denies: ${a.runner === 'sh' ? a.name : `${a.runner}: ${a.name}`}`, async (t) => {
      await withContext(a, async (ctx) => {
        const r = await runConfined(a, ctx);
        const info = JSON.stringify({ outcome: r.outcome, code: r.code, signal: r.signal, stderr: r.stderr.slice(0, 400) });
        if (r.outcome.unavailable !== undefined) {
          // The program found this machine cannot carry the attack out and did not try. Nothing got
          // out; it counts as denied only if the machine, not the sandbox, is what stops it: an
          // unconfined run must find the same (a sandbox that broke the program's set-up fails here).
          assert.equal(r.outcome.escaped, false, info);
          assert.equal(r.signal, null, info);
          assertNoTrace(r);
          await a.after?.(r, ctx);
          assert.notEqual(a.control, 'none', `an attack that may not run unconfined cannot be excused as unavailable: ${info}`);
          const c = await runPlain(a, ctx);
          assert.ok(
            c.outcome.unavailable !== undefined && !c.outcome.escaped && c.signal === null,
            `unconfined, the attack is available, so the sandbox stopped it another way: ${info} vs unconfined ${JSON.stringify({ outcome: c.outcome, signal: c.signal })}`,
          );
          t.diagnostic(`control unavailable: ${c.outcome.unavailable}; judged by the confined run alone: not escaped`);
          return;
        }
        if (a.killedBy) {
          assert.equal(r.signal, a.killedBy, info);
        } else if (judgedAfter.has(a.name)) {
          assert.equal(r.signal, null, info);
        } else {
          assert.equal(r.outcome.escaped, false, info);
          const errnos = acceptedErrnos(a);
          if (errnos) assert.ok(errnos.includes(r.outcome.errno ?? ''), `expected ${errnos.join('|')}: ${info}`);
        }
        assertNoTrace(r);
        await a.after?.(r, ctx);
      });
    });
  }
});

// the controls run once, at the real ABI: a forced ABI changes only the confined side
if (forcedAbi === undefined)
  describe('escape battery controls: each attack works when NOT confined (so its test can fail)', { timeout: 600_000 }, () => {
    for (const a of attacks) {
      const control = a.control ?? 'escapes';
      if (control === 'none') continue;
      it(`unconfined ${control === 'escapes' ? 'escapes' : 'reaches the kernel'}: ${a.runner === 'sh' ? a.name : `${a.runner}: ${a.name}`}`, async (t) => {
        await withContext(a, async (ctx, victim) => {
          const r = await runPlain(a, ctx);
          const info = JSON.stringify({ outcome: r.outcome, code: r.code, signal: r.signal, stderr: r.stderr.slice(0, 400) });
          assert.equal(r.signal, null, `not killed: ${info}`);
          if (r.outcome.unavailable !== undefined) {
            // This machine cannot run the attack at all; the program said why. The confined test
            // judges the attack by its own run (which must report the same).
            assert.equal(r.outcome.escaped, false, info);
            t.skip(`control unavailable: ${r.outcome.unavailable}`);
            return;
          }
          if (judgedAfter.has(a.name)) {
            const pid = Number(fs.readFileSync(ctx.pidFile, 'utf8'));
            assert.ok(isAlive(pid), `the background process outlives the unconfined run: ${info}`);
            process.kill(pid, 'SIGKILL');
          } else if (a.name.startsWith('kill(-1)')) {
            assert.ok(await waitDead(victim!.pid!), `the victim was killed: ${info}`);
          } else if (a.controlCheck) {
            a.controlCheck(r);
          } else if (control === 'escapes') {
            assert.equal(r.outcome.escaped, true, info);
          } else {
            assert.ok(r.outcome.escaped || !['EPERM', 'EACCES'].includes(r.outcome.errno ?? ''), info);
          }
        });
      });
    }
  });

describe(`positive controls under the real launcher (${modeName}; a sandbox that denies everything fails these)`, { timeout: 120_000 }, () => {
  for (const name of ['control-read-workspace', 'control-write-scratch', 'control-run-binary']) {
    it(`node: ${name}`, async () => {
      const a: Attack = { runner: 'node', name };
      await withContext(a, async (ctx) => {
        const r = await runConfined(a, ctx);
        assert.equal(r.outcome.escaped, true, JSON.stringify(r.outcome) + r.stderr);
      });
    });
  }
  it('python: runs', async () => {
    const a: Attack = { runner: 'python', name: 'control-python-runs' };
    await withContext(a, async (ctx) => {
      const r = await runConfined(a, ctx);
      assert.equal(r.outcome.escaped, true, r.stderr);
    });
  });
  it('sh: reads the workspace, writes scratch, sees the allowlisted variable', async () => {
    const a: Attack = {
      runner: 'sh',
      name: 'sh control',
      script: 'cat {workspace}/allowed.txt && echo hi > {scratch}/x && cat {scratch}/x && echo "var=$BULWARK_ALLOWED_VAR"',
    };
    await withContext(a, async (ctx) => {
      const r = await runConfined(a, ctx);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'allowed workspace file\nhi\nvar=fine\n');
    });
  });
});

describe(`broker attacks from a sandboxed worker (real launcher, ${modeName})`, { timeout: 120_000 }, () => {
  it('allowed endpoint works; non-allowlisted, look-alike, IP-literal and private-resolving hosts are denied and reported', async () => {
    resetTree();
    const p = ctxBase.allowedPort;
    const resolverCalls: string[] = [];
    const events: WorkerEvent[] = [];
    const w = await startSandboxedWorker({
      script: channelWorkerJs,
      args: [
        'fetch',
        `http://127.0.0.2:${p}/positive-control`,
        `http://exfil.example.net:${p}/`,
        `http://api.bank.test.evil.net:${p}/`,
        `http://API.bank.test:${p}/`,
        `http://127.0.0.1:${ctxBase.tcpPort}/`,
        `http://[::1]:${ctxBase.tcpPort6}/`,
        `http://api.bank.test:${p}/`,
        'http://169.254.169.254/latest/meta-data/',
      ],
      policy: runtimePolicy({
        endpoints: [
          { host: '127.0.0.2', port: p },
          { host: 'api.bank.test', port: p },
        ],
        uid: battery.uid,
        gid: battery.gid,
        timeoutSeconds: 60,
      }),
      egress: {
        // An allowed name whose DNS answer is a private address (rebinding to the inside).
        resolver: async (name): Promise<ResolvedAddress[]> => {
          resolverCalls.push(name);
          return name === 'api.bank.test' ? [{ address: '127.0.0.2', family: 4 }] : [];
        },
      },
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(w.degraded, []);
    const exit = await w.exited;
    assert.equal(exit.code, 0, w.stderr());
    const results = JSON.parse(w.stdout()) as { status?: number; text?: string; code?: number; message?: string }[];
    assert.deepEqual(results[0], { status: 200, text: 'allowed /positive-control' });
    for (const [i, why] of [
      [1, /exfil.example.net:\d+ is not an allowed endpoint/],
      [2, /not an allowed endpoint/],
      [3, /canonical form/],
      [4, /127.0.0.1:\d+ is not an allowed endpoint/],
      [5, /::1:\d+ is not an allowed endpoint/],
      [6, /api.bank.test resolves to 127.0.0.2 \(loopback\)/],
      [7, /169.254.169.254:80 is not an allowed endpoint/],
    ] as const) {
      assert.equal(results[i]?.code, RpcErrorCode.EgressDenied, JSON.stringify(results[i]));
      assert.match(results[i]?.message ?? '', why);
    }
    assert.deepEqual(resolverCalls, ['api.bank.test'], 'only the allowed name was ever resolved');
    assert.equal(hits.allowedHttp, 1, 'exactly one connection: the allowed one');
    assert.equal(hits.tcp + hits.tcp6, 0);
    const egress = events.filter((e) => e.type === 'egress');
    assert.deepEqual(
      egress.map((e) => (e as { decision: string }).decision),
      ['allow', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'],
    );
  });
});
