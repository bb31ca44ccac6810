import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { canonicalBytes, makeEntry, type EntryInput } from '../../src/domain/audit-entries.js';
import { leafHash } from '../../src/audit/merkle.js';
import { localSigner } from '../../src/audit/note.js';
import { grantAppendOnly, openPostgresLogStore } from '../../src/audit/store-postgres.js';
import { loadSignerKey, loadVerifierKey, openAuditLog, writeKeyPair } from '../../src/audit/index.js';
import { applyRetention } from '../../src/audit/retention.js';
import { exportBundle } from '../../src/audit/export/bundle.js';
import { isoWeekPeriod } from '../../src/audit/export/period.js';
import { verifyBundle } from '../../src/audit/export/verify-bundle.js';
import { verifyLog } from '../../src/audit/verify.js';
import type { LogStore } from '../../src/audit/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

function newEntry(input: EntryInput) {
  const entry = makeEntry(input);
  const bytes = canonicalBytes(entry);
  return { bytes, leafHash: leafHash(bytes), kind: entry.kind, timeMs: Date.parse(entry.time), runId: 'run_id' in entry ? (entry.run_id ?? null) : null };
}

async function append(store: LogStore, inputs: EntryInput[]): Promise<number> {
  return store.writeTransaction(async (tx) => {
    const n = await tx.size();
    await tx.insertEntries(n, inputs.map(newEntry));
    return n;
  });
}

async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, values);
  } finally {
    await c.end();
  }
}

describe('PostgreSQL audit store (real server)', { timeout: 180_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await grantAppendOnly(db.ownerUrl, db.appRole);
  });
  after(async () => db?.drop());

  it('appends with dense indices and reads back by range, run and kind', async () => {
    const store = await openPostgresLogStore(db.appUrl);
    try {
      const first = await append(store, [
        { kind: 'run_started', run_id: 'r1', command: 'review' },
        { kind: 'override', actor: 'ops', what: 'x', reason: 'y' },
        { kind: 'run_finished', run_id: 'r1', status: 'pass', exit_code: 0, duration_ms: 5 },
      ]);
      assert.equal(first, 0);
      assert.equal(await store.size(), 3);
      const batches: number[][] = [];
      for await (const b of store.readEntries(0, 3, 2)) batches.push(b.map((e) => e.index));
      assert.deepEqual(batches, [[0, 1], [2]]);
      const run = await store.queryEntries({ runId: 'r1' });
      assert.deepEqual(
        run.map((e) => e.kind),
        ['run_started', 'run_finished'],
      );
      const e0 = await store.getEntry(0);
      assert.equal(Buffer.from(e0!.leafHash).toString('hex'), leafHash(e0!.bytes).toString('hex'));
      assert.deepEqual(await store.checkGuards(), []);
      // checkpoints get dense sequence numbers; metadata is set once
      assert.equal((await store.addCheckpoint(3, 'note-a', 1)).seq, 0);
      assert.equal((await store.addCheckpoint(3, 'note-b', 2)).seq, 1);
      assert.deepEqual(
        (await store.listCheckpoints()).map((c) => c.note),
        ['note-a', 'note-b'],
      );
      assert.equal(await store.initMeta('origin', 'bank.example/log'), 'bank.example/log');
      assert.equal(await store.initMeta('origin', 'other'), 'bank.example/log');
    } finally {
      await store.close();
    }
  });

  it('refuses an index that is not the next one, even when a writer skips the lock', async () => {
    const store = await openPostgresLogStore(db.appUrl);
    try {
      const n = await store.size();
      const e = newEntry({ kind: 'override', actor: 'a', what: 'gap', reason: 'r' });
      await assert.rejects(
        sql(db.appUrl, 'INSERT INTO audit_entries (idx, bytes, leaf_hash, kind, time_ms, run_id) VALUES ($1,$2,$3,$4,$5,NULL)', [
          n + 5,
          Buffer.from(e.bytes),
          e.leafHash,
          e.kind,
          e.timeMs,
        ]),
        /not the next index/,
      );
      await assert.rejects(
        store.writeTransaction((tx) => tx.insertEntries(n + 1, [e])),
        /insert at/,
      );
      assert.equal(await store.size(), n);
    } finally {
      await store.close();
    }
  });

  it('gives the application role no UPDATE, DELETE or TRUNCATE', async () => {
    for (const stmt of [
      'UPDATE audit_entries SET kind = kind',
      'DELETE FROM audit_entries',
      'TRUNCATE audit_entries',
      'UPDATE audit_checkpoints SET note = note',
      'DELETE FROM audit_blobs',
    ]) {
      await assert.rejects(sql(db.appUrl, stmt), /permission denied/, stmt);
    }
  });

  it('rejects UPDATE, DELETE and TRUNCATE by triggers even for the owner', async () => {
    for (const stmt of [
      'UPDATE audit_entries SET kind = kind',
      'DELETE FROM audit_entries WHERE idx = 0',
      'TRUNCATE audit_entries',
      'TRUNCATE audit_checkpoints',
      'DELETE FROM audit_meta',
      'UPDATE audit_checkpoints SET note = note',
    ]) {
      await assert.rejects(sql(db.ownerUrl, stmt), /append-only/, stmt);
    }
  });

  it('retires a blob only after a retention_move entry names it', async () => {
    const store = await openPostgresLogStore(db.appUrl);
    try {
      const address = 'sha256:' + 'ab'.repeat(32);
      await store.putBlob({ address, encoding: 'identity', size: 3, data: Buffer.from('abc') });
      await store.putBlob({ address, encoding: 'identity', size: 3, data: Buffer.from('abc') }); // idempotent
      assert.deepEqual(await store.listBlobAddresses(), [address]);
      await assert.rejects(store.deleteBlob(address), /no retention_move entry/);
      assert.ok(await store.getBlob(address));
      await append(store, [{ kind: 'retention_move', blobs: [address], to: 'warm', policy: 'hot 90d' }]);
      await store.deleteBlob(address);
      assert.equal(await store.getBlob(address), undefined);
    } finally {
      await store.close();
    }
  });

  it('reports dropped or disabled guard triggers', async () => {
    const other = await createTestDatabase();
    try {
      const store = await openPostgresLogStore(other.ownerUrl);
      try {
        await sql(other.ownerUrl, 'DROP TRIGGER audit_entries_no_update_delete ON audit_entries');
        await sql(other.ownerUrl, 'ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_truncate');
        const problems = await store.checkGuards();
        assert.ok(problems.includes('trigger audit_entries_no_update_delete on audit_entries is missing'), problems.join('; '));
        assert.ok(problems.includes('trigger audit_checkpoints_no_truncate on audit_checkpoints is disabled'), problems.join('; '));
      } finally {
        await store.close();
      }
    } finally {
      await other.drop();
    }
  });

  it('fails with a clear message when the app role meets an empty database', async () => {
    const other = await createTestDatabase();
    try {
      await assert.rejects(openPostgresLogStore(other.appUrl), /no Bulwark audit schema.*pg-init/);
    } finally {
      await other.drop();
    }
  });

  it('eight writer processes through openAuditLog get dense indices, and verify passes', async () => {
    const other = await createTestDatabase();
    const keyDir = mkdtempSync(path.join(tmpdir(), 'bulwark-pg-key-'));
    try {
      await grantAppendOnly(other.ownerUrl, other.appRole);
      const perWriter = 25;
      const outs = await Promise.all(
        Array.from({ length: 8 }, (_, w) =>
          execFileP(process.execPath, [path.join(here, 'pg-writer-main.js'), other.appUrl, String(w), String(perWriter)], { timeout: 120_000 }),
        ),
      );
      const all = outs.flatMap((o) => JSON.parse(o.stdout) as number[]).sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: 8 * perWriter }, (_, i) => i),
      );
      const r = await sql(other.ownerUrl, 'SELECT count(*)::int AS n, max(idx)::int AS m FROM audit_entries');
      assert.deepEqual(r.rows[0], { n: 200, m: 199 });

      const keyFile = path.join(keyDir, 'audit.key');
      writeKeyPair(keyFile);
      const log = await openAuditLog({ location: other.appUrl, keyFile, origin: 'bank.example/pg-test', notice: () => undefined });
      try {
        assert.match(log.location, /^postgres:\/\/bulwark_app_[0-9a-f]+:\*\*\*@/);
        await log.checkpoint();
        const report = await verifyLog({ store: log.store, trustedKeys: [loadVerifierKey(keyFile + '.pub')] });
        assert.deepEqual(report.problems, []);
        assert.equal(report.treeSize, 200);
        assert.equal(report.ok, true);
      } finally {
        await log.close();
      }
      // an owner who rewrites an entry behind the triggers' back is caught by verify
      await sql(other.ownerUrl, 'ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_delete');
      await sql(
        other.ownerUrl,
        `UPDATE audit_entries SET bytes = convert_to(regexp_replace(convert_from(bytes, 'UTF8'), '"reason":"entry [0-9]+"', '"reason":"edited"'), 'UTF8') WHERE idx = 10`,
      );
      const store = await openPostgresLogStore(other.appUrl);
      try {
        const report = await verifyLog({ store, trustedKeys: [loadVerifierKey(keyFile + '.pub')] });
        assert.equal(report.ok, false);
        assert.ok(
          report.problems.some((p) => p.code === 'guard_missing'),
          JSON.stringify(report.problems),
        );
        assert.equal(report.firstBadIndex, 10);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
      await other.drop();
    }
  });

  it('retention and the evidence bundle work on a PostgreSQL log through the app role', async () => {
    const other = await createTestDatabase();
    const work = mkdtempSync(path.join(tmpdir(), 'bulwark-pg-evidence-'));
    try {
      await grantAppendOnly(other.ownerUrl, other.appRole);
      const keyFile = path.join(work, 'keys', 'audit.key');
      writeKeyPair(keyFile);
      const log = await openAuditLog({ location: other.appUrl, keyFile, origin: 'bank.example/pg-evidence', notice: () => undefined });
      try {
        const blob = await log.putBlob('a prompt from long ago');
        await log.appendMany([
          {
            kind: 'llm_call',
            run_id: 'r1',
            stage: 's',
            agent_id: 'a',
            provider: 'openai',
            model_requested: 'm',
            model_returned: 'm',
            params: {},
            input_hash: 'sha256:' + '1'.repeat(64),
            output_hash: null,
            latency_ms: 1,
            tokens_in: 1,
            tokens_out: 0,
            status: 'ok',
            error_class: null,
            blob,
            time: '2026-01-05T00:00:00.000Z',
          },
          { kind: 'run_started', run_id: 'r2', command: 'review', head: '2'.repeat(40), time: '2026-11-17T09:00:00.000Z' },
        ]);
        const r = await applyRetention({
          log,
          warmDir: path.join(work, 'warm'),
          coldDir: path.join(work, 'cold'),
          now: () => new Date('2026-11-20T00:00:00.000Z'),
        });
        assert.equal(r.entries.length, 1);
        assert.deepEqual(await log.store.listBlobAddresses(), []);
        await log.checkpoint();
        const v = await verifyLog({ store: log.store, trustedKeys: [loadVerifierKey(keyFile + '.pub')] });
        assert.deepEqual(v.problems, []);
        assert.equal(v.blobs.archived, 1);
        const out = path.join(work, 'bundle');
        await exportBundle({ log, period: isoWeekPeriod('2026-W47'), outDir: out, signer: localSigner(loadSignerKey(keyFile)), generatorVersion: 'test' });
        const b = verifyBundle({ dir: out, trustedKeys: [loadVerifierKey(keyFile + '.pub')] });
        assert.deepEqual(b.problems, []);
        // Week 47 holds the run_started entry (1) and the retention_move (2), dated by the retain clock.
        assert.deepEqual(b.entries, { start: 1, end: 3 });
      } finally {
        await log.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
      await other.drop();
    }
  });

  it('bulwark audit pg-init sets up a database; CI runners then append and verify as the app role', async () => {
    const other = await createTestDatabase();
    const work = mkdtempSync(path.join(tmpdir(), 'bulwark-pg-cli-'));
    const bin = path.join(here, '..', '..', '..', 'bin', 'bulwark.js');
    const run = async (args: string[]) => {
      try {
        const r = await execFileP(process.execPath, [bin, ...args], { timeout: 60_000 });
        return { code: 0, out: r.stdout + r.stderr };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
      }
    };
    try {
      const init = await run(['audit', 'pg-init', '--audit-db', other.ownerUrl, '--app-role', other.appRole]);
      assert.equal(init.code, 0, init.out);
      assert.match(init.out, new RegExp(`role ${other.appRole} may only read and append`));
      assert.ok(!init.out.includes(':' + new URL(other.ownerUrl).password + '@'), 'the password must not be printed');
      const keyFile = path.join(work, 'keys', 'audit.key');
      writeKeyPair(keyFile);
      const dep = await run(['audit', 'record', 'deploy', '--commit', 'abcdef1234567', '--env', 'prod', '--db', other.appUrl, '--key', keyFile]);
      assert.equal(dep.code, 0, dep.out);
      const v = await run(['audit', 'verify', '--db', other.appUrl, '--trusted-key', keyFile + '.pub', '--state', path.join(work, 'state.json')]);
      assert.equal(v.code, 0, v.out);
      assert.match(v.out, /OK/);
      const denied = await sql(
        other.appUrl,
        "SELECT has_table_privilege(current_user, 'audit_entries', 'UPDATE') AS u, has_table_privilege(current_user, 'audit_entries', 'INSERT') AS i",
      );
      assert.deepEqual(denied.rows[0], { u: false, i: true });
    } finally {
      rmSync(work, { recursive: true, force: true });
      await other.drop();
    }
  });
});
