import pg from 'pg';
import { displayLocation } from './locations.js';
import type {
  EntryQuery,
  LogStore,
  NewEntry,
  NodeRef,
  NodeRun,
  StoredBlob,
  StoredCheckpoint,
  StoredCosignature,
  StoredEntry,
  StoredNode,
  WriteTransaction,
} from './store.js';

/**
 * The audit log in PostgreSQL, for many CI runners appending to one central database. Same
 * semantics as the SQLite store:
 *
 * - Dense indices: every writer takes one transaction-scoped advisory lock (the single-writer lock
 *   across all processes and hosts) before reading the size and inserting; an INSERT trigger also
 *   refuses any index other than max+1, so a writer that skips the lock fails instead of leaving a gap.
 * - Append-only: triggers reject UPDATE and DELETE on every table and TRUNCATE (BEFORE TRUNCATE
 *   statement triggers). The application role is granted only SELECT and INSERT
 *   (`grantAppendOnly`); blobs leave the hot store only through `bulwark_retire_blob`, a SECURITY
 *   DEFINER function that refuses unless a `retention_move` entry already names the blob.
 * - Durable: commits wait for the WAL flush (synchronous_commit is forced on for the session).
 *
 * As with SQLite these guards are a speed bump for the database owner; the proof of integrity is
 * the Merkle tree and the signed checkpoints kept outside the database.
 */

/** Arbitrary but fixed: the advisory-lock key every Bulwark writer serializes on. */
const WRITER_LOCK_KEY = 0x42756c77; // "Bulw"

const TABLES = ['audit_entries', 'audit_nodes', 'audit_blobs', 'audit_checkpoints', 'audit_meta'] as const;

/** Triggers the schema creates; checkGuards reports any that is missing or disabled. */
const GUARD_TRIGGERS: readonly [table: string, trigger: string][] = [
  ['audit_entries', 'audit_entries_dense'],
  ...TABLES.map((t): [string, string] => [t, `${t}_no_update_delete`]),
  ...TABLES.map((t): [string, string] => [t, `${t}_no_truncate`]),
];

/** `schema` is the quoted schema the tables live in (the retire function runs with a fixed search_path). */
const schemaSql = (schema: string): string => `
CREATE TABLE audit_entries (
  idx       bigint PRIMARY KEY CHECK (idx >= 0),
  bytes     bytea  NOT NULL,
  leaf_hash bytea  NOT NULL CHECK (length(leaf_hash) = 32),
  kind      text   NOT NULL,
  time_ms   bigint NOT NULL,
  run_id    text
);
CREATE INDEX audit_entries_run ON audit_entries (run_id, idx);
CREATE INDEX audit_entries_kind ON audit_entries (kind, idx);
CREATE INDEX audit_entries_time ON audit_entries (time_ms);
CREATE TABLE audit_nodes (
  level int    NOT NULL,
  idx   bigint NOT NULL,
  hash  bytea  NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);
CREATE TABLE audit_blobs (
  address  text   PRIMARY KEY,
  encoding text   NOT NULL,
  size     bigint NOT NULL,
  data     bytea  NOT NULL
);
CREATE TABLE audit_checkpoints (
  seq        bigint PRIMARY KEY CHECK (seq >= 0),
  tree_size  bigint NOT NULL,
  note       text   NOT NULL,
  created_ms bigint NOT NULL
);
CREATE TABLE audit_meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);

CREATE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- nested so OLD.address is only read on audit_blobs rows (plpgsql does not short-circuit AND)
  IF TG_TABLE_NAME = 'audit_blobs' AND TG_OP = 'DELETE' THEN
    IF current_setting('bulwark.retiring_blob', true) = OLD.address THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'bulwark audit log is append-only: % on % rejected', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION audit_entries_dense() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE next bigint;
BEGIN
  SELECT coalesce(max(idx) + 1, 0) INTO next FROM audit_entries;
  IF NEW.idx <> next THEN
    RAISE EXCEPTION 'bulwark audit log: index % is not the next index %', NEW.idx, next
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_entries_dense BEFORE INSERT ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_entries_dense();

-- Removes one blob from the hot store, only when the log already records that retention moved or
-- purged it. Runs with the owner's rights so the application role needs no DELETE grant.
CREATE FUNCTION bulwark_retire_blob(addr text) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE recorded boolean;
DECLARE removed int;
BEGIN
  SELECT EXISTS (SELECT 1 FROM ${schema}.audit_entries WHERE kind = 'retention_move'
                   AND (convert_from(bytes, 'UTF8')::jsonb -> 'blobs') ? addr) INTO recorded;
  IF NOT recorded THEN
    RAISE EXCEPTION 'bulwark audit log: blob % has no retention_move entry; refusing to remove it', addr
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM set_config('bulwark.retiring_blob', addr, true);
  DELETE FROM ${schema}.audit_blobs WHERE address = addr;
  GET DIAGNOSTICS removed = ROW_COUNT;
  PERFORM set_config('bulwark.retiring_blob', '', true);
  RETURN removed > 0;
END $$;
REVOKE ALL ON FUNCTION bulwark_retire_blob(text) FROM PUBLIC;
${TABLES.map(
  (t) => `
CREATE TRIGGER ${t}_no_update_delete BEFORE UPDATE OR DELETE ON ${t}
  FOR EACH ROW EXECUTE FUNCTION audit_reject_change();
CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t}
  FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();`,
).join('\n')}
`;

/**
 * Witness cosignatures: added to an existing schema by the first role allowed to create it (the
 * owner, or `audit pg-init`); a schema without the table reads as a log without cosignatures.
 */
const COSIGNATURES_SQL = `
CREATE TABLE audit_cosignatures (
  seq        bigint NOT NULL CHECK (seq >= 0),
  witness    text   NOT NULL,
  line       text   NOT NULL,
  created_ms bigint NOT NULL,
  PRIMARY KEY (seq, witness, line)
);
CREATE TRIGGER audit_cosignatures_no_update_delete BEFORE UPDATE OR DELETE ON audit_cosignatures
  FOR EACH ROW EXECUTE FUNCTION audit_reject_change();
CREATE TRIGGER audit_cosignatures_no_truncate BEFORE TRUNCATE ON audit_cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();
`;
const COSIGNATURE_GUARDS: readonly [table: string, trigger: string][] = [
  ['audit_cosignatures', 'audit_cosignatures_no_update_delete'],
  ['audit_cosignatures', 'audit_cosignatures_no_truncate'],
];

async function cosignaturesExist(client: pg.ClientBase | pg.Pool): Promise<boolean> {
  const r = await client.query<{ t: string | null }>(`SELECT to_regclass('audit_cosignatures')::text AS t`);
  return r.rows[0]?.t != null;
}

/** Adds the cosignature table to a schema created before it existed (needs CREATE on the schema). */
export async function ensureCosignatureTable(client: pg.ClientBase): Promise<void> {
  if (await cosignaturesExist(client)) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK_KEY]);
    if (!(await cosignaturesExist(client))) await client.query(COSIGNATURES_SQL);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`postgres audit store: ${String(v)} is not a safe integer`);
  return n;
}

interface EntryRow {
  idx: string;
  bytes: Buffer;
  leaf_hash: Buffer;
  kind: string;
  time_ms: string;
  run_id: string | null;
}

function toEntry(r: EntryRow): StoredEntry {
  return { index: num(r.idx), bytes: r.bytes, leafHash: r.leaf_hash, kind: r.kind, timeMs: num(r.time_ms), runId: r.run_id };
}

async function schemaExists(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query<{ t: string | null }>(`SELECT to_regclass('audit_entries')::text AS t`);
  return r.rows[0]?.t != null;
}

/**
 * Creates the tables, triggers and retire function when absent (needs CREATE on the schema: run it
 * as the database owner once; `openPostgresLogStore` does it automatically when allowed).
 */
export async function ensurePostgresSchema(client: pg.ClientBase): Promise<boolean> {
  if (await schemaExists(client)) return false;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK_KEY]);
    if (await schemaExists(client)) {
      await client.query('ROLLBACK');
      return false;
    }
    const schema = (await client.query<{ s: string }>('SELECT quote_ident(current_schema()) AS s')).rows[0]!.s;
    await client.query(schemaSql(schema));
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Limits `role` to reading and appending: SELECT + INSERT, EXECUTE on the retire function, nothing else. */
export async function grantAppendOnly(ownerUrl: string, role: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`invalid role name "${role}"`);
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await ensurePostgresSchema(client);
    for (const t of TABLES) {
      await client.query(`REVOKE ALL ON ${t} FROM ${role}`);
      await client.query(`GRANT SELECT, INSERT ON ${t} TO ${role}`);
    }
    await client.query(`GRANT USAGE ON SCHEMA ${(await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s} TO ${role}`);
    await client.query(`GRANT EXECUTE ON FUNCTION bulwark_retire_blob(text) TO ${role}`);
    await ensureCosignatureTable(client);
    await client.query(`REVOKE ALL ON audit_cosignatures FROM ${role}`);
    await client.query(`GRANT SELECT, INSERT ON audit_cosignatures TO ${role}`);
  } finally {
    await client.end();
  }
}

class PgWriteTransaction implements WriteTransaction {
  constructor(private readonly client: pg.PoolClient) {}
  async size(): Promise<number> {
    const r = await this.client.query<{ n: string }>('SELECT coalesce(max(idx) + 1, 0) AS n FROM audit_entries');
    return num(r.rows[0]!.n);
  }
  getNodes(refs: NodeRef[]): Promise<(Uint8Array | undefined)[]> {
    return fetchNodes(this.client, refs);
  }
  async insertEntries(firstIndex: number, entries: NewEntry[]): Promise<void> {
    const size = await this.size();
    if (firstIndex !== size) throw new Error(`postgres audit store: insert at ${firstIndex} but the log has ${size} entries`);
    // Chunked multi-row inserts: one round trip per 500 entries keeps grouped appends fast.
    for (let off = 0; off < entries.length; off += 500) {
      const chunk = entries.slice(off, off + 500);
      const values: unknown[] = [];
      const rows = chunk.map((e, i) => {
        values.push(firstIndex + off + i, Buffer.from(e.bytes), Buffer.from(e.leafHash), e.kind, e.timeMs, e.runId);
        const b = i * 6;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
      });
      await this.client.query(`INSERT INTO audit_entries (idx, bytes, leaf_hash, kind, time_ms, run_id) VALUES ${rows.join(', ')}`, values);
    }
  }
  async insertNodes(all: StoredNode[]): Promise<void> {
    // level 0 lives with the entries (their leaf hashes)
    const nodes = all.filter((n) => n.level > 0);
    for (let off = 0; off < nodes.length; off += 1000) {
      const chunk = nodes.slice(off, off + 1000);
      const values: unknown[] = [];
      const rows = chunk.map((n, i) => {
        values.push(n.level, n.index, Buffer.from(n.hash));
        return `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`;
      });
      await this.client.query(`INSERT INTO audit_nodes (level, idx, hash) VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING`, values);
    }
  }
  async lastTimeMs(): Promise<number | null> {
    const r = await this.client.query<{ t: string }>('SELECT time_ms AS t FROM audit_entries ORDER BY idx DESC LIMIT 1');
    return r.rows[0] ? num(r.rows[0].t) : null;
  }
}

/** Subtree hashes: level 0 are the entries' own leaf hashes, higher levels come from the node cache. */
async function fetchNodes(client: pg.ClientBase | pg.Pool, refs: NodeRef[]): Promise<(Uint8Array | undefined)[]> {
  if (refs.length === 0) return [];
  const found = new Map<string, Uint8Array>();
  const leaves = refs.filter((x) => x.level === 0).map((x) => x.index);
  if (leaves.length > 0) {
    const r = await client.query<{ idx: string; leaf_hash: Buffer }>('SELECT idx, leaf_hash FROM audit_entries WHERE idx = ANY($1::bigint[])', [leaves]);
    for (const row of r.rows) found.set(`0:${row.idx}`, row.leaf_hash);
  }
  const inner = refs.filter((x) => x.level > 0);
  if (inner.length > 0) {
    const r = await client.query<{ level: number; idx: string; hash: Buffer }>(
      'SELECT level, idx, hash FROM audit_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::int[], $2::bigint[]))',
      [inner.map((x) => x.level), inner.map((x) => x.index)],
    );
    for (const row of r.rows) found.set(`${row.level}:${row.idx}`, row.hash);
  }
  return refs.map((x) => found.get(`${x.level}:${x.index}`));
}

export class PostgresLogStore implements LogStore {
  readonly location: string;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly pool: pg.Pool,
    url: string,
  ) {
    this.location = displayLocation(url);
  }

  /**
   * `readonly` (verify, show, the console): every session is read-only in the server itself
   * (`default_transaction_read_only`), and a missing schema or table is reported, never created.
   */
  static async open(url: string, opts: { readonly?: boolean } = {}): Promise<PostgresLogStore> {
    const readonly = opts.readonly ?? false;
    const pool = new pg.Pool({
      connectionString: url,
      max: 4,
      // Durable commits even if the server default was relaxed.
      options: readonly ? '-c synchronous_commit=on -c default_transaction_read_only=on' : '-c synchronous_commit=on',
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const store = new PostgresLogStore(pool, url);
    const client = await pool.connect().catch((err: Error) => {
      void pool.end();
      throw new Error(`cannot connect to ${store.location}: ${err.message}`);
    });
    try {
      if (!(await schemaExists(client))) {
        if (readonly) throw new Error(`${store.location} has no Bulwark audit schema`);
        try {
          await ensurePostgresSchema(client);
        } catch (err) {
          throw new Error(
            `${store.location} has no Bulwark audit schema and this role cannot create it (${(err as Error).message}); ` +
              'run `bulwark audit pg-init` as the database owner',
          );
        }
      }
      // an append-only application role cannot add it: the owner's next `audit pg-init` does
      if (!readonly) await ensureCosignatureTable(client).catch(() => undefined);
    } catch (err) {
      client.release();
      await pool.end();
      throw err;
    }
    client.release();
    return store;
  }

  writeTransaction<T>(fn: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK_KEY]);
        const out = await fn(new PgWriteTransaction(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        client.release(broken);
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async size(): Promise<number> {
    const r = await this.pool.query<{ n: string }>('SELECT coalesce(max(idx) + 1, 0) AS n FROM audit_entries');
    return num(r.rows[0]!.n);
  }

  async *readEntries(start: number, end: number, batchSize = 5000): AsyncIterable<StoredEntry[]> {
    let from = start;
    while (from < end) {
      const r = await this.pool.query(
        'SELECT idx, bytes, leaf_hash, kind, time_ms, run_id FROM audit_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT $3',
        [from, end, batchSize],
      );
      if (r.rows.length === 0) return;
      const batch = r.rows.map(toEntry);
      yield batch;
      from = batch[batch.length - 1]!.index + 1;
    }
  }

  async getEntry(index: number): Promise<StoredEntry | undefined> {
    const r = await this.pool.query<EntryRow>('SELECT idx, bytes, leaf_hash, kind, time_ms, run_id FROM audit_entries WHERE idx = $1', [index]);
    return r.rows[0] ? toEntry(r.rows[0]) : undefined;
  }

  async queryEntries(q: EntryQuery): Promise<StoredEntry[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.runId !== undefined) {
      values.push(q.runId);
      where.push(`run_id = $${values.length}`);
    }
    if (q.kind !== undefined) {
      values.push(q.kind);
      where.push(`kind = $${values.length}`);
    }
    if (q.sinceMs !== undefined) {
      values.push(q.sinceMs);
      where.push(`time_ms >= $${values.length}`);
    }
    let sql = 'SELECT idx, bytes, leaf_hash, kind, time_ms, run_id FROM audit_entries';
    if (where.length > 0) sql += ' WHERE ' + where.join(' AND ');
    sql += ' ORDER BY idx';
    if (q.limit !== undefined) {
      values.push(q.limit);
      sql += ` LIMIT $${values.length}`;
    }
    const r = await this.pool.query(sql, values);
    return r.rows.map(toEntry);
  }

  getNodes(refs: NodeRef[]): Promise<(Uint8Array | undefined)[]> {
    return fetchNodes(this.pool, refs);
  }

  async nodeExtent(): Promise<number> {
    const r = await this.pool.query<{ n: string | null }>(
      'SELECT max((m + 1) * (2::numeric ^ level)) AS n FROM (SELECT level, max(idx) AS m FROM audit_nodes GROUP BY level) t',
    );
    return r.rows[0]?.n == null ? 0 : Number(r.rows[0].n);
  }

  async nodeLevels(): Promise<number[]> {
    const r = await this.pool.query<{ level: number }>('SELECT DISTINCT level FROM audit_nodes ORDER BY level');
    return r.rows.map((x) => Number(x.level));
  }

  async *readNodeLevel(level: number, batchSize = 4096): AsyncIterable<NodeRun> {
    let next = 0;
    for (;;) {
      const r = await this.pool.query<{ idx: string; h: string }>(
        "SELECT idx, encode(hash, 'hex') AS h FROM audit_nodes WHERE level = $1 AND idx >= $2 ORDER BY idx LIMIT $3",
        [level, next, batchSize],
      );
      if (r.rows.length === 0) return;
      // Runs of consecutive indices, each as one string.
      let i = 0;
      while (i < r.rows.length) {
        const first = num(r.rows[i]!.idx);
        let j = i + 1;
        while (j < r.rows.length && num(r.rows[j]!.idx) === first + (j - i)) j++;
        yield {
          first,
          count: j - i,
          hex: r.rows
            .slice(i, j)
            .map((x) => x.h)
            .join(''),
        };
        i = j;
      }
      next = num(r.rows[r.rows.length - 1]!.idx) + 1;
    }
  }

  async putBlob(blob: StoredBlob): Promise<void> {
    await this.pool.query('INSERT INTO audit_blobs (address, encoding, size, data) VALUES ($1, $2, $3, $4) ON CONFLICT (address) DO NOTHING', [
      blob.address,
      blob.encoding,
      blob.size,
      Buffer.from(blob.data),
    ]);
  }

  async getBlob(address: string): Promise<StoredBlob | undefined> {
    const r = await this.pool.query<{ address: string; encoding: string; size: string; data: Buffer }>(
      'SELECT address, encoding, size, data FROM audit_blobs WHERE address = $1',
      [address],
    );
    const row = r.rows[0];
    return row ? { address: row.address, encoding: row.encoding, size: num(row.size), data: row.data } : undefined;
  }

  async listBlobAddresses(): Promise<string[]> {
    const r = await this.pool.query<{ address: string }>('SELECT address FROM audit_blobs ORDER BY address COLLATE "C"');
    return r.rows.map((x) => x.address);
  }

  async deleteBlob(address: string): Promise<void> {
    await this.pool.query('SELECT bulwark_retire_blob($1)', [address]);
  }

  async addCheckpoint(treeSize: number, note: string, createdMs: number): Promise<StoredCheckpoint> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK_KEY]);
      const r = await client.query<{ n: string }>('SELECT coalesce(max(seq) + 1, 0) AS n FROM audit_checkpoints');
      const seq = num(r.rows[0]!.n);
      await client.query('INSERT INTO audit_checkpoints (seq, tree_size, note, created_ms) VALUES ($1, $2, $3, $4)', [seq, treeSize, note, createdMs]);
      await client.query('COMMIT');
      return { seq, treeSize, note, createdMs };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async listCheckpoints(): Promise<StoredCheckpoint[]> {
    const r = await this.pool.query<{ seq: string; tree_size: string; note: string; created_ms: string }>(
      'SELECT seq, tree_size, note, created_ms FROM audit_checkpoints ORDER BY seq',
    );
    return r.rows.map((x) => ({ seq: num(x.seq), treeSize: num(x.tree_size), note: x.note, createdMs: num(x.created_ms) }));
  }

  async addCosignature(c: StoredCosignature): Promise<void> {
    if (!(await cosignaturesExist(this.pool))) {
      throw new Error(`${this.location} has no audit_cosignatures table; run \`bulwark audit pg-init\` as the database owner`);
    }
    await this.pool.query('INSERT INTO audit_cosignatures (seq, witness, line, created_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      c.seq,
      c.witness,
      c.line,
      c.createdMs,
    ]);
  }

  async listCosignatures(): Promise<StoredCosignature[]> {
    if (!(await cosignaturesExist(this.pool))) return [];
    const r = await this.pool.query<{ seq: string; witness: string; line: string; created_ms: string }>(
      'SELECT seq, witness, line, created_ms FROM audit_cosignatures ORDER BY seq, created_ms',
    );
    return r.rows.map((x) => ({ seq: num(x.seq), witness: x.witness, line: x.line, createdMs: num(x.created_ms) }));
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = await this.pool.query<{ value: string }>('SELECT value FROM audit_meta WHERE key = $1', [key]);
    return r.rows[0]?.value;
  }

  async initMeta(key: string, value: string): Promise<string> {
    await this.pool.query('INSERT INTO audit_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
    return (await this.getMeta(key))!;
  }

  async checkGuards(): Promise<string[]> {
    const r = await this.pool.query<{ table: string; trigger: string; enabled: string }>(
      `SELECT c.relname AS table, t.tgname AS trigger, t.tgenabled AS enabled
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND c.relname = ANY($1) AND pg_table_is_visible(c.oid)`,
      [[...TABLES, 'audit_cosignatures']],
    );
    const present = new Map(r.rows.map((x) => [`${x.table}.${x.trigger}`, x.enabled]));
    const problems: string[] = [];
    const guards = (await cosignaturesExist(this.pool)) ? [...GUARD_TRIGGERS, ...COSIGNATURE_GUARDS] : GUARD_TRIGGERS;
    for (const [table, trigger] of guards) {
      const state = present.get(`${table}.${trigger}`);
      if (state === undefined) problems.push(`trigger ${trigger} on ${table} is missing`);
      else if (state === 'D') problems.push(`trigger ${trigger} on ${table} is disabled`);
    }
    return problems;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.pool.end();
  }
}

/** Opens (and on first use creates) the audit store at a `postgres://` URL. */
export function openPostgresLogStore(url: string, opts: { readonly?: boolean } = {}): Promise<LogStore> {
  return PostgresLogStore.open(url, opts);
}
