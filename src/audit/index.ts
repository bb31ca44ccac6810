import type { EntryInput } from '../domain/audit-entries.js';
import { openAuditLogImpl, type AppendOptions, type AppendResult, type CheckpointResult, type OpenAuditLogOptions } from './log.js';
import type { LogStore } from './store.js';

/**
 * The audit log's public API. Append typed entries, store prompt/response blobs, sign checkpoints.
 * Nothing else writes to the store.
 *
 * PostgreSQL: a `postgres://` location loads `./store-postgres.js`, which must export
 * `openPostgresLogStore(url: string, opts: { readonly?: boolean }): Promise<LogStore>`.
 */

export type { Entry, EntryInput, EntryKind, EntryOf, QueryColumns } from '../domain/audit-entries.js';
export { ENTRY_KINDS, ENTRY_VERSION, entrySchema, makeEntry, canonicalBytes, decodeEntry, blobRefs, EntryError } from '../domain/audit-entries.js';
export type { LogStore, StoredEntry, StoredBlob, StoredCheckpoint, EntryQuery, WriteTransaction, NewEntry, NodeRef, StoredNode } from './store.js';
export type { AppendOptions, AppendResult, CheckpointResult, OpenAuditLogOptions } from './log.js';
export { openStore } from './log.js';
export { blobAddress, encodeBlob, decodeBlob } from './blobs.js';
export { leafHash, nodeHash, verifyInclusion, verifyConsistency } from './merkle.js';
export { openCheckpoint, parseVerifierKey, signCheckpoint } from './note.js';
export { loadSignerKey, loadVerifierKey, writeKeyPair } from './keys.js';
export { resolveDbLocation, defaultDbPath, defaultKeyPath } from './locations.js';

export interface AuditLog {
  /** Where the log is (a URL without its password). */
  readonly location: string;
  /** The checkpoint origin line of this log. */
  readonly origin: string;
  /** The underlying store (export/retention use it; nothing else writes entries). */
  readonly store: LogStore;
  /** Appends one entry; `opts.now` stamps it when it has no `time` (default: the wall clock). */
  append(entry: EntryInput, opts?: AppendOptions): Promise<AppendResult>;
  /** Appends several entries in one durable transaction with consecutive indices. */
  appendMany(entries: EntryInput[], opts?: AppendOptions): Promise<AppendResult[]>;
  /** Stores content-addressed, compressed; returns `sha256:<hex>` of the uncompressed bytes. */
  putBlob(data: Uint8Array | string): Promise<string>;
  /** The uncompressed blob, checked against its address; undefined when not stored (or moved out). */
  getBlob(address: string): Promise<Uint8Array | undefined>;
  size(): Promise<number>;
  /** Root hash of the first `size` entries. */
  rootAt(size: number): Promise<Uint8Array>;
  /** Inclusion proof (RFC 9162) of entry `index` in the tree of `size` entries. */
  inclusionProof(index: number, size: number): Promise<Uint8Array[]>;
  /** Consistency proof (RFC 9162) between tree sizes. */
  consistencyProof(size1: number, size2: number): Promise<Uint8Array[]>;
  /** Signs and records a checkpoint of the current tree (and writes the checkpoint file if configured). */
  checkpoint(): Promise<CheckpointResult>;
  /** Resolves the checkpoint signing key now, so a missing one fails before anything is appended. */
  loadSigningKey(): void;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the audit log. Location: `location` (--audit-db) > BULWARK_AUDIT_DB >
 * `config.db` ([audit] db) > `$XDG_STATE_HOME/bulwark/audit.db` (else ~/.local/state/bulwark/audit.db).
 */
export async function openAuditLog(opts: OpenAuditLogOptions = {}): Promise<AuditLog> {
  return openAuditLogImpl(opts);
}
