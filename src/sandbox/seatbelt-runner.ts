/**
 * macOS runtime path: `/usr/bin/sandbox-exec -p PROFILE /bin/sh -c 'ulimit …; exec "$@"' …`.
 * Untested on real macOS in this CI (Linux only); kept small so it is easy to review.
 */
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { SandboxError } from '../domain/errors.js';
import { launcherEnv } from './launcher-args.js';
import type { SandboxedProcess, SpawnSandboxedOptions } from './launcher.js';
import { validatePolicy, type SandboxPolicy } from './policy.js';
import { seatbeltProfile } from './seatbelt.js';

export const SANDBOX_EXEC = '/usr/bin/sandbox-exec';

/** Layers the Seatbelt path does not provide, reported like the launcher's degraded layers. */
export const SEATBELT_GAPS = [
  'identity: the command keeps the caller uid (no root drop on macOS)',
  'rlimit: only core, open files and CPU time are limited (via sh ulimit)',
  'seccomp: Seatbelt has no syscall filter; namespaces/ptrace rely on macOS defaults',
];

export async function spawnSeatbelt(policy: SandboxPolicy, command: string, args: string[], opts: SpawnSandboxedOptions): Promise<SandboxedProcess> {
  validatePolicy(policy);
  if (!existsSync(SANDBOX_EXEC)) throw new SandboxError(`sandbox: ${SANDBOX_EXEC} not found; the macOS sandbox cannot be enforced`);
  if (!policy.allowDegraded)
    throw new SandboxError(
      `sandbox: on macOS these layers cannot be enforced (${SEATBELT_GAPS.map((g) => g.split(':')[0]).join(', ')}); pass --allow-degraded to accept`,
    );
  // Seatbelt matches resolved paths (/tmp is /private/tmp on macOS): give it the real ones.
  const real = (ps: string[]) => ps.map((p) => (existsSync(p) ? realpathSync(p) : p));
  const withShell = {
    ...policy,
    readPaths: real(policy.readPaths),
    writePaths: real(policy.writePaths),
    execPaths: real([...policy.execPaths, '/bin/sh']),
  };
  const env = launcherEnv(policy, process.env);
  const l = policy.limits;
  const script = `ulimit -c 0 -n ${l.openFiles} -t ${l.cpuSeconds} && exec "$@"`;
  const child = spawn(SANDBOX_EXEC, ['-p', seatbeltProfile(withShell), '/bin/sh', '-c', script, 'sh', command, ...args], {
    stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
    env,
    detached: true,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let timedOut = false;
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let timer: NodeJS.Timeout | undefined;
  if (policy.timeoutSeconds !== undefined)
    timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, policy.timeoutSeconds * 1000);
  child.once('exit', () => {
    if (timer) clearTimeout(timer);
    kill();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (e) => reject(new SandboxError(`sandbox: cannot start ${SANDBOX_EXEC}: ${e.message}`)));
  });
  const isolation = {
    uid: process.getuid?.() ?? -1,
    gid: process.getgid?.() ?? -1,
    ownUid: false,
    cgroup: null,
    cgroupReason: 'no cgroups on macOS',
  };
  return { child, degraded: [...SEATBELT_GAPS], isolation, timedOut: () => timedOut, kill };
}
