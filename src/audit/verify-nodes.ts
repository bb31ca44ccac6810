import type { LogStore } from './store.js';

/**
 * Compares every stored subtree hash with the one recomputed from the entries while verify
 * streams them: a node that no checkpoint or consistency proof happens to use would still be
 * served by `audit proof`, so it must be right too. Nodes come from the store level by level in
 * index order (one cursor per level), in step with the order the compact range creates them.
 */

type Problem = { code: 'node_mismatch' | 'node_beyond_log'; message: string; index?: number };

interface Cursor {
  it: AsyncIterator<{ index: number; hashHex: string }[]>;
  buf: { index: number; hashHex: string }[];
  at: number;
  done: boolean;
}

export class NodeCacheCheck {
  /** Nodes the compact range created since the last compare: level, index, hex hash. */
  readonly created: { level: number; index: number; hex: string }[] = [];
  private readonly cursors = new Map<number, Cursor>();
  private enabled = false;
  private reported = 0;

  constructor(private readonly store: LogStore) {}

  async start(): Promise<void> {
    if (!this.store.readNodeLevel || !this.store.nodeLevels) return;
    this.enabled = true;
    for (const level of await this.store.nodeLevels()) {
      this.cursors.set(level, { it: this.store.readNodeLevel(level)[Symbol.asyncIterator](), buf: [], at: 0, done: false });
    }
  }

  private async refill(c: Cursor): Promise<boolean> {
    while (c.at >= c.buf.length) {
      if (c.done) return false;
      const r = await c.it.next();
      if (r.done) {
        c.done = true;
        return false;
      }
      c.buf = r.value;
      c.at = 0;
    }
    return true;
  }

  private report(add: (p: Problem) => void, p: Problem): void {
    // One problem per damaged subtree is enough to locate it; cap the rest.
    if (this.reported++ < 20) add(p);
  }

  /** Checks the nodes created since the last call against the stored ones. */
  async compare(add: (p: Problem) => void): Promise<void> {
    if (!this.enabled) {
      this.created.length = 0;
      return;
    }
    for (const n of this.created) {
      const c = this.cursors.get(n.level);
      if (!c) continue; // not cached: nothing to serve wrong
      let stored: { index: number; hashHex: string } | undefined;
      for (;;) {
        if (c.at >= c.buf.length && !(await this.refill(c))) {
          stored = undefined;
          break;
        }
        stored = c.buf[c.at]!;
        if (stored.index >= n.index) break;
        c.at++;
      }
      if (stored === undefined || stored.index !== n.index) continue;
      c.at++;
      if (stored.hashHex !== n.hex) {
        const first = n.index * 2 ** n.level;
        // No index: a wrong node is usually the echo of a wrong entry reported at its own index.
        this.report(add, {
          code: 'node_mismatch',
          message: `the subtree cache's hash of entries ${first}..${first + 2 ** n.level - 1} (level ${n.level}) does not match the entries: proofs served from it would be wrong`,
        });
      }
    }
    this.created.length = 0;
  }

  /** After the last entry: any stored node left over covers entries the log does not have. */
  async finish(size: number, add: (p: Problem) => void): Promise<void> {
    if (!this.enabled) return;
    for (const [level, c] of this.cursors) {
      if (!(await this.refill(c))) continue;
      const n = c.buf[c.at]!;
      const first = n.index * 2 ** level;
      this.report(add, {
        code: 'node_beyond_log',
        index: size,
        message: `the subtree cache holds a hash of entries ${first}..${first + 2 ** level - 1} but the log has ${size}: entries were deleted from its end`,
      });
    }
  }
}
