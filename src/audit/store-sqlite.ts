import Database from 'better-sqlite3';
import { accessSync, chmodSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type {
  NodeRun,
  EntryQuery,
  EntryTextRow,
  LogStore,
  NewEntry,
  NodeRef,
  StoredBlob,
  StoredCheckpoint,
  StoredCosignature,
  StoredEntry,
  StoredNode,
  WriteTransaction,
} from './store.js';

/**
 * SQLite store: WAL, synchronous=FULL (a commit is on disk before append resolves), one writer at a
 * time across processes via BEGIN IMMEDIATE, and triggers that make entries, nodes and checkpoints
 * append-only. The triggers stop accidents and casual edits; the Merkle tree catches the rest.
 */

const SCHEMA_VERSION = '1';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (
  idx INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  run_id TEXT,
  leaf_hash BLOB NOT NULL,
  bytes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_run ON entries(run_id) WHERE run_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_kind_time ON entries(kind, time_ms);
CREATE INDEX IF NOT EXISTS entries_time ON entries(time_ms);
CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (address TEXT PRIMARY KEY, encoding TEXT NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER PRIMARY KEY, tree_size INTEGER NOT NULL, note TEXT NOT NULL, created_ms INTEGER NOT NULL);
`;

/** Append-only guards: name → statement. checkGuards reports any that are missing. */
const GUARDS: Record<string, string> = Object.fromEntries(
  [
    ['entries', 'UPDATE'],
    ['entries', 'DELETE'],
    ['nodes', 'UPDATE'],
    ['nodes', 'DELETE'],
    ['checkpoints', 'UPDATE'],
    ['checkpoints', 'DELETE'],
    ['meta', 'UPDATE'],
    ['meta', 'DELETE'],
  ].map(([table, op]) => {
    const name = `${table}_no_${op!.toLowerCase()}`;
    return [name, `CREATE TRIGGER IF NOT EXISTS ${name} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'audit ${table} are append-only'); END;`];
  }),
);

/**
 * Witness cosignatures, added to existing databases when they are next opened for writing (the
 * schema version stays: a database without the table reads as one without cosignatures). The
 * table's append-only guards are installed with it.
 */
const COSIGNATURES_TABLE = `CREATE TABLE cosignatures (seq INTEGER NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY (seq, witness, line)) WITHOUT ROWID;`;
const COSIGNATURE_GUARDS: Record<string, string> = Object.fromEntries(
  ['UPDATE', 'DELETE'].map((op) => {
    const name = `cosignatures_no_${op.toLowerCase()}`;
    return [name, `CREATE TRIGGER IF NOT EXISTS ${name} BEFORE ${op} ON cosignatures BEGIN SELECT RAISE(ABORT, 'audit cosignatures are append-only'); END;`];
  }),
);

type Row = { idx: number; kind: string; time_ms: number; run_id: string | null; leaf_hash: Buffer; bytes: Buffer };

function toEntry(r: Row): StoredEntry {
  return { index: r.idx, kind: r.kind, timeMs: r.time_ms, runId: r.run_id, leafHash: r.leaf_hash, bytes: r.bytes };
}

export interface SqliteStoreOptions {
  /** Open an existing file only (verify, show): never create a database. */
  mustExist?: boolean;
  readonly?: boolean;
  /** How long a writer waits for the lock, ms. */
  busyTimeoutMs?: number;
}

/**
 * better-sqlite3 reads SQLITE_USE_URI when its native addon loads (on the first open): URI names
 * are needed for `?immutable=1`. Only absolute paths are ever opened as plain names, so no path is
 * taken for a URI by accident.
 */
let uriConfigured = false;
function openDatabase(name: string, options: Database.Options): Database.Database {
  if (uriConfigured) return new Database(name, options);
  const prior = process.env.SQLITE_USE_URI;
  process.env.SQLITE_USE_URI = '1';
  try {
    return new Database(name, options);
  } finally {
    uriConfigured = true;
    if (prior === undefined) delete process.env.SQLITE_USE_URI;
    else process.env.SQLITE_USE_URI = prior;
  }
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A read-only open of a file this process cannot write (read-only media, a WORM archive, a mounted
 * backup): SQLite's WAL mode needs a writable -shm file beside the database even to read, so the
 * file is opened immutable instead (no locks, no WAL). A -wal file next to it would hold commits
 * the main file lacks, which immutable mode would not read: that copy is refused.
 */
function immutableName(file: string): string | undefined {
  const abs = path.resolve(file);
  if (writable(abs) && writable(path.dirname(abs))) return undefined;
  if (existsSync(`${abs}-wal`)) {
    throw new Error(
      `${abs}-wal exists beside a database that cannot be written: copy the database with sqlite3's .backup (or after a checkpoint) before archiving it`,
    );
  }
  return `file:${encodeURI(abs).replace(/\?/g, '%3f').replace(/#/g, '%23')}?immutable=1`;
}

export class SqliteLogStore implements LogStore {
  readonly location: string;
  private readonly db: Database.Database;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stmts;
  readonly immutable: boolean;

  constructor(file: string, opts: SqliteStoreOptions = {}) {
    this.location = file;
    if (opts.mustExist && !existsSync(file)) throw new Error('no such file');
    const created = !existsSync(file);
    if (created) mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const immutable = opts.readonly ? immutableName(file) : undefined;
    /** Opened immutable: read-only media; nothing here may write, lock or create a -shm file. */
    this.immutable = immutable !== undefined;
    this.db = openDatabase(immutable ?? path.resolve(file), {
      readonly: opts.readonly ?? false,
      fileMustExist: opts.mustExist ?? false,
      timeout: opts.busyTimeoutMs ?? 60_000,
    });
    if (created) chmodSync(file, 0o600);
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec('BEGIN IMMEDIATE');
      try {
        this.db.exec(SCHEMA);
        // Only install guards on a new database: re-creating a dropped trigger would hide tampering.
        const hasVersion = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
        if (!hasVersion) {
          for (const sql of Object.values(GUARDS)) this.db.exec(sql);
          this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(SCHEMA_VERSION);
        }
        if (!this.hasCosignatures()) {
          this.db.exec(COSIGNATURES_TABLE);
          for (const sql of Object.values(COSIGNATURE_GUARDS)) this.db.exec(sql);
        }
        this.db.exec('COMMIT');
      } catch (e) {
        this.db.exec('ROLLBACK');
        throw e;
      }
    } else {
      this.db.pragma('query_only = ON');
    }
    const version = (this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value;
    if (version !== SCHEMA_VERSION) throw new Error(`audit database ${file} has schema version ${String(version)}, expected ${SCHEMA_VERSION}`);
    this.stmts = {
      size: this.db.prepare('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM entries'),
      lastTime: this.db.prepare('SELECT time_ms FROM entries ORDER BY idx DESC LIMIT 1'),
      insertEntry: this.db.prepare('INSERT INTO entries (idx, kind, time_ms, run_id, leaf_hash, bytes) VALUES (?, ?, ?, ?, ?, ?)'),
      insertNode: this.db.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)'),
      leaf: this.db.prepare('SELECT leaf_hash FROM entries WHERE idx = ?').pluck(),
      node: this.db.prepare('SELECT hash FROM nodes WHERE level = ? AND idx = ?').pluck(),
      range: this.db.prepare('SELECT idx, kind, time_ms, run_id, leaf_hash, bytes FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx LIMIT ?'),
      // Raw arrays mapped in JS are cheaper than better-sqlite3's named-column objects (verify reads millions).
      rangeText: this.db
        .prepare('SELECT idx, kind, time_ms, run_id, lower(hex(leaf_hash)), CAST(bytes AS TEXT) FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx LIMIT ?')
        .raw(true),
      nodeExtent: this.db.prepare('SELECT COALESCE(MAX((MAX_IDX + 1) << level), 0) FROM (SELECT level, MAX(idx) AS MAX_IDX FROM nodes GROUP BY level)').pluck(),
      nodeLevels: this.db.prepare('SELECT DISTINCT level FROM nodes ORDER BY level').pluck(),
      nodeLevel: this.db.prepare('SELECT idx, lower(hex(hash)) FROM nodes WHERE level = ? AND idx >= ? ORDER BY idx LIMIT ?').raw(true),
      // One string per batch: min, max, count and the hashes back to back (dense when max - min + 1 = count).
      nodeRun: this.db
        .prepare(
          "SELECT MIN(idx), MAX(idx), COUNT(*), group_concat(h, '' ORDER BY idx) FROM (SELECT idx, lower(hex(hash)) AS h FROM nodes WHERE level = ? AND idx >= ? ORDER BY idx LIMIT ?)",
        )
        .raw(true),
      one: this.db.prepare('SELECT idx, kind, time_ms, run_id, leaf_hash, bytes FROM entries WHERE idx = ?'),
      putBlob: this.db.prepare('INSERT OR IGNORE INTO blobs (address, encoding, size, data) VALUES (?, ?, ?, ?)'),
      getBlob: this.db.prepare('SELECT address, encoding, size, data FROM blobs WHERE address = ?'),
      listBlobs: this.db.prepare('SELECT address FROM blobs ORDER BY address').pluck(),
      deleteBlob: this.db.prepare('DELETE FROM blobs WHERE address = ?'),
      nextSeq: this.db.prepare('SELECT COALESCE(MAX(seq) + 1, 0) FROM checkpoints').pluck(),
      insertCheckpoint: this.db.prepare('INSERT INTO checkpoints (seq, tree_size, note, created_ms) VALUES (?, ?, ?, ?)'),
      checkpoints: this.db.prepare('SELECT seq, tree_size, note, created_ms FROM checkpoints ORDER BY seq'),
      getMeta: this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      insertMeta: this.db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)'),
      triggers: this.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"),
    };
  }

  private hasCosignatures(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cosignatures'").get() !== undefined;
  }

  async addCosignature(c: StoredCosignature): Promise<void> {
    await this.writeLocked(() =>
      this.db.prepare('INSERT OR IGNORE INTO cosignatures (seq, witness, line, created_ms) VALUES (?, ?, ?, ?)').run(c.seq, c.witness, c.line, c.createdMs),
    );
  }

  async listCosignatures(): Promise<StoredCosignature[]> {
    if (!this.hasCosignatures()) return [];
    const rows = this.db.prepare('SELECT seq, witness, line, created_ms FROM cosignatures ORDER BY seq, created_ms').all() as {
      seq: number;
      witness: string;
      line: string;
      created_ms: number;
    }[];
    return rows.map((r) => ({ seq: r.seq, witness: r.witness, line: r.line, createdMs: r.created_ms }));
  }

  /** Runs fn under BEGIN IMMEDIATE; callers in this process queue behind each other. */
  writeTransaction<T>(fn: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.db.exec('BEGIN IMMEDIATE');
      let done = false;
      const tx: WriteTransaction = {
        size: async () => (this.stmts.size.get() as { n: number }).n,
        getNodes: async (refs) => this.nodesSync(refs),
        lastTimeMs: async () => (this.stmts.lastTime.get() as { time_ms: number } | undefined)?.time_ms ?? null,
        insertEntries: async (first, entries) => this.insertEntriesSync(first, entries),
        insertNodes: async (nodes) => this.insertNodesSync(nodes),
      };
      try {
        const result = await fn(tx);
        this.db.exec('COMMIT');
        done = true;
        return result;
      } finally {
        if (!done && this.db.inTransaction) this.db.exec('ROLLBACK');
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private insertEntriesSync(first: number, entries: NewEntry[]): void {
    const size = (this.stmts.size.get() as { n: number }).n;
    if (first !== size) throw new Error(`append at index ${first} but the log has ${size} entries`);
    entries.forEach((e, i) => {
      this.stmts.insertEntry.run(first + i, e.kind, e.timeMs, e.runId, e.leafHash, e.bytes);
    });
  }

  private insertNodesSync(nodes: StoredNode[]): void {
    for (const n of nodes) {
      if (n.level < 1) throw new Error('level-0 nodes are the entries themselves');
      this.stmts.insertNode.run(n.level, n.index, n.hash);
    }
  }

  private nodesSync(refs: NodeRef[]): (Uint8Array | undefined)[] {
    return refs.map((r) => (r.level === 0 ? this.stmts.leaf.get(r.index) : this.stmts.node.get(r.level, r.index)) as Buffer | undefined);
  }

  async size(): Promise<number> {
    return (this.stmts.size.get() as { n: number }).n;
  }

  async *readEntries(start: number, end: number, batchSize = 10_000): AsyncIterable<StoredEntry[]> {
    let next = start;
    while (next < end) {
      const rows = this.stmts.range.all(next, end, batchSize) as Row[];
      if (rows.length === 0) return;
      yield rows.map(toEntry);
      next = rows[rows.length - 1]!.idx + 1;
    }
  }

  async *readEntryTexts(start: number, end: number, batchSize = 500): AsyncIterable<EntryTextRow[]> {
    let next = start;
    while (next < end) {
      const rows = this.stmts.rangeText.all(next, end, batchSize) as [number, string, number, string | null, string, string][];
      if (rows.length === 0) return;
      yield rows.map(([index, kind, timeMs, runId, leafHashHex, text]): EntryTextRow => ({ index, kind, timeMs, runId, leafHashHex, text }));
      next = rows[rows.length - 1]![0] + 1;
    }
  }

  async getEntry(index: number): Promise<StoredEntry | undefined> {
    const r = this.stmts.one.get(index) as Row | undefined;
    return r ? toEntry(r) : undefined;
  }

  async queryEntries(q: EntryQuery): Promise<StoredEntry[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.runId !== undefined) {
      where.push('run_id = ?');
      args.push(q.runId);
    }
    if (q.kind !== undefined) {
      where.push('kind = ?');
      args.push(q.kind);
    }
    if (q.sinceMs !== undefined) {
      where.push('time_ms >= ?');
      args.push(q.sinceMs);
    }
    const sql =
      'SELECT idx, kind, time_ms, run_id, leaf_hash, bytes FROM entries' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY idx' +
      (q.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(q.limit))}` : '');
    return (this.db.prepare(sql).all(...args) as Row[]).map(toEntry);
  }

  async getNodes(refs: NodeRef[]): Promise<(Uint8Array | undefined)[]> {
    return this.nodesSync(refs);
  }

  async nodeExtent(): Promise<number> {
    return this.stmts.nodeExtent.get() as number;
  }

  async nodeLevels(): Promise<number[]> {
    return this.stmts.nodeLevels.all() as number[];
  }

  async *readNodeLevel(level: number, batchSize = 16_384): AsyncIterable<NodeRun> {
    let next = 0;
    for (;;) {
      const [min, max, count, hex] = this.stmts.nodeRun.get(level, next, batchSize) as [number | null, number | null, number, string | null];
      if (min === null || max === null || hex === null || count === 0) return;
      if (max - min + 1 === count) yield { first: min, count, hex };
      else {
        // A gap in the level (a node deleted): hand out the rows one run at a time.
        const rows = this.stmts.nodeLevel.all(level, next, batchSize) as [number, string][];
        for (const [index, h] of rows) yield { first: index, count: 1, hex: h };
      }
      next = max + 1;
    }
  }

  async putBlob(blob: StoredBlob): Promise<void> {
    this.stmts.putBlob.run(blob.address, blob.encoding, blob.size, blob.data);
  }

  async getBlob(address: string): Promise<StoredBlob | undefined> {
    return this.stmts.getBlob.get(address) as StoredBlob | undefined;
  }

  async listBlobAddresses(): Promise<string[]> {
    return this.stmts.listBlobs.all() as string[];
  }

  async deleteBlob(address: string): Promise<void> {
    this.stmts.deleteBlob.run(address);
  }

  async addCheckpoint(treeSize: number, note: string, createdMs: number): Promise<StoredCheckpoint> {
    const insert = this.db.transaction(() => {
      const seq = this.stmts.nextSeq.get() as number;
      this.stmts.insertCheckpoint.run(seq, treeSize, note, createdMs);
      return seq;
    });
    const seq = await this.writeLocked(() => insert.immediate());
    return { seq, treeSize, note, createdMs };
  }

  /** Serializes a synchronous write with in-process writeTransaction users. */
  private writeLocked<T>(fn: () => T): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async listCheckpoints(): Promise<StoredCheckpoint[]> {
    return (this.stmts.checkpoints.all() as { seq: number; tree_size: number; note: string; created_ms: number }[]).map((r) => ({
      seq: r.seq,
      treeSize: r.tree_size,
      note: r.note,
      createdMs: r.created_ms,
    }));
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.stmts.getMeta.get(key) as string | undefined;
  }

  async initMeta(key: string, value: string): Promise<string> {
    await this.writeLocked(() => this.stmts.insertMeta.run(key, value));
    return this.stmts.getMeta.get(key) as string;
  }

  async checkGuards(): Promise<string[]> {
    const present = new Map((this.stmts.triggers.all() as { name: string; sql: string }[]).map((t) => [t.name, t.sql]));
    const problems: string[] = [];
    for (const [name, create] of Object.entries(GUARDS)) {
      const sql = present.get(name);
      // sqlite_master keeps the statement without IF NOT EXISTS and the final semicolon.
      const expected = create.replace(' IF NOT EXISTS', '').replace(/;$/, '');
      if (sql === undefined) problems.push(`append-only trigger ${name} is missing`);
      else if (sql !== expected) problems.push(`append-only trigger ${name} was replaced`);
    }
    if (this.hasCosignatures()) {
      for (const [name, create] of Object.entries(COSIGNATURE_GUARDS)) {
        const sql = present.get(name);
        const expected = create.replace(' IF NOT EXISTS', '').replace(/;$/, '');
        if (sql === undefined) problems.push(`append-only trigger ${name} is missing`);
        else if (sql !== expected) problems.push(`append-only trigger ${name} was replaced`);
      }
    }
    return problems;
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.db.open) this.db.close();
  }
}
