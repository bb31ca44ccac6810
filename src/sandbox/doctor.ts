/**
 * `bulwark sandbox doctor`: what this machine can enforce, established by running the real launcher
 * on a probe (a Node script that tries what each layer must stop) rather than by reading versions.
 */
import { stripTerminalControls } from '../domain/untrusted.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BulwarkError, SandboxError } from '../domain/errors.js';
import type { KernelFacts } from './describe.js';
import { DEFAULT_CGROUP, prepareCgroupParent } from './cgroup.js';
import { enforcementByLayer, sandboxMode, type LayerEnforcement } from './enforcement.js';
import { assertLauncher, defaultLauncherPath, spawnSandboxed, type Isolation } from './launcher.js';
import { DEFAULT_LIMITS, runtimePolicy } from './policy.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';
import { DEFAULT_UID_RANGE } from './uid-range.js';
import { SANDBOX_EXEC } from './seatbelt-runner.js';

/** The newest Landlock ABI whose rights native/landlock.c knows and handles. */
export const KNOWN_LANDLOCK_ABI = 7;

export interface DoctorCheck {
  layer: string;
  enforced: boolean;
  detail: string;
}

export interface DoctorReport {
  platform: NodeJS.Platform;
  arch: string;
  launcher: { path: string; ok: boolean; error?: string };
  /** The Landlock ABI the launcher uses, 0 for none (BULWARK_LANDLOCK_ABI_MAX may lower the kernel's); null without a launcher. */
  landlockAbi: number | null;
  landlockAbiKernel: number | null;
  /** Mount, network and PID namespaces can be made (root, or unprivileged user namespaces). */
  namespaces: boolean;
  namespacesError?: string;
  /** How the launcher confines files here. */
  mode?: ReturnType<typeof sandboxMode>;
  seccomp: boolean;
  uid: number;
  euid: number;
  /** Informational: the sandbox uses user namespaces only to make its own mounts as non-root, and denies them inside. */
  userNamespaces: string;
  /** Per part of the sandbox, the mechanism enforcing it on this host. */
  layers: LayerEnforcement[];
  sandboxExec?: { path: string; exists: boolean };
  checks: DoctorCheck[];
  /** How concurrent workers are kept apart here, and what they share (not part of `ok`). */
  isolation?: WorkerIsolationReport;
  /** Every required layer is enforced here. */
  ok: boolean;
}

export interface WorkerIsolationReport {
  /** A uid/gid of its own per worker (root), or the caller's uid for all. */
  uids: string;
  /** SysV IPC and POSIX message queues. */
  ipc: string;
  cgroup: { available: boolean; detail: string };
  /** What concurrent workers of this host still share. */
  shared: string[];
}

/**
 * What keeps concurrent workers apart on this host, from the probe's run (its uid and IPC
 * namespace) and the cgroup check; the defaults of the [sandbox] table are assumed.
 */
export function workerIsolation(euid: number, iso: Isolation | undefined, probeIpc: unknown, ownIpc: string | undefined): WorkerIsolationReport {
  const root = euid === 0;
  const range = `${DEFAULT_UID_RANGE.first}-${DEFAULT_UID_RANGE.last}`;
  const cgroup = iso
    ? { available: iso.cgroup !== null, detail: iso.cgroup !== null ? `probe ran in ${iso.cgroup}` : `${iso.cgroupReason}; rlimits only` }
    : (() => {
        const s = prepareCgroupParent(DEFAULT_CGROUP);
        return { available: s.available, detail: s.available ? s.reason : `${s.reason}; rlimits only` };
      })();
  const privateIpc = typeof probeIpc === 'string' && ownIpc !== undefined && probeIpc !== ownIpc;
  const shared: string[] = [];
  if (!root)
    shared.push(
      `every worker runs as uid ${euid}: RLIMIT_NPROC counts all their processes together (one worker's fork bomb can stop another from starting), and setpriority, sched_setaffinity, ioprio_set and chmod/utimensat/setxattr of each other's files are allowed by the kernel's owner checks`,
    );
  if (!cgroup.available) shared.push('no per-worker memory, pids or CPU limit: only per-process rlimits (and RLIMIT_NPROC per uid)');
  shared.push('the CPUs, memory and disk of the host (no I/O limit)');
  return {
    uids: root
      ? iso?.ownUid
        ? `a uid/gid of its own per worker from ${range} (probe ran as ${iso.uid})`
        : `a fixed uid shared by every worker (probe ran as ${iso?.uid ?? '?'})`
      : `not root: every worker runs as the caller's uid ${euid}`,
    ipc: privateIpc
      ? 'SysV IPC and POSIX message queues denied by seccomp; private IPC namespace'
      : 'SysV IPC and POSIX message queues denied by seccomp; no private IPC namespace (not root)',
    cgroup,
    shared,
  };
}

interface LauncherInfo {
  landlockAbi: number;
  landlockAbiKernel: number;
  namespaces: boolean;
  namespacesError: string;
  landlockError: string;
  seccomp: boolean;
  arch: string;
  euid: number;
}

export function launcherInfo(file = defaultLauncherPath()): LauncherInfo {
  const r = spawnSync(file, ['--info'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${file} --info failed: ${r.error?.message ?? r.stderr.trim()}`);
  return JSON.parse(r.stdout) as LauncherInfo;
}

export function kernelFacts(): KernelFacts {
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : -1;
  if (process.platform !== 'linux') return { platform: process.platform, landlockAbi: null, seccomp: false, arch: process.arch, euid };
  try {
    const info = launcherInfo();
    return {
      platform: 'linux',
      landlockAbi: info.landlockAbi > 0 ? info.landlockAbi : null,
      namespaces: info.namespaces,
      seccomp: info.seccomp,
      arch: info.arch,
      euid,
    };
  } catch {
    return { platform: 'linux', landlockAbi: null, seccomp: false, arch: process.arch, euid };
  }
}

function userNamespaces(): string {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      return null;
    }
  };
  const max = read('/proc/sys/user/max_user_namespaces');
  const unpriv = read('/proc/sys/kernel/unprivileged_userns_clone');
  const apparmor = read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  if (max === null) return 'unknown (no /proc/sys/user/max_user_namespaces)';
  if (max === '0') return 'disabled (max_user_namespaces = 0)';
  const parts = [`available (max_user_namespaces = ${max})`];
  if (unpriv !== null) parts.push(`unprivileged_userns_clone = ${unpriv}`);
  if (apparmor !== null) parts.push(`apparmor_restrict_unprivileged_userns = ${apparmor}`);
  return parts.join(', ') + '; used by the launcher only to make its mounts when not root, and denied inside the sandbox';
}

/** The probe: each attempt must be refused; the allowed file must be readable (a positive control). */
const PROBE = String.raw`
const fs = require('fs'); const net = require('net');
const [allowed, outside, scratch, parentPid] = process.argv.slice(1);
const r = {};
const code = (f) => { try { f(); return 'OK'; } catch (e) { return e.code || String(e); } };
r.readAllowed = code(() => fs.readFileSync(allowed));
r.readOutside = code(() => fs.readFileSync(outside));
r.writeScratch = code(() => fs.writeFileSync(scratch + '/probe', 'x'));
r.execScratch = code(() => { fs.copyFileSync('/bin/true', scratch + '/t'); fs.chmodSync(scratch + '/t', 0o755); require('child_process').execFileSync(scratch + '/t'); });
const ld = ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1'].find((f) => fs.existsSync(f));
r.mapScratch = !ld ? 'no loader' : ((s) => (s.status === 0 ? 'OK' : 'refused (' + (s.stderr.toString().trim().split(': ').pop() || 'exit ' + s.status) + ')'))(require('child_process').spawnSync(ld, [scratch + '/t']));
r.signalParent = code(() => process.kill(Number(parentPid), 0));
r.uid = process.getuid(); r.gid = process.getgid();
r.ulimits = code(() => { r.ulimitText = require('child_process').execFileSync('/bin/sh', ['-c', 'echo $(ulimit -c) $(ulimit -n)'], { encoding: 'utf8' }).trim(); });
r.envKeys = Object.keys(process.env).sort();
try { r.ipcNs = fs.readlinkSync('/proc/self/ns/ipc'); } catch (e) { r.ipcNs = e.code; }
let finished = false;
const s = net.createServer(); s.on('error', (e) => { r.socket = e.code; done(); }); s.listen(0, '127.0.0.1', () => { r.socket = 'OK'; done(); });
// the report is written with a blocking write, and written even if the listen attempt never answers
process.on('beforeExit', () => { if (!finished) { r.socket = 'no answer'; done(); } });
function done() { finished = true; fs.writeSync(1, JSON.stringify(r)); process.exit(0); }
`;

const probePolicyLimits = DEFAULT_LIMITS;

/**
 * The probe's report from how it ended and what it printed. Anything but a clean exit with one JSON
 * object is an error naming the exit, the size of what came out and the first line of its stderr,
 * so a probe that dies or is cut short says how.
 */
export function probeReport(code: number | null, signal: string | null, stdout: string, stderr: string): Record<string, unknown> {
  const firstErr = stripTerminalControls(stderr).trim().split('\n')[0] ?? '';
  const how = signal !== null ? `was killed by ${signal}` : `exited with ${String(code)}`;
  const said = `${stdout.length} bytes on stdout${firstErr ? `, stderr: ${firstErr}` : ', nothing on stderr'}`;
  if (code !== 0 || signal !== null) throw new Error(`the probe ${how} (${said})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (e) {
    throw new Error(`the probe exited with 0 but its report is not JSON (${said}): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`the probe exited with 0 but its report is not an object (${said})`);
  return parsed as Record<string, unknown>;
}

async function probe(): Promise<Record<string, unknown>> {
  const dir = makeTempDir(path.join(os.tmpdir(), 'bulwark-doctor-'));
  try {
    chmodSync(dir, 0o755);
    const allowedDir = path.join(dir, 'allowed');
    const scratch = path.join(dir, 'scratch');
    for (const d of [allowedDir, scratch]) {
      mkdirSync(d);
      chmodSync(d, 0o755);
    }
    const allowed = path.join(allowedDir, 'file');
    const outside = path.join(dir, 'outside');
    writeFileSync(allowed, 'a', { mode: 0o644 });
    writeFileSync(outside, 'b', { mode: 0o644 });
    const policy = runtimePolicy({ readPaths: [allowedDir], writePaths: [scratch], timeoutSeconds: 60 });
    const sp = await spawnSandboxed(policy, process.execPath, ['-e', PROBE, allowed, outside, scratch, String(process.pid)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    sp.child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    sp.child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => sp.child.once('close', (c, s) => resolve([c, s])));
    return { ...probeReport(code, signal, out, err), degraded: sp.degraded, isolation: sp.isolation };
  } finally {
    removeTempDir(dir);
  }
}

export async function runDoctor(): Promise<DoctorReport> {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : -1;
  const file = defaultLauncherPath();
  const report: DoctorReport = {
    platform: process.platform,
    arch: process.arch,
    launcher: { path: file, ok: false },
    landlockAbi: null,
    landlockAbiKernel: null,
    namespaces: false,
    seccomp: false,
    uid,
    euid,
    userNamespaces: process.platform === 'linux' ? userNamespaces() : 'not applicable',
    layers: [],
    checks: [],
    ok: false,
  };
  if (process.platform === 'darwin') {
    const exists = existsSync(SANDBOX_EXEC);
    report.sandboxExec = { path: SANDBOX_EXEC, exists };
    report.launcher = { path: SANDBOX_EXEC, ok: exists };
    report.checks.push({
      layer: 'seatbelt',
      enforced: exists,
      detail: exists ? 'sandbox-exec present (profile not probed by doctor)' : 'sandbox-exec missing',
    });
    report.ok = exists;
    return report;
  }
  if (process.platform !== 'linux') {
    report.checks.push({ layer: 'platform', enforced: false, detail: `no sandbox for ${process.platform}` });
    return report;
  }
  try {
    assertLauncher(file);
    const info = launcherInfo(file);
    report.launcher.ok = true;
    report.landlockAbi = info.landlockAbi;
    report.landlockAbiKernel = info.landlockAbiKernel > 0 ? info.landlockAbiKernel : null;
    report.namespaces = info.namespaces;
    if (!info.namespaces) report.namespacesError = info.namespacesError;
    report.seccomp = info.seccomp;
    // As root the default policy gives each worker a uid of its own; the probe's run confirms it below.
    report.layers = enforcementByLayer({ landlockAbi: report.landlockAbi, namespaces: info.namespaces, seccomp: info.seccomp, euid, ownUid: euid === 0 });
    report.mode = sandboxMode({ landlockAbi: report.landlockAbi, namespaces: info.namespaces, seccomp: info.seccomp, euid });
    report.arch = info.arch;
  } catch (e) {
    report.launcher.error = e instanceof Error ? e.message : String(e);
    report.checks.push({ layer: 'launcher', enforced: false, detail: report.launcher.error });
    return report;
  }
  const abi = report.landlockAbi ?? 0;
  let p: Record<string, unknown>;
  try {
    p = await probe();
  } catch (e) {
    const msg = e instanceof BulwarkError || e instanceof Error ? e.message : String(e);
    // the launcher's own refusals are SandboxErrors; the rest is the probe's end, which says what it was
    const detail = e instanceof SandboxError ? `the launcher refused to start the probe: ${msg}` : msg;
    report.checks.push({ layer: 'launcher', enforced: false, detail });
    return report;
  }
  const chk = (layer: string, enforced: boolean, detail: string) => report.checks.push({ layer, enforced, detail });
  chk(
    'launcher',
    p.readAllowed === 'OK' && p.writeScratch === 'OK',
    `probe ran; allowed file read: ${String(p.readAllowed)}, scratch write: ${String(p.writeScratch)}`,
  );
  const ns = report.namespaces;
  const newer = abi > KNOWN_LANDLOCK_ABI ? ` (rights added after ABI ${KNOWN_LANDLOCK_ABI} are not handled by this launcher)` : '';
  // Without Landlock the empty root makes unlisted paths absent rather than denied.
  const outsideDenied = p.readOutside === 'EACCES' || (abi === 0 && ns && p.readOutside === 'ENOENT');
  chk(
    'landlock',
    (abi >= 1 || ns) && outsideDenied && p.execScratch === 'EACCES',
    `${abi >= 1 ? `ABI ${abi}${newer}` : ns ? 'ABI 0: an empty root stands in' : 'unavailable'}; read outside policy: ${String(p.readOutside)}; exec in scratch: ${String(p.execScratch)}`,
  );
  chk(
    'landlock-net',
    abi >= 4 || p.socket === 'EPERM',
    abi >= 4
      ? 'TCP bind/connect handled with no rules (not probed separately: seccomp denies socket() first)'
      : `ABI ${abi} < 4: seccomp denies socket(): ${String(p.socket)}`,
  );
  chk(
    'landlock-scope',
    (abi >= 6 || ns) && ['EPERM', 'ESRCH'].includes(String(p.signalParent)),
    `${abi >= 6 ? 'abstract unix sockets and signals scoped' : ns ? `ABI ${abi} < 6: network and PID namespaces stand in` : `ABI ${abi} < 6 and no namespaces`}; signal to the parent: ${String(p.signalParent)}`,
  );
  chk(
    'scratch-noexec',
    !ns || p.mapScratch !== 'OK',
    ns
      ? `write paths mounted noexec: ld.so scratch/file: ${String(p.mapScratch)}`
      : `advisory, runs are not refused: no namespaces here, so code written to scratch can be run through ld.so (probe: ${String(p.mapScratch)})`,
  );
  chk('seccomp', p.socket === 'EPERM', `socket(): ${String(p.socket)}`);
  // Landlock's restrict_self and seccomp both need no_new_privs when the caller lacks CAP_SYS_ADMIN,
  // which the probe does (root was dropped, or it never had it).
  chk('no_new_privs', (abi >= 1 && p.readOutside === 'EACCES') || p.socket === 'EPERM', 'implied: Landlock or seccomp was enforced without CAP_SYS_ADMIN');
  const expectedLimits = `0 ${probePolicyLimits.openFiles}`;
  chk('rlimit', p.ulimitText === expectedLimits, `core and open files inside: ${String(p.ulimitText ?? p.ulimits)} (expected ${expectedLimits})`);
  const iso = p.isolation as Isolation | undefined;
  if (euid === 0)
    chk(
      'identity',
      p.uid !== 0 && p.uid === iso?.uid && p.gid === iso?.gid,
      `probe ran as uid ${String(p.uid)} gid ${String(p.gid)}${iso?.ownUid ? ' (its own)' : ''}`,
    );
  else chk('identity', true, `not root: the probe keeps uid ${String(p.uid)}`);
  const envKeys = (p.envKeys as string[] | undefined) ?? [];
  chk('env', envKeys.join(',') === 'LANG,PATH', `probe environment: ${envKeys.join(', ') || '(empty)'}`);
  let ownIpc: string | undefined;
  try {
    ownIpc = readlinkSync('/proc/self/ns/ipc');
  } catch {
    ownIpc = undefined;
  }
  report.isolation = workerIsolation(euid, iso, p.ipcNs, ownIpc);
  report.layers = enforcementByLayer({ landlockAbi: abi, namespaces: ns, seccomp: report.seccomp, euid, ownUid: euid === 0 && iso?.ownUid === true });
  const degraded = (p.degraded as string[] | undefined) ?? [];
  if (degraded.length > 0) chk('degraded', false, degraded.join('; '));
  report.ok = report.checks.every((c) => c.enforced);
  return report;
}

export function renderDoctorText(r: DoctorReport): string {
  const out = [
    `platform: ${r.platform} (${r.arch})`,
    `launcher: ${r.launcher.path} ${r.launcher.ok ? 'ok' : `NOT OK${r.launcher.error ? `: ${r.launcher.error}` : ''}`}`,
  ];
  if (r.platform === 'linux')
    out.push(
      `landlock ABI: ${r.landlockAbi ?? 'none'} in use (kernel: ${r.landlockAbiKernel ?? 'unavailable'})`,
      `namespaces: ${r.namespaces ? 'available' : `unavailable${r.namespacesError ? ` (${r.namespacesError})` : ''}`}`,
      `seccomp: ${r.seccomp ? 'available' : 'unavailable'}`,
    );
  out.push(`running as uid ${r.uid} (euid ${r.euid})${r.euid === 0 ? ': the sandbox drops to its own uid' : ''}`);
  if (r.platform === 'linux') out.push(`user namespaces (informational): ${r.userNamespaces}`);
  if (r.sandboxExec) out.push(`sandbox-exec: ${r.sandboxExec.exists ? 'present' : 'missing'} (${r.sandboxExec.path})`);
  if (r.layers.length > 0) {
    out.push(`enforcement here (mode: ${r.mode ?? 'unknown'}):`);
    for (const l of r.layers) out.push(`  ${l.layer}: ${l.mechanism}`);
  }
  out.push('probed layers:');
  for (const c of r.checks) out.push(`  ${c.enforced ? 'enforced    ' : 'NOT ENFORCED'} ${c.layer}: ${c.detail}`);
  if (r.isolation) {
    out.push('between workers:', `  uids: ${r.isolation.uids}`, `  ipc: ${r.isolation.ipc}`);
    out.push(`  cgroup v2 limits: ${r.isolation.cgroup.available ? 'available' : 'unavailable'}: ${r.isolation.cgroup.detail}`);
    for (const s of r.isolation.shared) out.push(`  shared: ${s}`);
  }
  out.push(r.ok ? 'result: every layer enforced' : 'result: the sandbox cannot be fully enforced here (runs are refused unless --allow-degraded)');
  return out.join('\n') + '\n';
}
