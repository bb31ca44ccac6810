import { foldRange, nodeHash, rangeRefs } from '../merkle.js';

/**
 * Root of the tree of `start + leaves.length` entries, given only the frontier of the first
 * `start` entries (the hashes of `rangeRefs(0, start)`, largest subtree first) and the new leaves.
 * This is what lets a bundle prove that its entries are exactly log entries [start, end): the
 * frontier folds to the signed start root, and frontier + entries fold to the signed end root.
 */
export function rootFromFrontier(start: number, frontier: readonly Uint8Array[], leaves: readonly Uint8Array[]): Uint8Array {
  const refs = rangeRefs(0, start);
  if (refs.length !== frontier.length) throw new Error(`frontier has ${frontier.length} hashes, a tree of ${start} entries needs ${refs.length}`);
  const stack = refs.map((r, i) => ({ level: r.level, hash: frontier[i]! }));
  for (const leaf of leaves) {
    let cur = { level: 0, hash: leaf };
    while (stack.length > 0 && stack[stack.length - 1]!.level === cur.level) {
      const left = stack.pop()!;
      cur = { level: cur.level + 1, hash: nodeHash(left.hash, cur.hash) };
    }
    stack.push(cur);
  }
  return foldRange(stack.map((s) => s.hash));
}
