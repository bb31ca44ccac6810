import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection. Between two TypeScript programs the previous one is garbage,
 * but V8 sizes its next collection by the live size it last saw and lets the heap grow to several
 * programs' worth first; collecting once dropped programs add up to a fixed margin bounds the
 * peak (see retained-state.ts).
 * V8 installs `gc` only in contexts created after `--expose-gc` is set, hence the fresh context.
 * The flag is cleared again at once: V8 stamps code caches with a hash of its flags, and the
 * compiler's code cache written after the analysis must be the one a process that never set
 * it accepts (see v8-runtime-flags.ts).
 */
export function collectGarbage(): void {
  gc ??= exposedGc();
  gc();
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
