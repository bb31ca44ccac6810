/**
 * Whether this process runs the gate again and again (the resident gate). Such a process keeps
 * between runs what the next run would get the same again: what it parsed of cache files that
 * are unchanged on disk (cache.ts) and the TypeScript library's parses (ts/retained-state.ts), so
 * a run after an edit does not parse them again. Decisions are the same: each is what the next
 * run would parse from the same bytes.
 */
let longLived = false;

/** Marks this process as one that runs the gate again and again, for the rest of its life. */
export function keepStateAcrossRuns(): void {
  longLived = true;
}

export function keepsStateAcrossRuns(): boolean {
  return longLived;
}
