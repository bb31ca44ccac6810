import { VIRTUAL_ROOT } from './compiler.js';
import type { TsAnalysisCache } from './model.js';
import type { VirtualRepository } from './virtual-repository.js';

/**
 * A large cold analysis parses every file twice: alone for its syntax facts, then in its
 * program, whose parse, binding and checker give the nodes and symbols properties the facts
 * pass never set. V8 has by then optimised the parser and the walk for the objects it had seen,
 * and code compiled for those shapes is thrown away and compiled again once the program's
 * objects appear (at 100 kLOC, about two fifths of the optimising compiler's time went to such
 * recompilation). Running the whole analysis once on a small sample of the repository's own
 * files first, before anything is optimised, makes those shapes known before any code is
 * compiled for them. The sample's own code keeps the feedback representative: a fixed sample of
 * other code made the run slower, not faster.
 *
 * Once per process: what it primes is the process's compiled code, which later analyses (head
 * after base, a resident gate's next run) already have.
 */
let warmedUp = false;

/** Whether this process has warmed up already. */
export const isWarmedUp = (): boolean => warmedUp;

/** Files of the sample: the first ones in repository order within these sizes (tiny index files prime little, large ones cost). */
const SAMPLE_FILES = 2;
const SAMPLE_MIN_CHARS = 1_000;
const SAMPLE_MAX_CHARS = 20_000;

/**
 * The files to warm up on, or none when the files whose facts are not cached come to at most
 * two program budgets (at most two programs: the warm-up, 0.1–0.2 s of which the library's parse
 * is most and is reused, would cost more than it saves) or no file is of a sample's size.
 */
export function warmUpSample(repo: VirtualRepository, cache: TsAnalysisCache | undefined, budget: number): { path: string; text: string }[] | undefined {
  // of the files without cached facts only: their texts are read anyway, the others' may not be
  const uncached = repo.all.filter((f) => !cache?.facts.get(repo.factsKey(f)));
  if (uncached.reduce((n, f) => n + repo.text(f).length, 0) <= 2 * budget) return undefined;
  const sample: { path: string; text: string }[] = [];
  for (const f of uncached) {
    const text = repo.text(f);
    if (text.length < SAMPLE_MIN_CHARS || text.length > SAMPLE_MAX_CHARS) continue;
    sample.push({ path: f.slice(VIRTUAL_ROOT.length), text });
    if (sample.length === SAMPLE_FILES) break;
  }
  return sample.length > 0 ? sample : undefined;
}

/**
 * Runs `analyse` (on the sample, its result discarded) and marks this process warmed up; how long
 * it took (ms). An error is dropped: the analysis that follows covers the same files and reports
 * what fails in them.
 */
export function warmUp(analyse: () => unknown): number {
  warmedUp = true;
  const t0 = performance.now();
  try {
    analyse();
  } catch {
    // see above
  }
  return performance.now() - t0;
}
