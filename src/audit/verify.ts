import { decodeBlob } from './blobs.js';
import { DEFAULT_TIMESTAMP_TOLERANCE_MS } from './config.js';
import { CompactRange, EMPTY_ROOT, HexCompactRange, consistencyProofRanges, leafHash, rangeRefs, resolveRanges, verifyConsistency } from './merkle.js';
import { openCheckpoint, parseNote, type Checkpoint, type VerifierKey } from './note.js';
import { entryFacts, rowFacts, type RowFacts } from './row-facts.js';
import type { EntryTextRow, LogStore } from './store.js';
import { checkWitnessQuorum, type WitnessPolicy, type WitnessReport } from './witness/quorum.js';
import type { TrustedCheckpoint, VerifierState } from './verify-state.js';
import { resolveTrust, type TrustResolution } from './verify-trust.js';
import { NodeCacheCheck } from './verify-nodes.js';

/**
 * Offline verification of a whole log against trusted keys and the verifier's own state.
 * Everything is recomputed from the stored entry bytes; cached hashes and query columns are only
 * compared, never trusted. Streams the entries once, so memory stays O(log n) plus blob refs.
 */

export type ProblemCode =
  | 'guard_missing'
  | 'entry_missing'
  | 'entry_duplicate'
  | 'no_trust_anchor'
  | 'key_not_trusted'
  | 'key_rotation_invalid'
  | 'node_mismatch'
  | 'node_beyond_log'
  | 'leaf_hash_mismatch'
  | 'entry_invalid'
  | 'column_mismatch'
  | 'time_order'
  | 'checkpoint_gap'
  | 'checkpoint_invalid'
  | 'checkpoint_origin'
  | 'checkpoint_root_mismatch'
  | 'checkpoint_beyond_log'
  | 'no_checkpoint'
  | 'trusted_rollback'
  | 'trusted_mismatch'
  | 'trusted_checkpoint_missing'
  | 'trusted_origin_changed'
  | 'blob_missing'
  | 'blob_mismatch'
  | 'consistency_proof'
  | 'witness_quorum';

export interface VerifyProblem {
  code: ProblemCode;
  message: string;
  /** The first entry index the problem concerns, when there is one. */
  index?: number;
  /** The checkpoint seq the problem concerns, when there is one. */
  checkpoint?: number;
}

export interface VerifyOptions {
  store: LogStore;
  /**
   * Trust anchors given to the verifier (--trusted-key, the base revision's [audit] trusted_keys).
   * With the key the state pinned for this origin, these are the only roots of trust; keys that
   * valid key_rotation entries link to them count as well.
   */
  trustedKeys: VerifierKey[];
  /** The signer's own public key, offered for trust on first use only; never an anchor by itself. */
  candidateKey?: VerifierKey;
  /** Pin `candidateKey` for an origin that has no anchor (recorded as tofu in the state). */
  trustOnFirstUse?: boolean;
  /** Extra checkpoints kept away from the database (e.g. the --checkpoint file), as note texts. */
  externalCheckpoints?: { label: string; note: string }[];
  /** The verifier's state (last trusted checkpoint per origin+key); undefined = first use. */
  state?: VerifierState;
  /** Trust a log whose origin is new for a key the state already knows. */
  acceptNewOrigin?: boolean;
  toleranceMs?: number;
  /** Also validate every entry against its kind's full schema and RFC 8785 canonical form. */
  schema?: boolean;
  /** Require witness cosignatures on the newest checkpoint (verify --witness). */
  witnesses?: WitnessPolicy;
}

export interface VerifyReport {
  ok: boolean;
  origin: string | null;
  treeSize: number;
  rootHash: string;
  checkpoints: number;
  /** Largest tree size covered by a valid signed checkpoint. */
  signedSize: number;
  /** Entries after the newest checkpoint (not yet signed; a run may be in progress). */
  unsignedTail: number;
  blobs: { referenced: number; checked: number; purged: number; archived: number; stored: number };
  problems: VerifyProblem[];
  /** The lowest entry index any problem concerns, or null. */
  firstBadIndex: number | null;
  /** What the state should now trust (set only when ok). */
  trusted: TrustedCheckpoint[];
  /** The witness check, when witnesses were required. */
  witnesses?: WitnessReport;
  /** Where trust came from: the anchors' sources, rotations followed, first use. */
  trust: { keys: string[]; rotations: number; firstUse: boolean };
}

interface SizeCheck {
  size: number;
  root: Buffer;
  onMismatch: () => VerifyProblem;
  /** Set for stored checkpoints: their seq, so matched ones get consistency proofs checked. */
  seq?: number;
  matched?: boolean;
}

export async function verifyLog(opts: VerifyOptions): Promise<VerifyReport> {
  const { store } = opts;
  const tolerance = opts.toleranceMs ?? DEFAULT_TIMESTAMP_TOLERANCE_MS;
  const problems: VerifyProblem[] = [];
  const add = (p: VerifyProblem) => problems.push(p);

  for (const g of await store.checkGuards()) add({ code: 'guard_missing', message: g });

  const origin = (await store.getMeta('origin')) ?? null;
  const treeSize = await store.size();

  const trust: TrustResolution = await resolveTrust(opts, origin, add);
  if (trust.keys.length === 0) return emptyReport(origin, treeSize, problems, trust);
  const acceptedKeys = trust.keys.map((k) => k.key);

  // Checkpoints: dense seq, valid signature by a trusted key, this log's origin, sizes never shrink.
  const stored = await store.listCheckpoints();
  const valid: { seq: number; cp: Checkpoint & { key: VerifierKey }; label: string }[] = [];
  let lastSize = -1;
  stored.forEach((c, i) => {
    if (c.seq !== i) {
      add({ code: 'checkpoint_gap', checkpoint: i, message: `checkpoint ${i} is missing (next stored is ${c.seq}): checkpoints were deleted` });
    }
    let cp: Checkpoint & { key: VerifierKey };
    try {
      cp = openCheckpoint(c.note, acceptedKeys);
    } catch (e) {
      add(untrustedCheckpoint(`checkpoint ${c.seq}`, c.note, e as Error, trust, c.seq));
      return;
    }
    const from = trust.keys.find((k) => k.key === cp.key)!.from;
    if (cp.treeSize < from) {
      add({
        code: 'key_not_trusted',
        checkpoint: c.seq,
        message: `checkpoint ${c.seq} (size ${cp.treeSize}) is signed by ${cp.key.name}, which the log hands signing to only at entry ${from - 1}`,
      });
      return;
    }
    if (cp.origin !== origin) {
      add({
        code: 'checkpoint_origin',
        checkpoint: c.seq,
        message: `checkpoint ${c.seq} is for origin ${JSON.stringify(cp.origin)}, not this log's ${JSON.stringify(origin)}`,
      });
      return;
    }
    if (cp.treeSize !== c.treeSize) {
      add({
        code: 'column_mismatch',
        checkpoint: c.seq,
        message: `checkpoint ${c.seq} column says size ${c.treeSize} but the signed note says ${cp.treeSize}`,
      });
    }
    // Sizes need not grow with seq: two writers may sign concurrently and store out of order.
    // Every root is checked against the entries, which is what makes each checkpoint count.
    lastSize = Math.max(lastSize, cp.treeSize);
    valid.push({ seq: c.seq, cp, label: `checkpoint ${c.seq}` });
  });
  for (const ext of opts.externalCheckpoints ?? []) {
    try {
      const cp = openCheckpoint(ext.note, acceptedKeys);
      if (cp.origin !== origin) {
        add({ code: 'checkpoint_origin', message: `${ext.label} is for origin ${JSON.stringify(cp.origin)}, not this log's ${JSON.stringify(origin)}` });
      } else {
        valid.push({ seq: -1, cp, label: ext.label });
      }
    } catch (e) {
      add(untrustedCheckpoint(ext.label, ext.note, e as Error, trust));
    }
  }

  // Every root we must reproduce while streaming: checkpoints and the state's trusted ones.
  const checks: SizeCheck[] = [];
  // Problems about a log that got shorter; their index may be refined by the subtree cache.
  const shrunk: VerifyProblem[] = [];
  for (const v of valid) {
    if (v.cp.treeSize > treeSize) {
      const p: VerifyProblem = {
        code: 'checkpoint_beyond_log',
        checkpoint: v.seq >= 0 ? v.seq : undefined,
        index: treeSize,
        message: `${v.label} is signed for ${v.cp.treeSize} entries but the log has ${treeSize}: entries were removed (truncated)`,
      };
      add(p);
      shrunk.push(p);
      continue;
    }
    checks.push({
      size: v.cp.treeSize,
      root: v.cp.rootHash,
      ...(v.seq >= 0 ? { seq: v.seq } : {}),
      onMismatch: () => ({
        code: 'checkpoint_root_mismatch',
        checkpoint: v.seq >= 0 ? v.seq : undefined,
        message: `${v.label} (size ${v.cp.treeSize}) does not match the root recomputed from the entries`,
      }),
    });
  }
  const trustedNow = trust.pinned ? [trust.pinned] : [];
  for (const t of trustedNow) {
    if (t.treeSize > treeSize) {
      const p: VerifyProblem = {
        code: 'trusted_rollback',
        index: treeSize,
        message: `the verifier previously trusted ${t.treeSize} entries but the log has ${treeSize}: rolled back or truncated`,
      };
      add(p);
      shrunk.push(p);
      continue;
    }
    checks.push({
      size: t.treeSize,
      root: Buffer.from(t.rootHash, 'base64'),
      onMismatch: () => ({
        code: 'trusted_mismatch',
        message: `the first ${t.treeSize} entries no longer match the checkpoint this verifier trusted before: the log was rewritten or replaced`,
      }),
    });
    if (t.treeSize > lastSize && t.treeSize > 0) {
      add({
        code: 'trusted_checkpoint_missing',
        message: `no checkpoint in the log covers the ${t.treeSize} entries this verifier trusted before: checkpoints were deleted or rolled back`,
      });
    }
  }
  checks.sort((a, b) => a.size - b.size);

  // Stream every entry once.
  const range = new HexCompactRange();
  const referenced = new Map<string, number>();
  const purged = new Set<string>();
  const archived = new Set<string>();
  let checkAt = 0;
  const runChecks = () => {
    while (checkAt < checks.length && checks[checkAt]!.size === range.size) {
      const c = checks[checkAt++]!;
      const root = range.size === 0 ? EMPTY_ROOT : range.root();
      if (Buffer.from(root).equals(c.root)) c.matched = true;
      else {
        const p = c.onMismatch();
        const problem = { ...p, index: p.index ?? firstDivergence(c.size) };
        add(problem);
        if (p.index === undefined && firstLeafProblem === null) rootMismatches.push({ problem, size: c.size });
      }
    }
  };
  // Which index made a root go wrong is unknowable from the root alone; report the first entry
  // whose stored hash already disagreed, else the checkpoint's last entry.
  let firstLeafProblem: number | null = null;
  const rootMismatches: { problem: VerifyProblem; size: number }[] = [];
  const firstDivergence = (size: number): number => (firstLeafProblem !== null && firstLeafProblem < size ? firstLeafProblem : size - 1);
  const flagLeaf = (i: number) => {
    if (firstLeafProblem === null) firstLeafProblem = i;
  };
  runChecks();
  const nodes = new NodeCacheCheck(store);
  await nodes.start();
  let expected = 0;
  let prevTime: number | null = null;
  const full = opts.schema ?? false;
  for await (const batch of factBatches(store, treeSize, full)) {
    for (const f of batch) {
      if (f.index < expected) {
        // The same index stored twice (a store without a unique key, or one rebuilt by hand): the
        // tree has one leaf per index, so the extra row is reported and left out.
        add({ code: 'entry_duplicate', index: f.index, message: `entry ${f.index} is stored more than once` });
        flagLeaf(f.index);
        continue;
      }
      if (f.index !== expected) {
        add({ code: 'entry_missing', index: expected, message: `entries ${expected}..${f.index - 1} are missing (deleted)` });
        flagLeaf(expected);
        expected = f.index;
      }
      let facts = f;
      if (f.leafDiffers) {
        // Recheck with the exact bytes: the text path decodes lossily.
        const exact = await store.getEntry(f.index);
        const bytes = exact?.bytes ?? new Uint8Array();
        const exactLeaf = leafHash(bytes);
        if (!exact || !exactLeaf.equals(exact.leafHash)) {
          add({ code: 'leaf_hash_mismatch', index: f.index, message: `entry ${f.index}: stored leaf hash does not match its bytes` });
          flagLeaf(f.index);
        }
        const text = utf8(bytes);
        const cols = exact ?? { kind: '', timeMs: NaN, runId: null };
        facts =
          text === null
            ? { ...f, leafHex: exactLeaf.toString('hex'), timeMs: NaN, blobRefs: [], error: 'entry bytes are not valid UTF-8' }
            : entryFacts(f.index, text, cols, exactLeaf.toString('hex'), false, full);
      }
      const leaf = facts.leafHex;
      if (facts.error !== undefined) {
        add({ code: 'entry_invalid', index: f.index, message: `entry ${f.index}: ${facts.error}` });
        flagLeaf(f.index);
      } else {
        if (facts.columnsDiffer) {
          add({ code: 'column_mismatch', index: f.index, message: `entry ${f.index}: stored query columns (kind/time/run_id) disagree with the entry bytes` });
        }
        const t = facts.timeMs;
        if (prevTime !== null && t < prevTime - tolerance) {
          add({
            code: 'time_order',
            index: f.index,
            message: `entry ${f.index}: time ${new Date(t).toISOString()} is ${prevTime - t} ms before the previous entry (tolerance ${tolerance} ms)`,
          });
        }
        prevTime = prevTime === null ? t : Math.max(prevTime, t);
        for (const ref of facts.blobRefs) if (!referenced.has(ref)) referenced.set(ref, f.index);
        if (facts.retention) for (const b of facts.retention.blobs) (facts.retention.to === 'purged' ? purged : archived).add(b);
      }
      range.push(leaf, nodes);
      expected = f.index + 1;
      if (checkAt < checks.length) runChecks();
    }
    await nodes.compare(add);
  }
  await nodes.finish(range.size, add);
  // A root that no longer matches while every stored leaf hash agrees with its bytes: the leaf
  // hashes were rewritten too. The subtree cache written at append time usually still says where.
  // Likewise when entries were deleted and the rest renumbered: the shorter log's prefix no longer
  // matches what was appended.
  if ((rootMismatches.length > 0 || shrunk.length > 0) && firstLeafProblem === null && expected === treeSize) {
    const size = Math.min(...rootMismatches.map((m) => m.size), ...(shrunk.length > 0 ? [treeSize] : []));
    const found = size > 0 ? await locateByNodeCache(store, size) : null;
    if (found) {
      for (const p of [...rootMismatches.map((m) => m.problem), ...shrunk]) {
        if (p.index !== undefined && p.index < found.start) continue;
        p.index = found.start;
        p.message += `; the subtree cache recorded at append time first disagrees at entries ${found.start}..${found.end - 1}`;
      }
    }
  }
  // Consistency proofs (RFC 9162 §2.1.4) between consecutive checkpoints and from the newest one to
  // the current tree, built from the store's subtree cache: what a client holding only the signed
  // checkpoints would be shown. Roots were already recomputed from the entries above.
  if (range.size === treeSize && expected === treeSize) {
    const signed = checks.filter((c) => c.seq !== undefined && c.matched && c.size > 0).sort((a, b) => a.size - b.size || a.seq! - b.seq!);
    const steps = signed.slice(1).map((c, i) => ({ from: signed[i]!, to: { size: c.size, root: c.root, label: `checkpoint ${c.seq}` } }));
    const newest = signed[signed.length - 1];
    if (newest) steps.push({ from: newest, to: { size: treeSize, root: Buffer.from(range.root()), label: 'the current tree' } });
    for (const { from, to } of steps) {
      if (to.size === from.size && to.root.equals(from.root)) continue;
      try {
        const proof = await resolveRanges(consistencyProofRanges(from.size, to.size), (refs) => store.getNodes(refs));
        verifyConsistency(from.size, to.size, from.root, to.root, proof);
      } catch (e) {
        add({
          code: 'consistency_proof',
          checkpoint: from.seq,
          message: `consistency proof from checkpoint ${from.seq} (size ${from.size}) to ${to.label} (size ${to.size}) fails: ${(e as Error).message} (the subtree cache is damaged)`,
        });
      }
    }
  }
  if (expected !== treeSize) add({ code: 'entry_missing', index: expected, message: `entries ${expected}..${treeSize - 1} are missing` });

  if (treeSize > 0 && valid.filter((v) => v.seq >= 0).length === 0) {
    add({ code: 'no_checkpoint', index: 0, message: `the log has ${treeSize} entries but no valid signed checkpoint` });
  }

  // Blobs: every referenced one is stored and matches its address, or retention says where it went.
  const blobs = { referenced: referenced.size, checked: 0, purged: 0, archived: 0, stored: 0 };
  const storedAddresses = new Set(await store.listBlobAddresses());
  blobs.stored = storedAddresses.size;
  for (const [address, index] of referenced) {
    if (!storedAddresses.has(address)) {
      if (purged.has(address)) blobs.purged++;
      else if (archived.has(address)) blobs.archived++;
      else add({ code: 'blob_missing', index, message: `entry ${index}: blob ${address} is missing and no retention_move entry accounts for it` });
    }
  }
  for (const address of storedAddresses) {
    const blob = await store.getBlob(address);
    try {
      if (!blob) throw new Error(`blob ${address} vanished during verify`);
      decodeBlob(blob);
      blobs.checked++;
    } catch (e) {
      add({ code: 'blob_mismatch', index: referenced.get(address), message: (e as Error).message });
    }
  }

  let witnesses: WitnessReport | undefined;
  if (opts.witnesses) {
    const newestSize = Math.max(-1, ...valid.filter((v) => v.seq >= 0 && v.cp.treeSize <= treeSize).map((v) => v.cp.treeSize));
    const newestSeqs = new Set(valid.filter((v) => v.seq >= 0 && v.cp.treeSize === newestSize).map((v) => v.seq));
    witnesses = checkWitnessQuorum(
      stored.filter((c) => newestSeqs.has(c.seq)),
      await store.listCosignatures(),
      opts.witnesses,
    );
    for (const message of witnesses.problems) add({ code: 'witness_quorum', message });
  }

  const root = treeSize === 0 ? EMPTY_ROOT : range.size === treeSize ? range.root() : EMPTY_ROOT;
  const signedSize = Math.max(0, ...valid.filter((v) => v.seq >= 0 && v.cp.treeSize <= treeSize).map((v) => v.cp.treeSize));
  const indices = problems.map((p) => p.index).filter((i): i is number => i !== undefined);
  const ok = problems.length === 0;
  const trusted: TrustedCheckpoint[] = [];
  if (ok && origin !== null) {
    // Pin the key of the newest valid stored checkpoint (after a rotation: the new key) and its tree.
    const newest = valid.filter((v) => v.seq >= 0).sort((a, b) => b.cp.treeSize - a.cp.treeSize || b.seq - a.seq)[0];
    if (newest) {
      trusted.push({
        origin,
        key: newest.cp.key.text,
        treeSize: newest.cp.treeSize,
        rootHash: newest.cp.rootHash.toString('base64'),
        ...(trust.firstUse ? { tofu: true } : {}),
      });
    }
  }
  return {
    ok,
    origin,
    treeSize,
    rootHash: Buffer.from(root).toString('base64'),
    checkpoints: stored.length,
    signedSize,
    unsignedTail: treeSize - signedSize,
    blobs,
    problems: problems.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity)),
    firstBadIndex: indices.length ? Math.min(...indices) : null,
    trusted,
    ...(witnesses ? { witnesses } : {}),
    trust: trustSummary(trust),
  };
}

function trustSummary(t: TrustResolution): VerifyReport['trust'] {
  return { keys: t.keys.map((k) => `${k.key.text} (${k.source})`), rotations: t.rotations, firstUse: t.firstUse };
}

/** The report when there is nothing to verify against: no anchor, no pin, no first use. */
function emptyReport(origin: string | null, treeSize: number, problems: VerifyProblem[], t: TrustResolution): VerifyReport {
  return {
    ok: false,
    origin,
    treeSize,
    rootHash: EMPTY_ROOT.toString('base64'),
    checkpoints: 0,
    signedSize: 0,
    unsignedTail: treeSize,
    blobs: { referenced: 0, checked: 0, purged: 0, archived: 0, stored: 0 },
    problems,
    firstBadIndex: null,
    trusted: [],
    trust: trustSummary(t),
  };
}

/** A checkpoint no accepted key signed: a key change this verifier has no hand-over for, or a bad signature. */
function untrustedCheckpoint(label: string, note: string, e: Error, trust: TrustResolution, seq?: number): VerifyProblem {
  let signers = '';
  try {
    signers = parseNote(note)
      .signatures.map((s) => `${s.name}+${s.keyId.toString('hex')}`)
      .join(', ');
  } catch {
    // malformed: reported as invalid below
  }
  const known = trust.keys.some((k) => signers.includes(`${k.key.name}+${k.key.keyId.toString('hex')}`));
  if (trust.pinned && signers !== '' && !known) {
    return {
      code: 'key_not_trusted',
      ...(seq !== undefined ? { checkpoint: seq } : {}),
      message: `${label} is signed by ${signers}, but this verifier pinned key ${trust.pinned.key} for origin ${JSON.stringify(trust.pinned.origin)} and no key-rotation statement in the log signed by it names that key: the key was replaced`,
    };
  }
  return { code: 'checkpoint_invalid', ...(seq !== undefined ? { checkpoint: seq } : {}), message: `${label}: ${e.message}` };
}

const decoder = new TextDecoder('utf-8', { fatal: true });
function utf8(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Row facts in index order. */
async function* factBatches(store: LogStore, end: number, full: boolean): AsyncIterable<RowFacts[]> {
  for await (const batch of textRows(store, end)) yield batch.map((r) => rowFacts(r, full));
}

/** Rows as text: the store's fast path when it has one, else decoded from readEntries. */
async function* textRows(store: LogStore, end: number): AsyncIterable<EntryTextRow[]> {
  if (store.readEntryTexts) {
    // Small batches keep each batch's strings in V8's young generation (measurably less GC).
    yield* store.readEntryTexts(0, end, 500);
    return;
  }
  for await (const batch of store.readEntries(0, end, 500)) {
    // Undecodable bytes become U+FFFD here; the hash recheck then reads the exact bytes.
    yield batch.map((r) => ({
      index: r.index,
      kind: r.kind,
      timeMs: r.timeMs,
      runId: r.runId,
      leafHashHex: Buffer.from(r.leafHash).toString('hex'),
      text: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength).toString('utf8'),
    }));
  }
}

/**
 * Diagnostic only (never a reason to pass): recomputes the first `size` leaf hashes from the entry
 * bytes and descends from the largest complete subtrees to the smallest one whose hash disagrees
 * with the node cache. Returns that subtree's leaf range, or null when the cache agrees (it was
 * rewritten as well) or the log is too large to hold the leaf hashes in memory.
 */
async function locateByNodeCache(store: LogStore, size: number): Promise<{ start: number; end: number } | null> {
  if (size > 20_000_000) return null;
  const leaves: Buffer[] = [];
  for await (const batch of store.readEntries(0, size)) for (const r of batch) leaves[r.index] = leafHash(r.bytes);
  if (leaves.length !== size || leaves.some((l) => l === undefined)) return null;
  const subtree = (level: number, index: number): Uint8Array => {
    const start = index * 2 ** level;
    const r = new CompactRange();
    for (let i = start; i < start + 2 ** level; i++) r.push(leaves[i]!);
    return r.root();
  };
  const cached = async (level: number, index: number) => (await store.getNodes([{ level, index }]))[0];
  const differs = async (level: number, index: number) => {
    const c = await cached(level, index);
    return c !== undefined && !Buffer.from(c).equals(subtree(level, index));
  };
  for (const ref of rangeRefs(0, size)) {
    if (ref.level === 0 || !(await differs(ref.level, ref.index))) continue;
    let { level, index } = ref;
    while (level > 1) {
      if (await differs(level - 1, index * 2)) index = index * 2;
      else if (await differs(level - 1, index * 2 + 1)) index = index * 2 + 1;
      else break;
      level--;
    }
    const start = index * 2 ** level;
    return { start, end: start + 2 ** level };
  }
  return null;
}
