import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import {
  CompactRange,
  EMPTY_ROOT,
  HexCompactRange,
  ProofError,
  leafHashHexOfText,
  consistencyProofRanges,
  inclusionProofRanges,
  leafHash,
  nodeHash,
  nodesForAppend,
  rangeRefs,
  resolveRanges,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle.js';
import type { NodeRef } from '../../src/audit/store.js';

const vectors = path.join(packageRoot, 'test', 'audit', 'testdata', 'merkle');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? jsonFiles(full) : name.endsWith('.json') ? [full] : [];
  });
}

const b64 = (s: string | null): Buffer => Buffer.from(s ?? '', 'base64');

describe('RFC 6962 test vectors (transparency-dev/merkle)', () => {
  const inclusion = jsonFiles(path.join(vectors, 'inclusion'));
  const consistency = jsonFiles(path.join(vectors, 'consistency'));

  it('has the vector files', () => {
    assert.ok(inclusion.length > 50, `inclusion vectors: ${inclusion.length}`);
    assert.ok(consistency.length > 50, `consistency vectors: ${consistency.length}`);
    assert.ok(inclusion.some((f) => (JSON.parse(readFileSync(f, 'utf8')) as { wantErr: boolean }).wantErr === true));
    assert.ok(inclusion.some((f) => (JSON.parse(readFileSync(f, 'utf8')) as { wantErr: boolean }).wantErr === false));
  });

  it('verifies every inclusion vector that should pass and rejects every wantErr one', () => {
    for (const file of inclusion) {
      const v = JSON.parse(readFileSync(file, 'utf8')) as {
        leafIdx: number;
        treeSize: number;
        root: string;
        leafHash: string;
        proof: string[] | null;
        wantErr: boolean;
      };
      const run = () => verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root));
      const name = path.relative(vectors, file);
      if (v.wantErr) assert.throws(run, ProofError, `${name} must be rejected`);
      else assert.doesNotThrow(run, `${name} must verify`);
    }
  });

  it('verifies every consistency vector that should pass and rejects every wantErr one', () => {
    for (const file of consistency) {
      const v = JSON.parse(readFileSync(file, 'utf8')) as {
        size1: number;
        size2: number;
        root1: string;
        root2: string;
        proof: string[] | null;
        wantErr: boolean;
      };
      const run = () => verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), (v.proof ?? []).map(b64));
      const name = path.relative(vectors, file);
      if (v.wantErr) assert.throws(run, ProofError, `${name} must be rejected`);
      else assert.doesNotThrow(run, `${name} must verify`);
    }
  });
});

/** Reference MTH straight from RFC 6962 §2.1, to check the optimised paths against. */
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** A node source like a store's: leaves at level 0 plus the nodes nodesForAppend produced. */
function buildTree(n: number, batch: number): { leaves: Buffer[]; getNodes: (refs: NodeRef[]) => Promise<(Uint8Array | undefined)[]> } {
  const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
  const nodes = new Map<string, Uint8Array>();
  const lookup = (r: NodeRef) => (r.level === 0 ? leaves[r.index] : nodes.get(`${r.level}/${r.index}`));
  for (let start = 0; start < n; start += batch) {
    const frontier = rangeRefs(0, start).map((r) => lookup(r)!);
    for (const node of nodesForAppend(start, frontier, leaves.slice(start, start + batch))) {
      assert.ok(!nodes.has(`${node.level}/${node.index}`), 'a complete subtree is produced once');
      nodes.set(`${node.level}/${node.index}`, node.hash);
    }
  }
  return { leaves, getNodes: async (refs) => refs.map(lookup) };
}

describe('tree building and proof generation', () => {
  it('roots from cached subtrees and from the streaming builder equal the RFC definition', async () => {
    for (const batch of [1, 3, 7]) {
      const { leaves, getNodes } = buildTree(70, batch);
      const stream = new CompactRange();
      const hexStream = new HexCompactRange();
      for (let size = 0; size <= leaves.length; size++) {
        const want = mth(leaves.slice(0, size));
        const [got] = size === 0 ? [EMPTY_ROOT] : await resolveRanges([{ start: 0, n: size }], getNodes);
        assert.deepEqual(Buffer.from(got), Buffer.from(want), `size ${size} batch ${batch}`);
        assert.deepEqual(Buffer.from(stream.root()), Buffer.from(want), `stream size ${size}`);
        assert.deepEqual(hexStream.root(), Buffer.from(want), `hex stream size ${size}`);
        if (size < leaves.length) {
          stream.push(leaves[size]!);
          hexStream.push(leaves[size]!.toString('hex'));
        }
      }
    }
  });

  it('generated inclusion and consistency proofs verify, and fail for a wrong leaf or root', async () => {
    const { leaves, getNodes } = buildTree(33, 5);
    for (let size = 1; size <= leaves.length; size++) {
      const root = mth(leaves.slice(0, size));
      for (let i = 0; i < size; i++) {
        const proof = await resolveRanges(inclusionProofRanges(i, size), getNodes);
        verifyInclusion(i, size, leaves[i]!, proof, root);
        const other = leaves[(i + 1) % size]!;
        if (size > 1) assert.throws(() => verifyInclusion(i, size, other, proof, root));
      }
      for (let s1 = 1; s1 <= size; s1++) {
        const proof = await resolveRanges(consistencyProofRanges(s1, size), getNodes);
        const root1 = mth(leaves.slice(0, s1));
        verifyConsistency(s1, size, root1, root, proof);
        if (s1 < size) assert.throws(() => verifyConsistency(s1, size, leafHash(Buffer.from('x')), root, proof));
      }
    }
  });

  it('hashes entry text exactly like its UTF-8 bytes', () => {
    for (const text of ['{"a":"plain"}', '{"a":"é ✓ 𝄞"}', '']) {
      assert.equal(leafHashHexOfText(text), leafHash(Buffer.from(text, 'utf8')).toString('hex'));
    }
  });

  it('rejects out-of-range proof requests', () => {
    assert.throws(() => inclusionProofRanges(5, 5));
    assert.throws(() => inclusionProofRanges(-1, 5));
    assert.throws(() => consistencyProofRanges(0, 5));
    assert.throws(() => consistencyProofRanges(6, 5));
  });
});
