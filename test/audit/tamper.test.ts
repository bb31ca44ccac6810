import assert from 'node:assert/strict';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  localSigner,
  parseCheckpointBody,
  signCheckpoint,
  signNoteWith,
  verifierKeyOf,
  type SignerKey,
  type VerifierKey,
} from '../../src/audit/note.js';
import { rotationText } from '../../src/audit/rotation.js';
import { CompactRange, leafHash } from '../../src/audit/merkle.js';
import { verifyLog, type VerifyReport, type ProblemCode } from '../../src/audit/verify.js';
import { mergeTrusted, type VerifierState } from '../../src/audit/verify-state.js';
import { openAuditLogImpl, openStore } from '../../src/audit/log.js';
import { dropTriggers, llmCall, raw, tempLogDir, type TempLogDir } from './helpers.js';

/**
 * Every attack from the issue against a real SQLite file, each one must make verify fail. The
 * attacker owns the database file (drops triggers, rewrites rows) and, where stated, even holds the
 * signing key; the verifier holds only the public key, the checkpoint file and its state.
 */

const dirs: TempLogDir[] = [];
after(() => dirs.forEach((d) => d.cleanup()));

interface Fixture {
  t: TempLogDir;
  state: VerifierState;
  blobs: string[];
}

const BASE = Date.parse('2026-01-05T10:00:00.000Z');
const at = (s: number) => new Date(BASE + s * 1000).toISOString();

/** 7 entries, blobs, two checkpoints (sizes 5 and 7), verified once so the state trusts size 7. */
async function fixture(origin?: string, t: TempLogDir = tempLogDir()): Promise<Fixture> {
  dirs.push(t);
  const log = await t.open({ origin });
  const blobs = [await log.putBlob('prompt one '.repeat(50)), await log.putBlob('prompt two '.repeat(50))];
  await log.append({ kind: 'run_started', time: at(0), run_id: 'r1', command: 'review' });
  await log.appendMany([llmCall('r1', 1, blobs[0]!, at(1)), llmCall('r1', 2, blobs[1]!, at(2)), llmCall('r1', 3, blobs[0]!, at(3))]);
  await log.append({ kind: 'stage_finished', time: at(4), run_id: 'r1', stage: 'security', status: 'ok', duration_ms: 4000 });
  await log.checkpoint();
  await log.append({ kind: 'gate_decision', time: at(5), run_id: 'r1', flagged: true, reasons: ['payments reached'], zones: ['payments'] });
  await log.append({ kind: 'run_finished', time: at(6), run_id: 'r1', status: 'approval_required', exit_code: 2, duration_ms: 6000 });
  await log.checkpoint();
  await log.close();
  const first = await verify({ t, state: { version: 2, logs: {} }, blobs });
  assert.equal(first.ok, true, JSON.stringify(first.problems));
  return { t, state: mergeTrusted(undefined, first.trusted), blobs };
}

async function verify(fx: Fixture, extra: { externalNote?: string; db?: string; acceptNewOrigin?: boolean } = {}): Promise<VerifyReport> {
  const store = await openStore(extra.db ?? fx.t.db, { mustExist: true, readonly: true });
  try {
    return await verifyLog({
      store,
      trustedKeys: [fx.t.verifier],
      state: fx.state,
      externalCheckpoints: extra.externalNote ? [{ label: 'checkpoint file', note: extra.externalNote }] : [],
      acceptNewOrigin: extra.acceptNewOrigin,
    });
  } finally {
    await store.close();
  }
}

function assertFails(r: VerifyReport, code: ProblemCode, index?: number): void {
  assert.equal(r.ok, false, 'verify must fail');
  const codes = r.problems.map((p) => p.code);
  assert.ok(codes.includes(code), `expected ${code}, got ${codes.join(', ')}`);
  if (index !== undefined) assert.equal(r.firstBadIndex, index, `first bad index: ${JSON.stringify(r.problems)}`);
}

/** Rebuilds the tree from stored leaf hashes and signs it with `key` (an attacker holding the key). */
function resign(db: string, origin: string, key: SignerKey, seq: number): void {
  const d = raw(db);
  try {
    const leaves = d.prepare('SELECT leaf_hash FROM entries ORDER BY idx').pluck().all() as Buffer[];
    const range = new CompactRange();
    leaves.forEach((l) => range.push(l));
    const note = signCheckpoint({ origin, treeSize: leaves.length, rootHash: range.root() }, key);
    d.prepare('INSERT INTO checkpoints (seq, tree_size, note, created_ms) VALUES (?, ?, ?, ?)').run(seq, leaves.length, note, Date.now());
  } finally {
    d.close();
  }
}

function originOf(db: string): string {
  const d = raw(db);
  try {
    return d.prepare("SELECT value FROM meta WHERE key = 'origin'").pluck().get() as string;
  } finally {
    d.close();
  }
}

describe('audit verify catches tampering', { timeout: 120_000 }, () => {
  it('passes an untouched log and reports its size, checkpoints and blobs', async () => {
    const fx = await fixture();
    const r = await verify(fx);
    assert.equal(r.ok, true);
    assert.equal(r.treeSize, 7);
    assert.equal(r.signedSize, 7);
    assert.equal(r.checkpoints, 2);
    assert.deepEqual(r.blobs, { referenced: 2, checked: 2, purged: 0, archived: 0, stored: 2 });
  });

  it('passes checkpoints stored out of size order (two writers signing concurrently)', async () => {
    const fx = await fixture();
    const log = await fx.t.open();
    const early = (await log.store.listCheckpoints())[0]!;
    await log.append({ kind: 'deploy', commit: 'abcdef1', env: 'prod' });
    await log.checkpoint();
    // The slower writer's checkpoint of size 5 lands after the one of size 8.
    await log.store.addCheckpoint(early.treeSize, early.note, Date.now());
    await log.close();
    const r = await verify(fx);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.checkpoints, 4);
  });

  it('the append-only triggers reject UPDATE and DELETE', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    try {
      assert.throws(() => d.prepare("UPDATE entries SET kind = 'x' WHERE idx = 1").run(), /append-only/);
      assert.throws(() => d.prepare('DELETE FROM entries WHERE idx = 6').run(), /append-only/);
      assert.throws(() => d.prepare('DELETE FROM checkpoints').run(), /append-only/);
      assert.throws(() => d.prepare("UPDATE nodes SET hash = x'00'").run(), /append-only/);
    } finally {
      d.close();
    }
  });

  it("an entry's bytes edited", async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('UPDATE entries SET bytes = CAST(REPLACE(CAST(bytes AS TEXT), \'"tokens_in":20\', \'"tokens_in":2\') AS BLOB) WHERE idx = 2').run();
    d.close();
    assertFails(await verify(fx), 'leaf_hash_mismatch', 2);
  });

  it('an entry edited and its leaf hash recomputed', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    const bytes = Buffer.from(
      (d.prepare('SELECT bytes FROM entries WHERE idx = 2').pluck().get() as Buffer).toString().replace('"tokens_in":20', '"tokens_in":2'),
    );
    d.prepare('UPDATE entries SET bytes = ?, leaf_hash = ? WHERE idx = 2').run(bytes, leafHash(bytes));
    d.close();
    const r = await verify(fx);
    assertFails(r, 'checkpoint_root_mismatch', 2);
    assert.match(r.problems[0]!.message, /first disagrees at entries 2\.\.3/);
  });

  it('an entry edited and a new checkpoint signed with the real key (caught by the verifier state)', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    const restore = dropTriggers(d);
    const bytes = Buffer.from(
      (d.prepare('SELECT bytes FROM entries WHERE idx = 2').pluck().get() as Buffer).toString().replace('"tokens_in":20', '"tokens_in":2'),
    );
    d.prepare('UPDATE entries SET bytes = ?, leaf_hash = ? WHERE idx = 2').run(bytes, leafHash(bytes));
    d.prepare('DELETE FROM checkpoints').run();
    d.prepare('DELETE FROM nodes').run();
    restore();
    d.close();
    resign(fx.t.db, originOf(fx.t.db), fx.t.signer, 0);
    const r = await verify(fx);
    assertFails(r, 'trusted_mismatch');
    assert.deepEqual(
      r.problems.map((p) => p.code),
      ['trusted_mismatch'],
      'only the verifier state can catch this one',
    );
  });

  it('a middle entry deleted', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('DELETE FROM entries WHERE idx = 3').run();
    d.close();
    assertFails(await verify(fx), 'entry_missing', 3);
  });

  it('an entry deleted and the rest renumbered', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('DELETE FROM entries WHERE idx = 3').run();
    for (let i = 4; i < 7; i++) d.prepare('UPDATE entries SET idx = ? WHERE idx = ?').run(i - 1, i);
    d.close();
    const r = await verify(fx);
    assertFails(r, 'checkpoint_root_mismatch');
    assertFails(r, 'checkpoint_beyond_log');
    assert.equal(r.firstBadIndex, 2, 'located through the subtree cache: entries 2..3 changed');
  });

  it('the tail truncated', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('DELETE FROM entries WHERE idx >= 5').run();
    d.close();
    const r = await verify(fx);
    assertFails(r, 'checkpoint_beyond_log', 5);
    assertFails(r, 'trusted_rollback');
  });

  it('two entries reordered', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    const rows = d.prepare('SELECT idx, kind, time_ms, run_id, leaf_hash, bytes FROM entries WHERE idx IN (1, 2) ORDER BY idx').all() as Record<
      string,
      unknown
    >[];
    const put = d.prepare('UPDATE entries SET kind = ?, time_ms = ?, run_id = ?, leaf_hash = ?, bytes = ? WHERE idx = ?');
    put.run(rows[1]!.kind, rows[1]!.time_ms, rows[1]!.run_id, rows[1]!.leaf_hash, rows[1]!.bytes, 1);
    put.run(rows[0]!.kind, rows[0]!.time_ms, rows[0]!.run_id, rows[0]!.leaf_hash, rows[0]!.bytes, 2);
    d.close();
    assertFails(await verify(fx), 'checkpoint_root_mismatch');
  });

  it('a back-dated entry appended (even through the API, even with a new signed checkpoint)', async () => {
    const fx = await fixture();
    const log = await fx.t.open();
    await log.append({ kind: 'override', time: at(-3600), actor: 'mallory', what: 'gate', reason: 'back-dated' });
    await log.checkpoint();
    await log.close();
    assertFails(await verify(fx), 'time_order', 7);
  });

  it('a back-dated entry inserted in the middle', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    for (let i = 6; i >= 3; i--) d.prepare('UPDATE entries SET idx = ? WHERE idx = ?').run(i + 1, i);
    const bytes = Buffer.from(`{"actor":"mallory","kind":"override","reason":"x","time":"${at(2)}","v":1,"what":"gate"}`);
    d.prepare('INSERT INTO entries (idx, kind, time_ms, run_id, leaf_hash, bytes) VALUES (3, ?, ?, NULL, ?, ?)').run(
      'override',
      BASE + 2000,
      leafHash(bytes),
      bytes,
    );
    d.close();
    assertFails(await verify(fx), 'checkpoint_root_mismatch');
  });

  it('timestamps out of order beyond the tolerance', async () => {
    const t = tempLogDir();
    dirs.push(t);
    const log = await t.open();
    await log.append({ kind: 'deploy', time: at(100), commit: 'abcdef1', env: 'prod' });
    await log.append({ kind: 'deploy', time: at(97), commit: 'abcdef2', env: 'prod' }); // within 5 s: fine
    await log.append({ kind: 'deploy', time: at(10), commit: 'abcdef3', env: 'prod' });
    await log.checkpoint();
    await log.close();
    const r = await verify({ t, state: { version: 2, logs: {} }, blobs: [] });
    assertFails(r, 'time_order', 2);
    assert.equal(r.problems.length, 1);
  });

  it('the database replaced by another valid log signed with the same key', async () => {
    const fx = await fixture();
    const other = tempLogDir();
    dirs.push(other);
    const otherDb = path.join(other.dir, 'other.db');
    const log = await fx.t.open({ db: otherDb });
    await log.append({ kind: 'deploy', commit: 'abcdef1', env: 'prod' });
    await log.checkpoint();
    await log.close();
    copyFileSync(otherDb, fx.t.db);
    const r = await verify(fx);
    assertFails(r, 'trusted_origin_changed');
    assert.equal((await verify(fx, { acceptNewOrigin: true })).ok, true, 'an explicitly accepted new log verifies');
  });

  it('the database replaced by another valid log with the same origin and key', async () => {
    const fx = await fixture('bank.example/audit/payments');
    const other = tempLogDir();
    dirs.push(other);
    const otherDb = path.join(other.dir, 'other.db');
    const log = await fx.t.open({ db: otherDb, origin: 'bank.example/audit/payments' });
    for (let i = 0; i < 9; i++) await log.append({ kind: 'deploy', commit: 'abcdef1', env: `env${i}` });
    await log.checkpoint();
    await log.close();
    copyFileSync(otherDb, fx.t.db);
    assertFails(await verify(fx), 'trusted_mismatch');
  });

  it('rolled back to an older copy', async () => {
    const fx = await fixture();
    const backup = path.join(fx.t.dir, 'backup.db');
    const d = raw(fx.t.db);
    await d.backup(backup);
    d.close();
    const log = await fx.t.open();
    await log.append({ kind: 'override', actor: 'ops', what: 'gate', reason: 'incident 42' });
    await log.checkpoint();
    await log.close();
    const r1 = await verify(fx);
    assert.equal(r1.ok, true);
    fx.state = mergeTrusted(fx.state, r1.trusted);
    copyFileSync(backup, fx.t.db);
    assertFails(await verify(fx), 'trusted_rollback');
  });

  it('a checkpoint signed by an unknown key', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    d.close();
    resign(fx.t.db, originOf(fx.t.db), generateSignerKey('test-audit'), 2);
    // The state pins this log's key: a checkpoint by any other key is a key change without a hand-over.
    assertFails(await verify(fx), 'key_not_trusted');
  });

  it('forged checkpoint text', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    const note = d.prepare('SELECT note FROM checkpoints WHERE seq = 1').pluck().get() as string;
    const forged = note.replace(/\n7\n/, '\n6\n');
    assert.notEqual(forged, note);
    d.prepare('INSERT INTO checkpoints (seq, tree_size, note, created_ms) VALUES (2, 6, ?, 0)').run(forged);
    d.close();
    assertFails(await verify(fx), 'checkpoint_invalid');
    assertFails(await verify(fx, { externalNote: forged }), 'checkpoint_invalid');
  });

  it('the newest checkpoint deleted', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('DELETE FROM checkpoints WHERE seq = 1').run();
    d.close();
    assertFails(await verify(fx), 'trusted_checkpoint_missing');
  });

  it('a middle checkpoint deleted', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('DELETE FROM checkpoints WHERE seq = 0').run();
    d.close();
    assertFails(await verify(fx), 'checkpoint_gap');
  });

  it('all checkpoints deleted (no verifier state either)', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('DELETE FROM checkpoints').run();
    d.close();
    fx.state = { version: 2, logs: {} };
    assertFails(await verify(fx), 'no_checkpoint', 0);
  });

  it('a prompt blob swapped for another', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    const other = d.prepare('SELECT data, size, encoding FROM blobs WHERE address = ?').get(fx.blobs[1]) as { data: Buffer; size: number; encoding: string };
    d.prepare('UPDATE blobs SET data = ?, size = ?, encoding = ? WHERE address = ?').run(other.data, other.size, other.encoding, fx.blobs[0]);
    d.close();
    assertFails(await verify(fx), 'blob_mismatch', 1);
  });

  it('a blob deleted without a retention entry is missing; purged per policy is not', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    d.prepare('DELETE FROM blobs WHERE address = ?').run(fx.blobs[1]);
    d.close();
    assertFails(await verify(fx), 'blob_missing', 2);
    const log = await fx.t.open();
    await log.append({ kind: 'retention_move', blobs: [fx.blobs[1]!], to: 'purged', policy: 'prompts purged after 7 years' });
    await log.checkpoint();
    await log.close();
    const r = await verify(fx);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.blobs.purged, 1);
  });

  it('a rewritten subtree cache (proofs served to clients would be wrong)', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('UPDATE nodes SET hash = ? WHERE level = 2 AND idx = 0').run(Buffer.alloc(32, 9));
    d.close();
    assertFails(await verify(fx), 'consistency_proof');
  });

  it('a query column changed while the bytes are unchanged', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare("UPDATE entries SET run_id = 'r2' WHERE idx = 4").run();
    d.close();
    const r = await verify(fx);
    assertFails(r, 'column_mismatch', 4);
  });

  it('triggers dropped, then rows edited', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare("UPDATE entries SET bytes = CAST(REPLACE(CAST(bytes AS TEXT), 'payments reached', 'nothing reached') AS BLOB) WHERE idx = 5").run();
    d.close();
    const r = await verify(fx);
    assertFails(r, 'guard_missing');
    assertFails(r, 'leaf_hash_mismatch', 5);
  });

  it('an append-only trigger replaced by a no-op of the same name', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    d.exec('DROP TRIGGER entries_no_update');
    d.exec('CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries BEGIN SELECT 1; END');
    d.close();
    const r = await verify(fx);
    assertFails(r, 'guard_missing');
    assert.match(r.problems[0]!.message, /entries_no_update was replaced/);
  });

  it('a checkpoint file kept outside catches a rewritten database', async () => {
    const fx = await fixture();
    const d0 = raw(fx.t.db);
    const goodNote = d0.prepare('SELECT note FROM checkpoints WHERE seq = 1').pluck().get() as string;
    d0.close();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('DELETE FROM entries WHERE idx >= 5').run();
    d.prepare('DELETE FROM checkpoints').run();
    d.prepare('DELETE FROM nodes').run();
    d.close();
    resign(fx.t.db, originOf(fx.t.db), fx.t.signer, 0);
    fx.state = { version: 2, logs: {} }; // a fresh verifier with only the checkpoint file
    assertFails(await verify(fx, { externalNote: goodNote }), 'checkpoint_beyond_log');
  });
});

describe('audit verify trusts only anchors, pins and hand-overs', { timeout: 120_000 }, () => {
  /** The verifier as the CLI runs it: no anchors given, the signer's .pub offered as first-use candidate. */
  async function verifyAsCli(fx: Fixture, candidate: VerifierKey, opts: { trustOnFirstUse?: boolean; anchors?: VerifierKey[] } = {}) {
    const store = await openStore(fx.t.db, { mustExist: true, readonly: true });
    try {
      return await verifyLog({
        store,
        trustedKeys: opts.anchors ?? [],
        candidateKey: candidate,
        trustOnFirstUse: opts.trustOnFirstUse ?? false,
        state: fx.state,
      });
    } finally {
      await store.close();
    }
  }

  /** A new log under `key` with the given origin at `db`: what an attacker holding the runner's files builds. */
  async function forgedLog(t: TempLogDir, origin: string, key: SignerKey): Promise<void> {
    const d = raw(t.db);
    d.close();
    rmSync(t.db, { force: true });
    const log = await openAuditLogImpl({ location: t.db, origin, keyFile: t.keyFile, notice: () => undefined });
    writeFileSync(t.keyFile, formatSignerKey(key) + '\n', { mode: 0o600 });
    writeFileSync(t.pubFile, formatVerifierKey(key) + '\n');
    await log.append({ kind: 'deploy', commit: 'abcdef1', env: 'prod' });
    await log.checkpoint();
    await log.close();
  }

  it('the key pair replaced and a new log with the same origin built and signed (forged)', async () => {
    const fx = await fixture();
    const origin = originOf(fx.t.db);
    const forger = generateSignerKey('test-audit');
    await forgedLog(fx.t, origin, forger);
    // The signer's .pub now holds the forger's key: it is offered, but never an anchor by itself.
    const r = await verifyAsCli(fx, verifierKeyOf(forger), { trustOnFirstUse: true });
    assertFails(r, 'key_not_trusted');
    // A verifier with no state and no anchor does not accept it either.
    const fresh = await verifyAsCli({ ...fx, state: { version: 2, logs: {} } }, verifierKeyOf(forger));
    assertFails(fresh, 'no_trust_anchor');
  });

  it('first use without an anchor fails; --trust-on-first-use pins origin and key (recorded as such)', async () => {
    const fx = await fixture();
    const empty = { ...fx, state: { version: 2 as const, logs: {} } };
    assertFails(await verifyAsCli(empty, fx.t.verifier), 'no_trust_anchor');
    const r = await verifyAsCli(empty, fx.t.verifier, { trustOnFirstUse: true });
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.deepEqual(
      r.trusted.map((t) => [t.origin, t.key, t.tofu]),
      [[originOf(fx.t.db), fx.t.verifier.text, true]],
    );
  });

  it('a known origin signed by a new key without a rotation statement', async () => {
    const fx = await fixture();
    const next = generateSignerKey('test-audit-2');
    const log = await fx.t.open();
    await log.append({ kind: 'deploy', commit: 'abcdef2', env: 'prod' });
    await log.close();
    resign(fx.t.db, originOf(fx.t.db), next, 2);
    assertFails(await verifyAsCli(fx, verifierKeyOf(next), { trustOnFirstUse: true }), 'key_not_trusted');
  });

  it('a rotation entry whose statement the old key did not sign', async () => {
    const fx = await fixture();
    const origin = originOf(fx.t.db);
    const next = generateSignerKey('test-audit-2');
    const log = await fx.t.open();
    // Signed by the new key only: what someone without the old key can write.
    const statement = await signNoteWith(rotationText(origin, fx.t.verifier, verifierKeyOf(next)), [localSigner(next)]);
    await log.append({ kind: 'key_rotation', old_key: fx.t.verifier.text, new_key: verifierKeyOf(next).text, statement });
    await log.close();
    resign(fx.t.db, origin, next, 2);
    const r = await verifyAsCli(fx, verifierKeyOf(next));
    assertFails(r, 'key_rotation_invalid', 7);
    assert.ok(r.problems.some((p) => p.code === 'key_not_trusted'));
  });

  it('a valid rotation (bulwark audit rotate-key) passes with the old pin, and the state then pins the new key', async () => {
    const fx = await fixture();
    const next = generateSignerKey('test-audit-2');
    const log = await fx.t.open();
    const res = await log.rotateKey(localSigner(next));
    assert.equal(res.index, 7);
    await log.append({ kind: 'deploy', commit: 'abcdef3', env: 'prod' });
    await log.checkpoint();
    await log.close();
    const r = await verifyAsCli(fx, verifierKeyOf(next));
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.trust.rotations, 1);
    assert.equal(r.trusted[0]!.key, verifierKeyOf(next).text);
    // The next verify starts from the new pin and still accepts the old key's checkpoints before the hand-over.
    const again = await verifyAsCli({ ...fx, state: mergeTrusted(fx.state, r.trusted) }, verifierKeyOf(next));
    assert.equal(again.ok, true, JSON.stringify(again.problems));
  });

  it('a checkpoint by the new key that predates its hand-over', async () => {
    const fx = await fixture();
    const next = generateSignerKey('test-audit-2');
    const log = await fx.t.open();
    await log.rotateKey(localSigner(next));
    await log.close();
    const d = raw(fx.t.db);
    dropTriggers(d);
    // The new key signs the tree of 7 entries, which the old key alone covered.
    const cp = (d.prepare('SELECT note FROM checkpoints WHERE seq = 1').pluck().get() as string).split('\n\n')[0]! + '\n';
    d.close();
    const root = parseCheckpointBody(cp).rootHash;
    const note = signCheckpoint({ origin: originOf(fx.t.db), treeSize: 7, rootHash: root }, next);
    const d2 = raw(fx.t.db);
    d2.prepare('INSERT INTO checkpoints (seq, tree_size, note, created_ms) VALUES (?, ?, ?, ?)').run(3, 7, note, Date.now());
    d2.close();
    assertFails(await verifyAsCli(fx, verifierKeyOf(next)), 'key_not_trusted');
  });
});

describe('smaller checks', { timeout: 120_000 }, () => {
  it('audit checkpoint refuses a log whose tail and last checkpoint were deleted together', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.prepare('DELETE FROM entries WHERE idx >= 5').run();
    d.prepare('DELETE FROM checkpoints WHERE seq = 1').run();
    d.close();
    const log = await fx.t.open();
    try {
      await assert.rejects(log.checkpoint(), /refusing to sign a checkpoint: the subtree cache holds hashes for 6 entries but the log has 5/);
    } finally {
      await log.close();
    }
  });

  it('a cached subtree hash that no checkpoint or consistency proof uses', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    // Nodes (1,0) and (1,1) are below (2,0): the proof from size 5 to 7 uses (2,0) only.
    d.prepare('UPDATE nodes SET hash = ? WHERE level = 1 AND idx = 1').run(Buffer.alloc(32, 7));
    d.close();
    const r = await verify(fx);
    assertFails(r, 'node_mismatch');
    assert.match(r.problems.find((p) => p.code === 'node_mismatch')!.message, /entries 2\.\.3 \(level 1\)/);
  });

  it('a duplicate index is reported as a duplicate', async () => {
    const fx = await fixture();
    const d = raw(fx.t.db);
    dropTriggers(d);
    d.exec('ALTER TABLE entries RENAME TO entries_old');
    d.exec(
      'CREATE TABLE entries (idx INTEGER NOT NULL, kind TEXT NOT NULL, time_ms INTEGER NOT NULL, run_id TEXT, leaf_hash BLOB NOT NULL, bytes BLOB NOT NULL)',
    );
    d.exec('INSERT INTO entries SELECT * FROM entries_old');
    d.exec('INSERT INTO entries SELECT * FROM entries_old WHERE idx = 3');
    d.exec('DROP TABLE entries_old');
    d.close();
    const r = await verify(fx);
    assertFails(r, 'entry_duplicate', 3);
    assert.ok(!r.problems.some((p) => /\.\.\d+ are missing/.test(p.message) && p.code === 'entry_missing'), JSON.stringify(r.problems));
    assert.match(r.problems.find((p) => p.code === 'entry_duplicate')!.message, /entry 3 is stored more than once/);
  });
});
