import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ensurePostgresSchema, grantAppendOnly, openPostgresLogStore } from '../../src/audit/store-postgres.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

/**
 * Witness cosignatures in PostgreSQL: a schema created before the table existed stays readable
 * (no cosignatures) by the append-only role, `audit pg-init` (grantAppendOnly) adds the table with
 * its guards, and the application role can then append but never change them.
 */

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

describe('PostgreSQL cosignature table (real server)', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    // the schema as an earlier version created it: no audit_cosignatures, app role granted the rest
    const c = new pg.Client({ connectionString: db.ownerUrl });
    await c.connect();
    try {
      await ensurePostgresSchema(c);
      for (const t of ['audit_entries', 'audit_nodes', 'audit_blobs', 'audit_checkpoints', 'audit_meta'])
        await c.query(`GRANT SELECT, INSERT ON ${t} TO ${db.appRole}`);
      await c.query(`GRANT EXECUTE ON FUNCTION bulwark_retire_blob(text) TO ${db.appRole}`);
    } finally {
      await c.end();
    }
  });
  after(async () => db?.drop());

  it('an older schema reads as a log without cosignatures; the append-only role cannot add the table', async () => {
    const store = await openPostgresLogStore(db.appUrl);
    try {
      assert.deepEqual(await store.listCosignatures(), []);
      assert.deepEqual(await store.checkGuards(), []);
      await assert.rejects(store.addCosignature({ seq: 0, witness: 'w+00000000', line: '\u2014 w AAAA', createdMs: 1 }), /audit pg-init/);
    } finally {
      await store.close();
    }
    const t = (await sql(db.ownerUrl, `SELECT to_regclass('audit_cosignatures')::text AS t`)) as pg.QueryResult<{ t: string | null }>;
    assert.equal(t.rows[0]?.t, null);
  });

  it('pg-init adds the table with its guards; the role appends and reads, but cannot change or delete', async () => {
    await grantAppendOnly(db.ownerUrl, db.appRole);
    const store = await openPostgresLogStore(db.appUrl);
    try {
      const c = { seq: 0, witness: 'witness.test/w1+0a0b0c0d', line: '\u2014 witness.test/w1 AAAA', createdMs: 5 };
      await store.addCosignature(c);
      await store.addCosignature(c); // idempotent
      assert.deepEqual(await store.listCosignatures(), [c]);
      assert.deepEqual(await store.checkGuards(), []);
    } finally {
      await store.close();
    }
    await assert.rejects(sql(db.appUrl, 'DELETE FROM audit_cosignatures'), /permission denied|append-only/);
    await assert.rejects(sql(db.ownerUrl, "UPDATE audit_cosignatures SET line = 'x'"), /append-only/);
    await assert.rejects(sql(db.ownerUrl, 'TRUNCATE audit_cosignatures'), /append-only/);
    await sql(db.ownerUrl, 'ALTER TABLE audit_cosignatures DISABLE TRIGGER audit_cosignatures_no_update_delete');
    const store2 = await openPostgresLogStore(db.appUrl);
    try {
      assert.deepEqual(await store2.checkGuards(), ['trigger audit_cosignatures_no_update_delete on audit_cosignatures is disabled']);
    } finally {
      await store2.close();
    }
  });
});
