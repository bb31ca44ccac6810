import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection. The gate calls it where much of the heap has just become
 * garbage that V8 would otherwise keep for a while: V8 sizes its next collection by the live size
 * it last saw, so a working set promoted while it was in use (a dropped TypeScript program, a
 * finished call resolution) lets the heap grow to several of them first, and the peak memory with
 * it (see ts/retained-state.ts and graph.ts).
 * V8 installs `gc` only in contexts created after `--expose-gc` is set, hence the fresh context.
 * The flag is cleared again at once: V8 stamps code caches with a hash of its flags, and the
 * compiler's code cache written after the analysis must be the one a process that never set
 * it accepts (see ts/v8-runtime-flags.ts).
 */
export function collectGarbage(): void {
  gc ??= exposedGc();
  gc();
}

/**
 * Runs `work`, then a full collection when the heap grew by more than `marginBytes` across it:
 * for work whose working set is garbage once it returns, the growth is mostly that garbage.
 */
export function collectAfter<T>(work: () => T, marginBytes: number): T {
  const before = process.memoryUsage().heapUsed;
  const result = work();
  if (process.memoryUsage().heapUsed - before > marginBytes) collectGarbage();
  return result;
}

function exposedGc(): () => void {
  const started = (globalThis as { gc?: () => void }).gc;
  if (typeof started === 'function') return started;
  v8.setFlagsFromString('--expose-gc');
  try {
    return vm.runInNewContext('gc') as () => void;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
