/**
 * Pure translation of a policy into the C launcher's command line (native/launcher.c documents it)
 * and of the launcher's report lines and exit statuses back into errors.
 */
import { SandboxError, UsageError, type BulwarkError } from '../domain/errors.js';
import { forbiddenPaths, type SandboxPolicy } from './policy.js';
import { launcherStatusLayer } from './tables.js';

export interface LauncherArgsOptions {
  /** fds (child numbering) that survive into the command, e.g. [3] for the worker channel. */
  keepFds: number[];
  /** fd (child numbering) of the report pipe. */
  reportFd: number;
  /** Our pid: the launcher exits if its parent is no longer this process. */
  parentPid: number;
  /** The worker's cgroup directory, which the launcher joins before dropping root. */
  cgroupDir?: string;
}

export function launcherArgs(policy: SandboxPolicy, command: string, args: string[], o: LauncherArgsOptions): string[] {
  // The report fd comes first so that even an argument error later on is reported through it.
  const out: string[] = ['--report-fd', String(o.reportFd), '--parent-pid', String(o.parentPid)];
  for (const p of policy.readPaths) out.push('--ro', p);
  for (const p of policy.writePaths) out.push('--rw', p);
  for (const p of policy.execPaths) out.push('--exec', p);
  for (const f of forbiddenPaths(policy)) if (f.descendantsToo) out.push('--deny', f.path);
  // Values travel in the launcher's own environment (launcherEnv), never on its command line,
  // where any local user could read them in /proc/PID/cmdline.
  for (const name of new Set([...policy.envAllow, ...Object.keys(policy.env ?? {})])) out.push('--env', name);
  for (const fd of o.keepFds) out.push('--keep-fd', String(fd));
  out.push('--uid', String(policy.uid), '--gid', String(policy.gid));
  if (o.cgroupDir) out.push('--cgroup', o.cgroupDir);
  out.push('--rlimit-nofile', String(policy.limits.openFiles));
  out.push('--rlimit-nproc', String(policy.limits.processes));
  out.push('--rlimit-fsize', String(policy.limits.fileSizeBytes));
  out.push('--rlimit-cpu', String(policy.limits.cpuSeconds));
  if (policy.limits.addressSpaceBytes !== undefined) out.push('--rlimit-as', String(policy.limits.addressSpaceBytes));
  if (policy.allowDegraded) out.push('--allow-degraded');
  out.push('--', command, ...args);
  return out;
}

/** Read by the launcher itself (never passed on to the command): lowers the Landlock ABI it uses. */
export const LANDLOCK_ABI_MAX_VAR = 'BULWARK_LANDLOCK_ABI_MAX';

/**
 * The launcher's environment: the allowlisted variables we have, then the policy's explicit values,
 * and BULWARK_LANDLOCK_ABI_MAX when set (the launcher reads it before it filters its environment).
 */
export function launcherEnv(policy: SandboxPolicy, parentEnv: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  const abiMax = parentEnv[LANDLOCK_ABI_MAX_VAR];
  if (abiMax !== undefined) env[LANDLOCK_ABI_MAX_VAR] = abiMax;
  for (const name of policy.envAllow) {
    const v = parentEnv[name];
    if (v !== undefined) env[name] = v;
  }
  return Object.assign(env, policy.env ?? {});
}

export interface LauncherReport {
  degraded: string[];
  errors: { layer: string; message: string }[];
}

/** Parses the report pipe's lines: `degraded LAYER REASON` and `error LAYER MESSAGE`. */
export function parseLauncherReport(text: string): LauncherReport {
  const report: LauncherReport = { degraded: [], errors: [] };
  for (const line of text.split('\n')) {
    const m = /^(degraded|error) (\S+) (.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'degraded') report.degraded.push(`${m[2]}: ${m[3]}`);
    else report.errors.push({ layer: m[2]!, message: m[3]! });
  }
  return report;
}

/** The error for a launcher that refused to run: policy problems are usage errors (3), the rest 4. */
export function launcherError(report: LauncherReport, status: number | null, signal: string | null): BulwarkError {
  const first = report.errors[0];
  if (first?.layer === 'policy') return new UsageError(`sandbox policy: ${first.message}`);
  if (first?.layer === 'exec') {
    if (/No such file or directory$/.test(first.message)) return new UsageError(`sandbox: command not found: ${first.message}`);
    return new SandboxError(`sandbox: the command could not be started (is it under an exec path?): ${first.message}`);
  }
  if (first) return new SandboxError(`sandbox: ${first.layer} cannot be enforced: ${first.message}`);
  // Exit statuses are native/sandbox-tables.json's, the file the launcher's own table is built from.
  // An unreadable table must not hide the launcher's failure: the status is still reported below.
  let layer: string | undefined;
  try {
    layer = status !== null ? launcherStatusLayer(status) : undefined;
  } catch {
    layer = undefined;
  }
  if (layer) return new SandboxError(`sandbox: the launcher failed at the ${layer} step (status ${status})`);
  return new SandboxError(`sandbox: the launcher ended before starting the command (${signal ? `signal ${signal}` : `status ${status}`})`);
}
