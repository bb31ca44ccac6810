import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import type { NodeRef } from './store.js';

/**
 * RFC 6962 / RFC 9162 Merkle tree math, pure. Leaf hash = SHA-256(0x00 ‖ bytes), node hash =
 * SHA-256(0x01 ‖ left ‖ right). Proof *generation* is expressed over "complete subtrees" (NodeRef)
 * so a store can answer it with O(log n) cached lookups; proof *verification* follows RFC 9162
 * §2.1.3.2 and §2.1.4.2 and is checked against the transparency-dev test vectors.
 */

export const HASH_SIZE = 32;
const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

export class ProofError extends Error {
  override name = 'ProofError';
}

export function leafHash(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(bytes).digest();
}

/** Leaf hash of the UTF-8 encoding of `text` (verify reads entries as text to skip a Buffer per row). */
export function leafHashOfText(text: string): Buffer {
  return oneShot ? oneShot('sha256', '\u0000' + text, 'buffer') : createHash('sha256').update(LEAF_PREFIX).update(text, 'utf8').digest();
}

// crypto.hash (one-shot, no Hash object) exists from Node 20.12; older 20.x falls back to createHash.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

// One reusable 0x01 ‖ left ‖ right buffer: node hashing dominates tree building and verify.
const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeInput[0] = 1;

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return oneShot ? oneShot('sha256', nodeInput, 'buffer') : createHash('sha256').update(nodeInput).digest();
}

/** Root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The maximal complete subtrees covering leaves [start, start+n), left to right, largest first.
 * Valid for the ranges RFC 6962 recursion produces (start is a multiple of the first chunk size).
 */
export function rangeRefs(start: number, n: number): NodeRef[] {
  const refs: NodeRef[] = [];
  let pos = start;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(n / width) % 2 === 1) {
      refs.push({ level, index: pos / width });
      pos += width;
    }
  }
  return refs;
}

/** Hash of a range from its complete-subtree hashes (as given by rangeRefs), folded right to left. */
export function foldRange(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/** A range [start, start+n) whose hash is one element of a proof. */
export interface ProofRange {
  start: number;
  n: number;
}

/** Ranges whose hashes form the inclusion proof of leaf `index` in a tree of `size`, bottom-up. */
export function inclusionProofRanges(index: number, size: number): ProofRange[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new ProofError(`leaf index ${index} is outside a tree of size ${size}`);
  }
  const out: ProofRange[] = [];
  const walk = (m: number, start: number, n: number): void => {
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, k);
      out.push({ start: start + k, n: n - k });
    } else {
      walk(m - k, start + k, n - k);
      out.push({ start, n: k });
    }
  };
  walk(index, 0, size);
  return out;
}

/** Ranges whose hashes form the consistency proof from size1 to size2 (RFC 6962 §2.1.2). */
export function consistencyProofRanges(size1: number, size2: number): ProofRange[] {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 1 || size1 > size2) {
    throw new ProofError(`no consistency proof from size ${size1} to size ${size2}`);
  }
  const out: ProofRange[] = [];
  const sub = (m: number, start: number, n: number, whole: boolean): void => {
    if (m === n) {
      if (!whole) out.push({ start, n });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, start, k, whole);
      out.push({ start: start + k, n: n - k });
    } else {
      sub(m - k, start + k, n - k, false);
      out.push({ start, n: k });
    }
  };
  sub(size1, 0, size2, true);
  return out;
}

/** Resolves proof ranges to hashes with one batched lookup of complete subtrees. */
export async function resolveRanges(ranges: ProofRange[], getNodes: (refs: NodeRef[]) => Promise<(Uint8Array | undefined)[]>): Promise<Uint8Array[]> {
  const perRange = ranges.map((r) => rangeRefs(r.start, r.n));
  const flat = perRange.flat();
  const hashes = await getNodes(flat);
  let i = 0;
  return perRange.map((refs) => {
    const hs = refs.map((ref) => {
      const h = hashes[i++];
      if (!h) throw new ProofError(`subtree (level ${ref.level}, index ${ref.index}) is missing from the store`);
      return h;
    });
    return foldRange(hs);
  });
}

function checkHash(h: Uint8Array, what: string): void {
  if (h.length !== HASH_SIZE) throw new ProofError(`${what} is ${h.length} bytes, expected ${HASH_SIZE}`);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Root implied by an inclusion proof (RFC 9162 §2.1.3.2); throws when the proof is malformed. */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Uint8Array {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new ProofError(`leaf index ${index} is outside a tree of size ${size}`);
  }
  checkHash(leaf, 'leaf hash');
  proof.forEach((p, i) => checkHash(p, `proof[${i}]`));
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) throw new ProofError('inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError('inclusion proof is too short');
  return r;
}

export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): void {
  checkHash(root, 'root');
  const got = rootFromInclusionProof(index, size, leaf, proof);
  if (!equal(got, root)) throw new ProofError('inclusion proof does not lead to the root');
}

/** Verifies a consistency proof (RFC 9162 §2.1.4.2); throws ProofError when it does not hold. */
export function verifyConsistency(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: Uint8Array[]): void {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < 0) {
    throw new ProofError('tree sizes must be non-negative integers');
  }
  if (size2 < size1) throw new ProofError(`size ${size2} is smaller than size ${size1}`);
  // A consistency claim about the empty tree proves nothing; reject it rather than pass it.
  if (size1 === 0) throw new ProofError('consistency from an empty tree is meaningless');
  if (size1 === size2) {
    if (proof.length !== 0) throw new ProofError('proof must be empty for equal sizes');
    if (!equal(root1, root2)) throw new ProofError('roots differ for equal sizes');
    return;
  }
  checkHash(root1, 'first root');
  checkHash(root2, 'second root');
  proof.forEach((p, i) => checkHash(p, `proof[${i}]`));
  if (proof.length === 0) throw new ProofError('empty consistency proof');
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) throw new ProofError('consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError('consistency proof is too short');
  if (!equal(fr, root1)) throw new ProofError('consistency proof does not lead to the first root');
  if (!equal(sr, root2)) throw new ProofError('consistency proof does not lead to the second root');
}

/**
 * Streaming tree builder for verify: push leaf hashes in order, ask for the root at any point.
 * Keeps only the O(log n) complete subtrees on the right edge (a "compact range").
 */
export class CompactRange {
  private readonly hashes: Uint8Array[] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(leaf: Uint8Array): void {
    let h = leaf;
    let s = 1;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === s) {
      h = nodeHash(this.hashes.pop()!, h);
      this.sizes.pop();
      s *= 2;
    }
    this.hashes.push(h);
    this.sizes.push(s);
    this.count++;
  }

  root(): Uint8Array {
    return foldRange(this.hashes);
  }
}

/**
 * CompactRange over lowercase hex hashes, for verify's hot loop: one-shot hashing straight to hex
 * strings allocates no Buffer per hash, which roughly halves the cost of a node hash.
 */
/** Receives the subtrees a compact range completes. */
export interface NodeSink {
  add(level: number, index: number, hex: string): void;
}

export class HexCompactRange {
  private readonly hashes: string[] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends a leaf; each subtree it completes is reported to `created` (level ≥ 1, index, hex). */
  push(leafHex: string, created?: NodeSink): void {
    let h = leafHex;
    let s = 1;
    let level = 0;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === s) {
      h = nodeHashHex(this.hashes.pop()!, h);
      this.sizes.pop();
      s *= 2;
      level++;
      if (created) created.add(level, (this.count + 1) / s - 1, h);
    }
    this.hashes.push(h);
    this.sizes.push(s);
    this.count++;
  }

  root(): Buffer {
    return Buffer.from(foldRange(this.hashes.map((h) => Buffer.from(h, 'hex'))));
  }
}

/** Leaf hash of UTF-8 `text` as lowercase hex. */
export function leafHashHexOfText(text: string): string {
  return oneShot ? oneShot('sha256', '\u0000' + text, 'hex') : createHash('sha256').update(LEAF_PREFIX).update(text, 'utf8').digest('hex');
}

function nodeHashHex(leftHex: string, rightHex: string): string {
  nodeInput.write(leftHex, 1, 'hex');
  nodeInput.write(rightHex, 1 + HASH_SIZE, 'hex');
  return oneShot ? oneShot('sha256', nodeInput, 'hex') : createHash('sha256').update(nodeInput).digest('hex');
}

/**
 * Complete subtrees that become available when leaves are appended at firstIndex.. (for the node
 * cache). `frontier` are the hashes of rangeRefs(0, firstIndex), the existing right edge.
 */
export function nodesForAppend(firstIndex: number, frontier: Uint8Array[], leaves: Uint8Array[]): { level: number; index: number; hash: Uint8Array }[] {
  const range = new CompactRangeWithRefs(rangeRefs(0, firstIndex), frontier);
  const out: { level: number; index: number; hash: Uint8Array }[] = [];
  for (const leaf of leaves) range.push(leaf, out);
  return out;
}

class CompactRangeWithRefs {
  private readonly stack: { level: number; index: number; hash: Uint8Array }[];
  constructor(refs: NodeRef[], hashes: Uint8Array[]) {
    if (refs.length !== hashes.length) throw new ProofError('frontier does not match the tree size');
    this.stack = refs.map((r, i) => ({ ...r, hash: hashes[i]! }));
  }
  push(leafHash: Uint8Array, created: { level: number; index: number; hash: Uint8Array }[]): void {
    const prev = this.stack[this.stack.length - 1];
    let cur = { level: 0, index: prev ? (prev.index + 1) * 2 ** prev.level : 0, hash: leafHash };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level === cur.level) {
      const left = this.stack.pop()!;
      cur = { level: cur.level + 1, index: left.index / 2, hash: nodeHash(left.hash, cur.hash) };
      created.push(cur);
    }
    this.stack.push(cur);
  }
}
