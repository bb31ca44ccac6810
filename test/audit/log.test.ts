import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { blobAddress } from '../../src/audit/blobs.js';
import { canonicalBytes, decodeEntry, EntryError, makeEntry } from '../../src/domain/audit-entries.js';
import { openAuditLog } from '../../src/audit/index.js';
import { defaultDbPath, resolveDbLocation } from '../../src/audit/locations.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/audit/merkle.js';
import { openCheckpoint } from '../../src/audit/note.js';
import { UsageError } from '../../src/domain/errors.js';
import { dropTriggers, llmCall, raw, tempLogDir, type TempLogDir } from './helpers.js';

const dirs: TempLogDir[] = [];
after(() => dirs.forEach((d) => d.cleanup()));
function temp(): TempLogDir {
  const t = tempLogDir();
  dirs.push(t);
  return t;
}

describe('entries', () => {
  it('are RFC 8785 canonical bytes with v and a UTC millisecond time', () => {
    const e = makeEntry({ kind: 'deploy', commit: 'ABCDEF1'.toLowerCase(), env: 'prod', url: 'https://x/é' }, () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)));
    assert.equal(
      Buffer.from(canonicalBytes(e)).toString('utf8'),
      '{"commit":"abcdef1","env":"prod","kind":"deploy","time":"2026-01-02T03:04:05.006Z","url":"https://x/é","v":1}',
    );
    assert.deepEqual(decodeEntry(canonicalBytes(e)), e);
    assert.throws(() => decodeEntry(Buffer.from('{"v":1,"kind":"deploy","time":"2026-01-02T03:04:05.006Z","commit":"abcdef1","env":"prod"}')), /canonical/);
  });

  it('reject unknown fields, wrong types and bad times with the kind and field named', () => {
    assert.throws(
      () => makeEntry({ kind: 'deploy', commit: 'abcdef1', env: 'prod', extra: 1 } as never),
      (e: unknown) => e instanceof EntryError && /deploy/.test(e.message),
    );
    assert.throws(() => makeEntry({ ...llmCall('r', 1, null), tokens_in: -1 } as never), /llm_call entry: tokens_in/);
    assert.throws(() => makeEntry({ ...llmCall('r', 1, 'md5:abc') }), /llm_call entry: blob/);
    assert.throws(() => makeEntry({ kind: 'deploy', commit: 'abcdef1', env: 'prod', time: '2026-01-02T03:04:05Z' }), /time/);
    assert.throws(() => makeEntry({ kind: 'nope' } as never), EntryError);
  });
});

describe('openAuditLog (SQLite)', () => {
  it('appends with dense indices and returns the leaf hash of the canonical bytes', async () => {
    const t = temp();
    const log = await t.open();
    const a = await log.append({ kind: 'run_started', run_id: 'r1', command: 'review' });
    const many = await log.appendMany([
      llmCall('r1', 1, null),
      llmCall('r1', 2, null),
      { kind: 'run_finished', run_id: 'r1', status: 'pass', exit_code: 0, duration_ms: 9 },
    ]);
    assert.deepEqual([a.index, ...many.map((m) => m.index)], [0, 1, 2, 3]);
    const stored = await log.store.getEntry(2);
    assert.equal(many[1]!.leafHash, leafHash(stored!.bytes).toString('hex'));
    assert.equal(decodeEntry(stored!.bytes).kind, 'llm_call');
    assert.deepEqual(
      (await log.store.queryEntries({ runId: 'r1', kind: 'llm_call' })).map((e) => e.index),
      [1, 2],
    );
    await log.close();
  });

  it('never stamps an entry earlier than one already committed', async () => {
    const t = temp();
    const log = await t.open();
    // Another writer's entry a minute ahead of this writer's clock (fixed times, not the wall clock,
    // so a slow machine cannot catch up with it).
    const ahead = '2030-01-01T00:01:00.000Z';
    await log.append({ kind: 'deploy', commit: 'abcdef1', env: 'prod', time: ahead });
    await log.appendMany(
      [
        { kind: 'deploy', commit: 'abcdef2', env: 'prod' },
        { kind: 'deploy', commit: 'abcdef3', env: 'prod' },
      ],
      { now: () => new Date('2030-01-01T00:00:00.000Z') },
    );
    const times = (await log.store.queryEntries({})).map((e) => decodeEntry(e.bytes).time);
    assert.deepEqual(times, [ahead, ahead, ahead]);
    await log.close();
  });

  it('writes nothing from a batch that has one invalid entry', async () => {
    const t = temp();
    const log = await t.open();
    await log.append({ kind: 'deploy', commit: 'abcdef1', env: 'prod' });
    await assert.rejects(log.appendMany([llmCall('r', 1, null), { kind: 'deploy', commit: 'not-hex', env: 'prod' }]), /commit/);
    assert.equal(await log.size(), 1);
    await log.close();
  });

  it('stores blobs compressed and content-addressed, and reads them back checked', async () => {
    const t = temp();
    const log = await t.open();
    const text = 'You are a security reviewer. '.repeat(200);
    const addr = await log.putBlob(text);
    assert.equal(addr, blobAddress(Buffer.from(text)));
    assert.equal(await log.putBlob(Buffer.from(text)), addr, 'idempotent');
    const stored = await log.store.getBlob(addr);
    assert.equal(stored!.encoding, 'br');
    assert.ok(stored!.data.byteLength < text.length / 5, 'compressed');
    assert.equal(Buffer.from((await log.getBlob(addr))!).toString(), text);
    assert.equal(await log.getBlob(`sha256:${'0'.repeat(64)}`), undefined);
    await log.close();
    const d = raw(t.db);
    d.prepare('UPDATE blobs SET data = ? WHERE address = ?').run(Buffer.from('x'), addr);
    d.close();
    const again = await t.open();
    await assert.rejects(again.getBlob(addr), /decompress|match/);
    await again.close();
  });

  it('signs checkpoints that verify, writes the checkpoint file, and serves proofs', async () => {
    const t = temp();
    const cpFile = path.join(t.dir, 'outside', 'checkpoint.txt');
    const log = await t.open({ checkpointFile: cpFile, origin: 'bank.example/audit/payments' });
    for (let i = 0; i < 13; i++) await log.append(llmCall('r', i, null));
    const first = await log.checkpoint();
    await log.appendMany(Array.from({ length: 20 }, (_, i) => llmCall('r', i, null)));
    const cp = await log.checkpoint();
    assert.equal(cp.treeSize, 33);
    assert.equal(cp.file, cpFile);
    assert.equal(readFileSync(cpFile, 'utf8'), cp.note);
    const opened = openCheckpoint(cp.note, [t.verifier]);
    assert.equal(opened.origin, 'bank.example/audit/payments');
    assert.deepEqual(opened.rootHash, Buffer.from(await log.rootAt(33)));
    for (const i of [0, 12, 31, 32]) {
      const e = await log.store.getEntry(i);
      verifyInclusion(i, 33, e!.leafHash, await log.inclusionProof(i, 33), opened.rootHash);
    }
    verifyConsistency(13, 33, Buffer.from(first.rootHash, 'base64'), opened.rootHash, await log.consistencyProof(13, 33));
    assert.equal((await log.store.listCheckpoints()).length, 2);
    await log.close();
  });

  it('refuses to sign a checkpoint for a log rolled back behind its checkpoint file', async () => {
    const t = temp();
    const cpFile = path.join(t.dir, 'outside', 'checkpoint.txt');
    const log = await t.open({ checkpointFile: cpFile });
    await log.appendMany(Array.from({ length: 5 }, (_, i) => llmCall('r', i, null)));
    await log.checkpoint();
    await log.close();
    const backup = path.join(t.dir, 'backup.db');
    const d = raw(t.db);
    await d.backup(backup);
    d.close();
    const more = await t.open({ checkpointFile: cpFile });
    await more.appendMany(Array.from({ length: 4 }, (_, i) => llmCall('r', i, null)));
    await more.checkpoint();
    await more.close();
    copyFileSync(backup, t.db);
    const rolledBack = await t.open({ checkpointFile: cpFile });
    await rolledBack.append(llmCall('r', 99, null));
    await assert.rejects(rolledBack.checkpoint(), /refusing to sign a checkpoint: checkpoint file .* covers 9 entries but the log has 6/);
    assert.equal((await rolledBack.store.listCheckpoints()).length, 1, 'nothing signed');
    await rolledBack.close();
  });

  it('refuses to sign when the tree no longer extends the last checkpoint', async () => {
    const t = temp();
    const log = await t.open();
    await log.appendMany(Array.from({ length: 6 }, (_, i) => llmCall('r', i, null)));
    await log.checkpoint();
    await log.close();
    const d = raw(t.db);
    dropTriggers(d);
    d.prepare('UPDATE nodes SET hash = ? WHERE level = 2 AND idx = 0').run(Buffer.alloc(32, 1));
    d.close();
    const again = await t.open();
    await again.append(llmCall('r', 7, null));
    await assert.rejects(again.checkpoint(), /refusing to sign a checkpoint: the log no longer extends stored checkpoint 0/);
    await again.close();
  });

  it('keeps the origin a log was created with', async () => {
    const t = temp();
    await (await t.open({ origin: 'bank.example/a' })).close();
    await assert.rejects(t.open({ origin: 'bank.example/b' }), (e: unknown) => e instanceof UsageError && /origin/.test(e.message));
    const again = await t.open();
    assert.equal(again.origin, 'bank.example/a');
    await again.close();
  });

  it('fails closed when a configured signing key is missing', async () => {
    const t = temp();
    const log = await openAuditLog({ location: t.db, keyFile: path.join(t.dir, 'no-such-key'), notice: () => undefined });
    await log.append({ kind: 'deploy', commit: 'abcdef1', env: 'prod' });
    await assert.rejects(log.checkpoint(), (e: unknown) => e instanceof UsageError && /does not exist/.test(e.message));
    assert.equal((await log.store.listCheckpoints()).length, 0);
    await log.close();
  });
});

describe('locations', () => {
  it('resolve --audit-db > BULWARK_AUDIT_DB > [audit] db > per-user state dir', async () => {
    const saved = { env: process.env.BULWARK_AUDIT_DB, xdg: process.env.XDG_STATE_HOME, cfg: process.env.XDG_CONFIG_HOME };
    const home = mkdtempSync(path.join(os.tmpdir(), 'bulwark-xdg-'));
    try {
      process.env.XDG_STATE_HOME = path.join(home, 'state');
      delete process.env.BULWARK_AUDIT_DB;
      assert.equal(defaultDbPath(), path.join(home, 'state', 'bulwark', 'audit.db'));
      assert.equal(resolveDbLocation(undefined, undefined), defaultDbPath());
      assert.equal(resolveDbLocation(undefined, '/cfg.db'), '/cfg.db');
      process.env.BULWARK_AUDIT_DB = '/env.db';
      assert.equal(resolveDbLocation(undefined, '/cfg.db'), '/env.db');
      assert.equal(resolveDbLocation('/flag.db', '/cfg.db'), '/flag.db');
      assert.equal(resolveDbLocation('postgres://u:p@h/db', undefined), 'postgres://u:p@h/db');

      // The default location is created on first use, and the default key on first checkpoint.
      delete process.env.BULWARK_AUDIT_DB;
      process.env.XDG_CONFIG_HOME = path.join(home, 'config');
      const notices: string[] = [];
      const log = await openAuditLog({ notice: (m) => notices.push(m) });
      assert.equal(log.location, path.join(home, 'state', 'bulwark', 'audit.db'));
      await log.append({ kind: 'deploy', commit: 'abcdef1', env: 'prod' });
      await log.checkpoint();
      await log.close();
      assert.ok(existsSync(path.join(home, 'config', 'bulwark', 'audit-key')));
      assert.equal(notices.length, 1);
      assert.match(notices[0]!, /created audit signing key/);
    } finally {
      for (const [k, v] of [
        ['BULWARK_AUDIT_DB', saved.env],
        ['XDG_STATE_HOME', saved.xdg],
        ['XDG_CONFIG_HOME', saved.cfg],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(home, { recursive: true, force: true });
    }
  });
});
