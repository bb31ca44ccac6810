import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection. Between two TypeScript programs the previous one is garbage,
 * but V8 sizes its next collection by the live size it last saw and lets the heap grow to several
 * programs' worth first; collecting once dropped programs add up to a fixed margin bounds the
 * peak (see retained-state.ts).
 * V8 installs `gc` only in contexts created after `--expose-gc` is set, hence the fresh context.
 */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}
