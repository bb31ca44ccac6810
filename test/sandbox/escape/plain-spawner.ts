import { spawn } from 'node:child_process';
import type { SandboxSpawner } from '../../../src/sandbox/worker-host.js';

/**
 * Starts the worker as a plain child with the same fd-3 channel and no confinement. Used to show
 * that channel behaviour does not depend on the launcher, that each escape attack really works
 * when unconfined (so its test can fail), and as the baseline of the start-up benchmark.
 */
export const plainSpawner: SandboxSpawner = (_policy, command, args, opts) => ({
  child: spawn(command, args, { stdio: opts.stdio, detached: true }),
  degraded: [],
});
