import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BulwarkError, ExitCode, UsageError } from '../domain/errors.js';
import { decodeBlob, encodeBlob } from './blobs.js';
import type { AuditConfig } from './config.js';
import { canonicalBytes, makeEntry, queryColumns, type Entry, type EntryInput } from '../domain/audit-entries.js';
import { resolveSigner, type ResolvedSigner } from './signer.js';
import { displayLocation, isPostgresUrl, resolveDbLocation } from './locations.js';
import { consistencyProofRanges, foldRange, inclusionProofRanges, leafHash, nodesForAppend, rangeRefs, resolveRanges, verifyConsistency } from './merkle.js';
import { formatCheckpointBody, parseCheckpointBody, parseNote, signNoteWith, type NoteSigner } from './note.js';
import { rotationEntry } from './rotation.js';
import type { LogStore, NewEntry } from './store.js';
import { SqliteLogStore } from './store-sqlite.js';

export interface AppendResult {
  index: number;
  /** Hex SHA-256(0x00 ‖ canonical bytes). */
  leafHash: string;
}

export interface AppendOptions {
  /**
   * The clock that stamps entries given without a `time` (default: the wall clock). A caller that
   * decides by an injected clock (retention's `now`) passes it, so what it records carries the time
   * it acted at. The stamp still never goes back behind the last entry in the log.
   */
  now?: () => Date;
}

export interface CheckpointResult {
  /** The stored checkpoint's sequence number. */
  seq: number;
  treeSize: number;
  /** Base64 root hash as in the checkpoint body. */
  rootHash: string;
  /** The signed note text. */
  note: string;
  /** Where the note was also written, if a checkpoint file is configured. */
  file?: string;
}

export interface OpenAuditLogOptions {
  /** SQLite file path or `postgres://` URL (the --audit-db flag). Resolution: this > BULWARK_AUDIT_DB > config.db > per-user state dir. */
  location?: string;
  /** Ed25519 signing key file; default config.key_file, else the per-user default (generated on first checkpoint). */
  keyFile?: string;
  /** Each checkpoint is also written here, away from the database; default config.checkpoint_file. */
  checkpointFile?: string;
  /** Checkpoint origin; must match the origin stored in an existing log. */
  origin?: string;
  /** The [audit] table of bulwark.toml, if loaded. */
  config?: AuditConfig;
  /** Where notices go (key generated, ...). Default: stderr. */
  notice?: (msg: string) => void;
  /** Open an existing log only; never create one (read-only commands). */
  mustExist?: boolean;
}

/** Opens the store for a location: SQLite path or postgres:// URL (store-postgres.ts). */
export async function openStore(location: string, opts: { mustExist?: boolean; readonly?: boolean } = {}): Promise<LogStore> {
  if (isPostgresUrl(location)) {
    // Loaded lazily so SQLite users never load pg.
    const spec = './store-postgres.js';
    const mod = (await import(spec)) as { openPostgresLogStore?: (url: string, o: { readonly?: boolean }) => Promise<LogStore> };
    if (typeof mod.openPostgresLogStore !== 'function') throw new UsageError('PostgreSQL audit store is not available in this build');
    return mod.openPostgresLogStore(location, { readonly: opts.readonly ?? false });
  }
  try {
    return new SqliteLogStore(location, opts);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    // A full disk is the machine's problem, not a wrong flag: exit 5 and say what to free.
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || /SQLITE_FULL|database or disk is full|ENOSPC/i.test((e as Error).message)) {
      throw new BulwarkError(`cannot open audit database ${location}: the disk is full (free space on its file system and retry)`, ExitCode.Internal);
    }
    throw new UsageError(`cannot open audit database ${location}: ${(e as Error).message}`);
  }
}

function prepare(entry: Entry): NewEntry {
  const bytes = canonicalBytes(entry);
  return { bytes, leafHash: leafHash(bytes), ...queryColumns(entry) };
}

export class AuditLogImpl {
  readonly location: string;
  private signer: ResolvedSigner | undefined;

  constructor(
    readonly store: LogStore,
    readonly origin: string,
    private readonly keyFile: string | undefined,
    private readonly checkpointFile: string | undefined,
    private readonly notice: (msg: string) => void,
    private readonly config: AuditConfig = {},
  ) {
    this.location = displayLocation(store.location);
  }

  async append(entry: EntryInput, opts: AppendOptions = {}): Promise<AppendResult> {
    const [r] = await this.appendMany([entry], opts);
    return r!;
  }

  /** Validates everything first, then adds all entries in one durable transaction. */
  async appendMany(inputs: EntryInput[], opts: AppendOptions = {}): Promise<AppendResult[]> {
    if (inputs.length === 0) return [];
    const entries = inputs.map((input) => makeEntry(input, opts.now));
    const prepared: NewEntry[] = entries.map(prepare);
    const first = await this.store.writeTransaction(async (tx) => {
      // Entries stamped by us (no caller time) must not go back in time behind an entry another
      // process committed while we waited for the lock; restamp those few, under the lock.
      const last = await tx.lastTimeMs();
      if (last !== null) {
        entries.forEach((entry, i) => {
          if (inputs[i]!.time === undefined && prepared[i]!.timeMs < last) {
            prepared[i] = prepare({ ...entry, time: new Date(last).toISOString() });
          }
        });
      }
      const size = await tx.size();
      const refs = rangeRefs(0, size);
      const frontier = await tx.getNodes(refs);
      if (frontier.some((h) => h === undefined)) throw new Error(`audit log is damaged: subtree hashes missing at size ${size}; run bulwark audit verify`);
      const nodes = nodesForAppend(
        size,
        frontier as Uint8Array[],
        prepared.map((p) => p.leafHash),
      );
      await tx.insertEntries(size, prepared);
      await tx.insertNodes(nodes);
      return size;
    });
    return prepared.map((p, i) => ({ index: first + i, leafHash: Buffer.from(p.leafHash).toString('hex') }));
  }

  async putBlob(data: Uint8Array | string): Promise<string> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const blob = encodeBlob(bytes);
    await this.store.putBlob(blob);
    return blob.address;
  }

  async getBlob(address: string): Promise<Uint8Array | undefined> {
    const blob = await this.store.getBlob(address);
    return blob ? decodeBlob(blob) : undefined;
  }

  size(): Promise<number> {
    return this.store.size();
  }

  /** Root hash of the first `size` entries, from cached subtrees (O(log n) lookups). */
  async rootAt(size: number): Promise<Uint8Array> {
    const [root] = await resolveRanges([{ start: 0, n: size }], (refs) => this.store.getNodes(refs));
    return size === 0 ? foldRange([]) : root!;
  }

  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    return resolveRanges(inclusionProofRanges(index, size), (refs) => this.store.getNodes(refs));
  }

  async consistencyProof(size1: number, size2: number): Promise<Uint8Array[]> {
    return resolveRanges(consistencyProofRanges(size1, size2), (refs) => this.store.getNodes(refs));
  }

  /** The key file checkpoints are signed from, when the key came from a file (not the environment or a signer command). */
  signingKeyFile(): string | undefined {
    return this.key().file;
  }

  private key(): ResolvedSigner {
    this.signer ??= resolveSigner({ keyFile: this.keyFile, config: this.config, notice: this.notice });
    return this.signer;
  }

  /** The public key checkpoints are signed with now (resolving the signing key). */
  signingKey(): NoteSigner['verifier'] {
    return this.key().verifier;
  }

  /**
   * Hands signing over to `next`: appends a key_rotation entry whose statement both the current
   * and the next key sign, then signs a checkpoint with the next key. A verifier that trusts the
   * current key follows the statement to the next one; nothing else makes a new key count.
   */
  async rotateKey(next: NoteSigner): Promise<{ index: number; checkpoint: CheckpointResult }> {
    const current = this.key();
    if (current.verifier.text === next.verifier.text) throw new UsageError('the new key is the key already in use');
    const entry = await rotationEntry(this.origin, current, next);
    const { index } = await this.append(entry);
    this.signer = next;
    return { index, checkpoint: await this.checkpoint() };
  }

  /**
   * Loads the checkpoint signing key now (creating the default per-user key if missing), so a
   * command that appends and then signs fails before appending when the key is unusable.
   */
  loadSigningKey(): void {
    this.key();
  }

  async checkpoint(): Promise<CheckpointResult> {
    const key = this.key();
    let treeSize = await this.store.size();
    let root = await this.rootAt(treeSize);
    // Another writer may append and sign between our read and our check: then read again.
    for (let attempt = 0; !(await this.checkExtendsPrevious(key, treeSize, root)); attempt++) {
      if (attempt >= 5) throw new BulwarkError('refusing to sign a checkpoint: the log keeps moving under concurrent writers; retry', ExitCode.Internal);
      treeSize = await this.store.size();
      root = await this.rootAt(treeSize);
    }
    const note = await signNoteWith(formatCheckpointBody({ origin: this.origin, treeSize, rootHash: root }), [key]);
    const stored = await this.store.addCheckpoint(treeSize, note, Date.now());
    const result: CheckpointResult = { seq: stored.seq, treeSize, rootHash: Buffer.from(root).toString('base64'), note };
    if (this.checkpointFile) {
      writeFileAtomic(this.checkpointFile, note);
      result.file = path.resolve(this.checkpointFile);
    }
    return result;
  }

  /**
   * A signer must never bless a history that contradicts what was signed before: the new tree has
   * to extend the newest stored checkpoint, the largest one, and the checkpoint file (kept away
   * from the database), whoever signed them; and the subtree cache must not hold nodes for entries
   * the log no longer has. Catches a database rolled back, truncated or rewritten since, including
   * a tail deleted together with the checkpoints that covered it. A checkpoint here is only a
   * reason to refuse, never to accept, so its signature need not be checked.
   */
  private async checkExtendsPrevious(_key: NoteSigner, treeSize: number, root: Uint8Array): Promise<boolean> {
    const refuse = (why: string): never => {
      throw new BulwarkError(`refusing to sign a checkpoint: ${why} (run bulwark audit verify)`, ExitCode.Internal);
    };
    const previous: { label: string; note: string }[] = [];
    const stored = await this.store.listCheckpoints();
    const last = stored[stored.length - 1];
    if (last) previous.push({ label: `stored checkpoint ${last.seq}`, note: last.note });
    const largest = stored.reduce<(typeof stored)[number] | undefined>((a, c) => (a === undefined || c.treeSize > a.treeSize ? c : a), undefined);
    if (largest && largest !== last) previous.push({ label: `stored checkpoint ${largest.seq}`, note: largest.note });
    if (this.checkpointFile && existsSync(this.checkpointFile)) {
      previous.push({ label: `checkpoint file ${this.checkpointFile}`, note: readFileSync(this.checkpointFile, 'utf8') });
    }
    for (const p of previous) {
      let cp;
      try {
        cp = parseCheckpointBody(parseNote(p.note).text);
      } catch (e) {
        return refuse(`${p.label} cannot be read: ${(e as Error).message}`);
      }
      if (cp.origin !== this.origin) refuse(`${p.label} is for origin ${JSON.stringify(cp.origin)}, not ${JSON.stringify(this.origin)}`);
      if (cp.treeSize > treeSize) {
        if ((await this.store.size()) >= cp.treeSize) return false; // a concurrent writer got ahead
        refuse(`${p.label} covers ${cp.treeSize} entries but the log has ${treeSize}: it was rolled back or truncated`);
      }
      if (cp.treeSize === 0) continue;
      try {
        verifyConsistency(cp.treeSize, treeSize, cp.rootHash, root, cp.treeSize === treeSize ? [] : await this.consistencyProof(cp.treeSize, treeSize));
      } catch (e) {
        refuse(`the log no longer extends ${p.label} (size ${cp.treeSize}): ${(e as Error).message}`);
      }
    }
    const covered = this.store.nodeExtent ? await this.store.nodeExtent() : 0;
    if (covered > treeSize) {
      if ((await this.store.size()) >= covered) return false; // a concurrent writer got ahead
      refuse(`the subtree cache holds hashes for ${covered} entries but the log has ${treeSize}: entries were deleted from its end`);
    }
    return true;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

export function writeFileAtomic(file: string, text: string): void {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, abs);
}

function checkOrigin(origin: string): string {
  // eslint-disable-next-line no-control-regex -- an origin with control characters is refused
  if (origin.length === 0 || origin.length > 256 || /[\x00-\x1f\x7f]/.test(origin) || /^[\s+]/.test(origin)) {
    throw new UsageError(`audit origin ${JSON.stringify(origin)} must be one printable line`);
  }
  return origin;
}

export async function openAuditLogImpl(opts: OpenAuditLogOptions = {}): Promise<AuditLogImpl> {
  const cfg = opts.config ?? {};
  const location = resolveDbLocation(opts.location, cfg.db);
  const store = await openStore(location, { mustExist: opts.mustExist });
  try {
    const requested = opts.origin ?? cfg.origin;
    // A log's origin is fixed when it is created; a random suffix keeps two logs apart.
    const stored = await store.getMeta('origin');
    const origin = checkOrigin(stored ?? (await store.initMeta('origin', checkOrigin(requested ?? `bulwark.local/audit/${randomBytes(8).toString('hex')}`))));
    if (requested !== undefined && requested !== origin) {
      throw new UsageError(`audit log ${displayLocation(location)} has origin ${JSON.stringify(origin)}, not ${JSON.stringify(requested)}`);
    }
    const notice = opts.notice ?? ((msg: string) => process.stderr.write(`bulwark: ${msg}\n`));
    // The key file is passed on only when given explicitly: the signer resolves [audit] key_file
    // itself, after BULWARK_AUDIT_KEY.
    return new AuditLogImpl(store, origin, opts.keyFile, opts.checkpointFile ?? cfg.checkpoint_file, notice, cfg);
  } catch (e) {
    await store.close();
    throw e;
  }
}
