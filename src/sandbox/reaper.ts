/**
 * One `bulwark-sandbox --reaper` per orchestrator process: it holds the process groups of running
 * sandboxes and SIGKILLs them when our end of its stdin closes, which the kernel does even when
 * this process dies by SIGKILL. Complements PDEATHSIG (which only reaches the sandbox's first
 * process) so that nothing a sandbox started outlives the orchestrator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

let reaper: ChildProcess | undefined;
const registered = new Set<number>();

function start(launcher: string): ChildProcess | undefined {
  try {
    const child = spawn(launcher, ['--reaper'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    // Neither the process nor its pipe may keep the orchestrator's event loop alive.
    child.unref();
    (child.stdin as unknown as Socket | null)?.unref?.();
    child.stdin?.on('error', () => {
      // EPIPE: the reaper is gone; the next registration starts a new one
    });
    child.once('exit', () => {
      if (reaper === child) reaper = undefined;
    });
    child.once('error', () => {
      if (reaper === child) reaper = undefined;
    });
    // A fresh reaper learns every group still running.
    for (const g of registered) child.stdin?.write(`+${g}\n`);
    return child;
  } catch {
    return undefined;
  }
}

/** Watch this process group (pgid ≥ 2). Best effort: the launcher's own PDEATHSIG still applies. */
export function reaperAdd(launcher: string, pgid: number): void {
  if (!Number.isInteger(pgid) || pgid < 2) return;
  registered.add(pgid);
  if (!reaper || reaper.exitCode !== null || reaper.signalCode !== null) {
    reaper = start(launcher);
    return;
  }
  reaper.stdin?.write(`+${pgid}\n`);
}

export function reaperRemove(pgid: number): void {
  if (!registered.delete(pgid)) return;
  if (reaper && reaper.exitCode === null && reaper.signalCode === null) reaper.stdin?.write(`-${pgid}\n`);
}
