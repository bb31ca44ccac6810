import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openAuditLog } from '../../src/audit/index.js';
import { openStore } from '../../src/audit/log.js';
import { verifyInclusion } from '../../src/audit/merkle.js';
import { openCheckpoint } from '../../src/audit/note.js';
import { grantAppendOnly } from '../../src/audit/store-postgres.js';
import { verifyLog } from '../../src/audit/verify.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { llmCall, tempLogDir, type TempLogDir } from './helpers.js';

/**
 * The audit log API and verify over the PostgreSQL store behave as over SQLite:
 * a real server (BULWARK_TEST_PG_URL, set up by .ci/run), the application role limited to
 * SELECT/INSERT. Fails, never skips, when no server is configured.
 */

let db: TestDatabase;
let t: TempLogDir;

async function ownerSql(text: string, values: unknown[] = []): Promise<void> {
  const c = new pg.Client({ connectionString: db.ownerUrl });
  await c.connect();
  try {
    await c.query(text, values);
  } finally {
    await c.end();
  }
}

async function verifyPg() {
  const store = await openStore(db.appUrl, { mustExist: true, readonly: true });
  try {
    return await verifyLog({ store, trustedKeys: [t.verifier], schema: true });
  } finally {
    await store.close();
  }
}

describe('audit log over PostgreSQL', { timeout: 180_000 }, () => {
  before(async () => {
    db = await createTestDatabase();
    await grantAppendOnly(db.ownerUrl, db.appRole);
    t = tempLogDir();
  });
  after(async () => {
    await db?.drop();
    t?.cleanup();
  });

  it('appends, stores blobs, signs checkpoints and serves proofs; verify passes', async () => {
    const log = await openAuditLog({ location: db.appUrl, keyFile: t.keyFile, origin: 'bank.example/audit/pg', notice: () => undefined });
    const password = decodeURIComponent(new URL(db.appUrl).password);
    assert.ok(password.length > 0 && !log.location.includes(password), 'the password is not shown');
    const blob = await log.putBlob('system prompt and response '.repeat(40));
    await log.append({ kind: 'run_started', run_id: 'pg1', command: 'review' });
    await log.appendMany(Array.from({ length: 10 }, (_, i) => llmCall('pg1', i, blob)));
    const cp1 = await log.checkpoint();
    await log.append({ kind: 'run_finished', run_id: 'pg1', status: 'pass', exit_code: 0, duration_ms: 10 });
    const cp = await log.checkpoint();
    assert.equal(cp1.treeSize, 11);
    assert.equal(cp.treeSize, 12);
    const opened = openCheckpoint(cp.note, [t.verifier]);
    for (const i of [0, 5, 11]) {
      const e = await log.store.getEntry(i);
      verifyInclusion(i, 12, e!.leafHash, await log.inclusionProof(i, 12), opened.rootHash);
    }
    assert.equal(Buffer.from((await log.getBlob(blob))!).toString(), 'system prompt and response '.repeat(40));
    await log.close();
    const r = await verifyPg();
    assert.equal(r.ok, true, JSON.stringify(r.problems.slice(0, 3)));
    assert.equal(r.treeSize, 12);
    assert.equal(r.blobs.checked, 1);
  });

  it('an entry edited by the database owner makes verify fail at that index', async () => {
    await ownerSql('ALTER TABLE audit_entries DISABLE TRIGGER USER');
    await ownerSql(
      "UPDATE audit_entries SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '\"tokens_in\":30', '\"tokens_in\":3'), 'UTF8') WHERE idx = 4",
    );
    const r = await verifyPg();
    assert.equal(r.ok, false);
    assert.equal(r.firstBadIndex, 4);
    assert.ok(r.problems.some((p) => p.code === 'leaf_hash_mismatch'));
    assert.ok(
      r.problems.some((p) => p.code === 'guard_missing'),
      'the disabled triggers are reported',
    );
  });
});
