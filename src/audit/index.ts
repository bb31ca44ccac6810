import type { EntryInput } from './entries.js';
import type { LogStore } from './store.js';

export type { Entry, EntryInput, EntryKind, EntryOf, QueryColumns } from './entries.js';
export { ENTRY_KINDS, ENTRY_VERSION, entrySchema, makeEntry, canonicalBytes, decodeEntry, EntryError } from './entries.js';
export type { LogStore, StoredEntry, StoredBlob, StoredCheckpoint, EntryQuery } from './store.js';

export interface OpenAuditLogOptions {
  /** SQLite file path or `postgres://` URL. Default: --audit-db > BULWARK_AUDIT_DB > [audit] db > per-user state dir. */
  location?: string;
  /** Ed25519 signing key (C2SP note private key format) used for checkpoints. */
  keyFile?: string;
  /** Each checkpoint is also written here (kept away from the database). */
  checkpointFile?: string;
  /** Checkpoint origin line; default from [audit] origin, else the log's stored origin. */
  origin?: string;
}

export interface AppendResult {
  index: number;
  /** Hex SHA-256(0x00 ‖ canonical bytes). */
  leafHash: string;
}

export interface CheckpointResult {
  treeSize: number;
  /** Base64 root hash as in the checkpoint body. */
  rootHash: string;
  /** The signed note text. */
  note: string;
  /** Where the note was also written, if a checkpoint file is configured. */
  file?: string;
}

export interface AuditLog {
  readonly location: string;
  readonly origin: string;
  /** The underlying store (export/retention use it; nothing else writes entries). */
  readonly store: LogStore;
  append(entry: EntryInput): Promise<AppendResult>;
  /** Appends several entries in one durable transaction with consecutive indices. */
  appendMany(entries: EntryInput[]): Promise<AppendResult[]>;
  /** Stores content-addressed, compressed; returns `sha256:<hex>` of the uncompressed bytes. */
  putBlob(data: Uint8Array | string): Promise<string>;
  getBlob(address: string): Promise<Uint8Array | undefined>;
  size(): Promise<number>;
  /** Signs and records a checkpoint of the current tree (and writes the checkpoint file). */
  checkpoint(): Promise<CheckpointResult>;
  close(): Promise<void>;
}

export async function openAuditLog(_opts: OpenAuditLogOptions = {}): Promise<AuditLog> {
  throw new Error('openAuditLog: not implemented yet (landing within the hour)');
}
