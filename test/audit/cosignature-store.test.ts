import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { describe, it } from 'node:test';
import { openStore } from '../../src/audit/log.js';
import { verifyLog } from '../../src/audit/verify.js';
import { llmCall, tempLogDir } from './helpers.js';

/**
 * SQLite: a database written before cosignatures were stored has no `cosignatures` table. It must
 * still open read-only and verify; the next writer adds the table with its append-only guards.
 */
describe('SQLite cosignature table', () => {
  it('an older database reads as one without cosignatures and gains the table on the next write open', async () => {
    const t = tempLogDir('bulwark-cosig-store-');
    try {
      const log = await t.open();
      await log.append(llmCall('run-1', 1, null));
      await log.checkpoint();
      await log.close();
      // make it an older database: no cosignature table, no guards for it
      const raw = new Database(t.db);
      raw.exec('DROP TRIGGER cosignatures_no_update; DROP TRIGGER cosignatures_no_delete; DROP TABLE cosignatures;');
      raw.close();

      const ro = await openStore(t.db, { mustExist: true, readonly: true });
      try {
        assert.deepEqual(await ro.listCosignatures(), []);
        const report = await verifyLog({ store: ro, trustedKeys: [t.verifier] });
        assert.equal(report.ok, true, JSON.stringify(report.problems));
      } finally {
        await ro.close();
      }

      const rw = await openStore(t.db);
      try {
        const c = { seq: 0, witness: 'witness.test/w1+0a0b0c0d', line: '\u2014 witness.test/w1 AAAA', createdMs: 5 };
        await rw.addCosignature(c);
        await rw.addCosignature(c);
        assert.deepEqual(await rw.listCosignatures(), [c]);
        assert.deepEqual(await rw.checkGuards(), []);
      } finally {
        await rw.close();
      }
      const edit = new Database(t.db);
      assert.throws(() => edit.exec("UPDATE cosignatures SET line = 'x'"), /append-only/);
      assert.throws(() => edit.exec('DELETE FROM cosignatures'), /append-only/);
      edit.exec('DROP TRIGGER cosignatures_no_delete');
      edit.close();
      const again = await openStore(t.db, { mustExist: true, readonly: true });
      try {
        assert.deepEqual(await again.checkGuards(), ['append-only trigger cosignatures_no_delete is missing']);
      } finally {
        await again.close();
      }
    } finally {
      t.cleanup();
    }
  });
});
