import type { EntryKind } from '../domain/audit-entries.js';

/**
 * Storage behind the audit log. Both stores (SQLite here, PostgreSQL in store-postgres.ts) keep the
 * same semantics so the log, verify, export and retention code never know which one they talk to:
 *
 * - Entries have dense indices from 0. Only `writeTransaction` adds them, under a lock that
 *   excludes every other writer in every process, and the commit is durable before it resolves.
 * - Entries and checkpoints are append-only in the database too (triggers reject UPDATE/DELETE);
 *   that is a speed bump, not the proof. The proof is the Merkle tree plus checkpoints kept outside.
 * - `nodes` caches hashes of complete (perfect) Merkle subtrees so proofs and roots cost O(log n).
 *   It is derived data: verify never trusts it.
 */

/** One stored log entry. */
export interface StoredEntry {
  index: number;
  /** Canonical entry bytes (RFC 8785 JSON, UTF-8). */
  bytes: Uint8Array;
  /** SHA-256(0x00 ‖ bytes) as written at append time. */
  leafHash: Uint8Array;
  /** Query columns as stored (verify checks they agree with the bytes). */
  kind: string;
  timeMs: number;
  runId: string | null;
}

export interface EntryTextRow {
  index: number;
  kind: string;
  timeMs: number;
  runId: string | null;
  /** Stored leaf hash, lowercase hex. */
  leafHashHex: string;
  /** The entry bytes decoded as UTF-8. */
  text: string;
}

export interface NewEntry {
  bytes: Uint8Array;
  leafHash: Uint8Array;
  kind: EntryKind;
  timeMs: number;
  runId: string | null;
}

/** A complete subtree hash: `level` 0 are leaves; node (l, i) covers leaves [i·2^l, (i+1)·2^l). */
export interface NodeRef {
  level: number;
  index: number;
}
export interface StoredNode extends NodeRef {
  hash: Uint8Array;
}

export interface StoredBlob {
  /** `sha256:<hex>` of the uncompressed bytes. */
  address: string;
  /** How `data` is encoded: 'br' (brotli) or 'identity'. */
  encoding: string;
  /** Uncompressed length. */
  size: number;
  data: Uint8Array;
}

export interface StoredCheckpoint {
  /** Dense sequence number from 0 (a gap means a deleted checkpoint). */
  seq: number;
  treeSize: number;
  /** The signed note exactly as written. */
  note: string;
  createdMs: number;
}

/** A witness's cosignature (C2SP tlog-cosignature) on a stored checkpoint. */
export interface StoredCosignature {
  /** The checkpoint it cosigns. */
  seq: number;
  /** The witness key as `<name>+<key id hex>`. */
  witness: string;
  /** The note signature line (`— <name> <base64>`), without the newline. */
  line: string;
  createdMs: number;
}

export interface EntryQuery {
  runId?: string;
  kind?: string;
  sinceMs?: number;
  /** Return at most this many (oldest first). */
  limit?: number;
}

/** Operations available only inside the single-writer transaction. */
export interface WriteTransaction {
  /** Number of entries (= next index), read under the lock. */
  size(): Promise<number>;
  /** Cached subtree hashes (level 0 = the entries' leaf hashes); undefined where absent. */
  getNodes(refs: NodeRef[]): Promise<(Uint8Array | undefined)[]>;
  /** How many leaves the subtree cache covers: max over stored nodes of (index + 1) · 2^level. */
  nodeExtent?(): Promise<number>;
  /**
   * Stored subtree hashes of one level (≥ 1) in index order, as lowercase hex, in batches: verify
   * recomputes every one, so a node no proof happened to use cannot be served wrong later.
   */
  readNodeLevel?(level: number, batchSize?: number): AsyncIterable<NodeRun>;
  /** The levels that have stored nodes, ascending. */
  nodeLevels?(): Promise<number[]>;
  /** Inserts entries at firstIndex, firstIndex+1, ... (firstIndex must equal size()). */
  insertEntries(firstIndex: number, entries: NewEntry[]): Promise<void>;
  /** Stores complete-subtree hashes of level ≥ 1 (level 0 lives with the entries). */
  insertNodes(nodes: StoredNode[]): Promise<void>;
  /** Time of the last entry, or null when empty. */
  lastTimeMs(): Promise<number | null>;
}

/**
 * Consecutive stored nodes of one level: `hex` holds the 64-hex-digit hashes of indices
 * first, first+1, … back to back (one string per batch, not one per node).
 */
export interface NodeRun {
  first: number;
  count: number;
  hex: string;
}

export interface LogStore {
  /** Human-readable location (path or URL without password). */
  readonly location: string;
  /**
   * Runs fn under the cross-process single-writer lock in one transaction; commits durably when fn
   * resolves, rolls back when it throws. Concurrent callers in this process are serialized.
   */
  writeTransaction<T>(fn: (tx: WriteTransaction) => Promise<T>): Promise<T>;

  size(): Promise<number>;
  /** Entries with start ≤ index < end, in index order, yielded in batches. Gaps are not filled. */
  readEntries(start: number, end: number, batchSize?: number): AsyncIterable<StoredEntry[]>;
  /**
   * Optional fast path for verify: the same rows with the bytes decoded as UTF-8 text and the
   * stored leaf hash as lowercase hex (no Buffer per row). Verify re-reads any row whose hash
   * disagrees through getEntry, so a store may decode invalid UTF-8 lossily here.
   */
  readEntryTexts?(start: number, end: number, batchSize?: number): AsyncIterable<EntryTextRow[]>;
  getEntry(index: number): Promise<StoredEntry | undefined>;
  queryEntries(q: EntryQuery): Promise<StoredEntry[]>;
  getNodes(refs: NodeRef[]): Promise<(Uint8Array | undefined)[]>;
  /** How many leaves the subtree cache covers: max over stored nodes of (index + 1) · 2^level. */
  nodeExtent?(): Promise<number>;
  /**
   * Stored subtree hashes of one level (≥ 1) in index order, as lowercase hex, in batches: verify
   * recomputes every one, so a node no proof happened to use cannot be served wrong later.
   */
  readNodeLevel?(level: number, batchSize?: number): AsyncIterable<NodeRun>;
  /** The levels that have stored nodes, ascending. */
  nodeLevels?(): Promise<number[]>;

  /** Stores a blob if its address is not there yet (idempotent). */
  putBlob(blob: StoredBlob): Promise<void>;
  getBlob(address: string): Promise<StoredBlob | undefined>;
  /** Every stored blob address, sorted. */
  listBlobAddresses(): Promise<string[]>;
  /** Removes a blob (retention only; the caller appends the `retention_move` entry first). */
  deleteBlob(address: string): Promise<void>;

  /** Appends a checkpoint with the next seq. */
  addCheckpoint(treeSize: number, note: string, createdMs: number): Promise<StoredCheckpoint>;
  /** All checkpoints by seq. */
  listCheckpoints(): Promise<StoredCheckpoint[]>;

  /**
   * Stores a witness cosignature of checkpoint `seq` (idempotent for the same line). Cosignatures
   * are evidence anyone can check with the witness's public key, so they sit beside the checkpoints
   * rather than in the Merkle tree.
   */
  addCosignature(c: StoredCosignature): Promise<void>;
  /** Every stored cosignature, by seq; none for a log created before cosignatures were stored. */
  listCosignatures(): Promise<StoredCosignature[]>;

  /** Log metadata (e.g. 'origin'), stored once at creation. */
  getMeta(key: string): Promise<string | undefined>;
  /** Sets metadata only if absent; returns the value now stored. */
  initMeta(key: string, value: string): Promise<string>;

  /** Problems with the store's own guards (e.g. a dropped append-only trigger), for verify. */
  checkGuards(): Promise<string[]>;

  close(): Promise<void>;
}
