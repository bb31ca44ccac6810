import type { NodeSink } from './merkle.js';
import type { LogStore, NodeRun } from './store.js';

/**
 * Compares every stored subtree hash with the one recomputed from the entries while verify
 * streams them: a node that no checkpoint or consistency proof happens to use would still be
 * served by `audit proof`, so it must be right too. Nodes come from the store level by level in
 * index order (one cursor per level, a batch of hashes as one string), in step with the order the
 * compact range completes subtrees.
 */

type Problem = { code: 'node_mismatch' | 'node_beyond_log'; message: string; index?: number };

interface Cursor {
  it: AsyncIterator<NodeRun>;
  run: NodeRun | undefined;
  done: boolean;
}

export class NodeCacheCheck implements NodeSink {
  // The subtrees completed since the last compare, as parallel arrays (no object per node).
  private readonly levels: number[] = [];
  private readonly indices: number[] = [];
  private readonly hexes: string[] = [];
  private readonly cursors = new Map<number, Cursor>();
  private enabled = false;
  private reported = 0;

  constructor(private readonly store: LogStore) {}

  async start(): Promise<void> {
    if (!this.store.readNodeLevel || !this.store.nodeLevels) return;
    this.enabled = true;
    for (const level of await this.store.nodeLevels()) {
      this.cursors.set(level, { it: this.store.readNodeLevel(level)[Symbol.asyncIterator](), run: undefined, done: false });
    }
  }

  add(level: number, index: number, hex: string): void {
    if (!this.enabled) return;
    this.levels.push(level);
    this.indices.push(index);
    this.hexes.push(hex);
  }

  /** The stored run holding `index` at this cursor's level, reading on as needed; undefined when none has it. */
  private async runFor(c: Cursor, index: number): Promise<NodeRun | undefined> {
    for (;;) {
      const run = c.run;
      if (run && index < run.first) return undefined; // not cached: nothing to serve wrong
      if (run && index < run.first + run.count) return run;
      if (c.done) return undefined;
      const r = await c.it.next();
      if (r.done) {
        c.done = true;
        c.run = undefined;
        return undefined;
      }
      c.run = r.value;
    }
  }

  private report(add: (p: Problem) => void, p: Problem): void {
    // One problem per damaged subtree is enough to locate it; cap the rest.
    if (this.reported++ < 20) add(p);
  }

  /** Checks the subtrees completed since the last call against the stored hashes. */
  async compare(add: (p: Problem) => void): Promise<void> {
    const n = this.levels.length;
    for (let i = 0; i < n; i++) {
      const level = this.levels[i]!;
      const index = this.indices[i]!;
      const c = this.cursors.get(level);
      if (!c) continue;
      const run = c.run && index >= c.run.first && index < c.run.first + c.run.count ? c.run : await this.runFor(c, index);
      if (!run) continue;
      if (!run.hex.startsWith(this.hexes[i]!, (index - run.first) * 64)) {
        const first = index * 2 ** level;
        // No index: a wrong node is usually the echo of a wrong entry reported at its own index.
        this.report(add, {
          code: 'node_mismatch',
          message: `the subtree cache's hash of entries ${first}..${first + 2 ** level - 1} (level ${level}) does not match the entries: proofs served from it would be wrong`,
        });
      }
    }
    this.levels.length = 0;
    this.indices.length = 0;
    this.hexes.length = 0;
  }

  /** After the last entry: a stored node past the log's end covers entries the log does not have. */
  async finish(size: number, add: (p: Problem) => void): Promise<void> {
    if (!this.enabled) return;
    for (const [level, c] of this.cursors) {
      const span = 2 ** level;
      // The first index whose subtree does not fit in the log.
      const beyond = Math.floor(size / span);
      const run = await this.runFor(c, beyond);
      let first: number | undefined = run ? beyond : undefined;
      if (first === undefined && c.run && c.run.first > beyond) first = c.run.first;
      if (first === undefined && !c.done) {
        const r = await c.it.next();
        if (!r.done) first = r.value.first;
      }
      if (first === undefined) continue;
      const from = first * span;
      this.report(add, {
        code: 'node_beyond_log',
        index: size,
        message: `the subtree cache holds a hash of entries ${from}..${from + span - 1} but the log has ${size}: entries were deleted from its end`,
      });
    }
  }
}
