import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { openAuditLog, loadVerifierKey, writeKeyPair, type AuditLog } from '../../src/audit/index.js';
import { entriesOfKind } from '../../src/approval/log-facts.js';
import { applyRetention, readArchivedBlob } from '../../src/audit/retention.js';
import { verifyLog } from '../../src/audit/verify.js';

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]))
    .sort();
}

describe('tiered retention of prompt/response blobs', { timeout: 60_000 }, () => {
  let dir: string;
  let log: AuditLog;
  let keyFile: string;
  const blobs: Record<string, string> = {};
  let warmDir: string;
  let coldDir: string;

  const call = (name: string, blob: string, time: string) => ({
    kind: 'llm_call' as const,
    run_id: `run-${name}`,
    stage: 's',
    agent_id: 'a',
    provider: 'anthropic',
    model_requested: 'm',
    model_returned: 'm',
    params: {},
    input_hash: 'sha256:' + '1'.repeat(64),
    output_hash: 'sha256:' + '2'.repeat(64),
    latency_ms: 1,
    tokens_in: 1,
    tokens_out: 1,
    status: 'ok' as const,
    error_class: null,
    blob,
    time,
  });
  const retain = (now: string, dryRun = false) => applyRetention({ log, warmDir, coldDir, dryRun, now: () => new Date(now) });
  const verify = async () => {
    await log.checkpoint();
    return verifyLog({ store: log.store, trustedKeys: [loadVerifierKey(keyFile + '.pub')] });
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-retention-'));
    keyFile = path.join(dir, 'keys', 'audit.key');
    writeKeyPair(keyFile);
    warmDir = path.join(dir, 'warm');
    coldDir = path.join(dir, 'cold');
    log = await openAuditLog({ location: path.join(dir, 'audit.db'), keyFile, origin: 'bank.example/retention', notice: () => undefined });
    // oldest first so entry times stay monotonic
    const plan: [string, string][] = [
      ['E', '2018-01-01T00:00:00.000Z'], // > 7 years at the first run: purged outright
      ['D', '2024-06-01T00:00:00.000Z'], // > 2 years: straight to cold
      ['C', '2025-01-10T00:00:00.000Z'], // > 90 days, < 2 years: warm
      ['B', '2026-07-01T00:00:00.000Z'], // warm
      ['A', '2026-10-01T00:00:00.000Z'], // < 90 days: stays hot
    ];
    for (const [name, time] of plan) {
      blobs[name] = await log.putBlob(`prompt and response of ${name} `.repeat(50));
      await log.append(call(name, blobs[name], time));
    }
  });
  after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a dry run reports the plan and changes nothing', async () => {
    const size = await log.size();
    const r = await retain('2026-11-20T00:00:00.000Z', true);
    assert.equal(r.dryRun, true);
    assert.deepEqual(
      r.actions.map((a) => `${a.action}:${'to' in a ? a.to : 'from' in a ? a.from : ''}:${a.blobs.length}`),
      ['archive:cold:1', 'archive:warm:1', 'archive:warm:1', 'purge:hot:1'],
    );
    assert.equal(await log.size(), size);
    assert.equal((await log.store.listBlobAddresses()).length, 5);
    assert.deepEqual(
      walk(dir).filter((f) => f.endsWith('.br')),
      [],
    );
  });

  it('moves old blobs to monthly warm archives and to cold, purges past 7 years, and logs every step', async () => {
    const r = await retain('2026-11-20T00:00:00.000Z');
    assert.equal(r.entries.length, 4);
    assert.deepEqual(await log.store.listBlobAddresses(), [blobs.A]);
    const files = walk(dir)
      .filter((f) => f.endsWith('.br'))
      .map((f) => path.relative(dir, f));
    assert.equal(files.length, 3);
    assert.ok(files.some((f) => f.startsWith(path.join('warm', '2025-01'))));
    assert.ok(files.some((f) => f.startsWith(path.join('warm', '2026-07'))));
    assert.ok(files.some((f) => f.startsWith(path.join('cold', '2024-06'))));
    const moves = await entriesOfKind(log.store, 'retention_move');
    assert.deepEqual(moves.map((m) => m.entry.to).sort(), ['cold', 'purged', 'warm', 'warm']);
    assert.ok(moves.every((m) => m.entry.policy.includes('hot 90d')));
    // recorded at the time the run acted by (its clock), not the wall clock of the machine running it
    assert.deepEqual([...new Set(moves.map((m) => m.entry.time))], ['2026-11-20T00:00:00.000Z']);
    // content hashes are kept: archived blobs read back and match their addresses
    assert.match((await readArchivedBlob(log, blobs.B!, { warmDir, coldDir }))!.toString(), /prompt and response of B/);
    assert.match((await readArchivedBlob(log, blobs.D!, { warmDir, coldDir }))!.toString(), /prompt and response of D/);
    const v = await verify();
    assert.deepEqual(v.problems, []);
    assert.equal(v.blobs.purged, 1);
    assert.equal(v.blobs.archived, 3);
    // a second run at the same time has nothing to do
    assert.deepEqual((await retain('2026-11-20T00:00:00.000Z')).actions, []);
  });

  it('later runs move warm archives to cold and purge cold ones, still verifying', async () => {
    const r1 = await retain('2027-12-20T00:00:00.000Z');
    const kinds = r1.actions.map((a) => a.action).sort();
    assert.deepEqual(kinds, ['archive', 'move-archive']); // A hot → warm; C's archive warm → cold
    assert.equal(await readArchivedBlob(log, blobs.C!, { warmDir, coldDir }).then((b) => b?.toString().includes('of C')), true);
    const r2 = await retain('2033-01-01T00:00:00.000Z');
    assert.ok(r2.actions.some((a) => a.action === 'purge' && a.blobs.includes(blobs.D!)));
    assert.ok(r2.actions.some((a) => a.action === 'purge' && a.blobs.includes(blobs.C!)));
    const v = await verify();
    assert.deepEqual(v.problems, []);
    assert.equal(v.blobs.purged, 3);
  });

  it('refuses to run while another retain holds the lock', async () => {
    const lock = path.join(warmDir, '.bulwark-retain.lock');
    writeFileSync(lock, '');
    try {
      await assert.rejects(retain('2033-01-01T00:00:00.000Z'), /another bulwark audit retain holds/);
      assert.equal((await retain('2033-01-01T00:00:00.000Z', true)).dryRun, true); // a dry run needs no lock
    } finally {
      rmSync(lock);
    }
  });

  it('verify tells a blob purged per policy from one that is simply missing', async () => {
    const extra = await log.putBlob('an unretained blob');
    // After the last retain's entries (its clock said 2033-01-01): entry times stay in log order.
    await log.append(call('F', extra, '2033-01-02T00:00:00.000Z'));
    // removed behind the log's back: no retention_move entry accounts for it
    await log.store.deleteBlob(extra);
    const v = await verify();
    assert.equal(v.ok, false);
    assert.equal(v.problems.length, 1, v.problems.map((p) => p.message).join('; '));
    assert.equal(v.problems[0]!.code, 'blob_missing');
    assert.equal(v.blobs.purged, 3);
  });
});

describe('retention refuses to move a damaged warm archive to cold', { timeout: 60_000 }, () => {
  it('leaves the warm archive in place and records nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-retention-damaged-'));
    const keyFile = path.join(dir, 'keys', 'audit.key');
    writeKeyPair(keyFile);
    const warmDir = path.join(dir, 'warm');
    const coldDir = path.join(dir, 'cold');
    const log = await openAuditLog({ location: path.join(dir, 'audit.db'), keyFile, origin: 'bank.example/retention', notice: () => undefined });
    try {
      const blob = await log.putBlob('prompt and response of W '.repeat(50));
      await log.append({
        kind: 'llm_call',
        run_id: 'run-W',
        stage: 's',
        agent_id: 'a',
        provider: 'anthropic',
        model_requested: 'm',
        model_returned: 'm',
        params: {},
        input_hash: 'sha256:' + '1'.repeat(64),
        output_hash: 'sha256:' + '2'.repeat(64),
        latency_ms: 1,
        tokens_in: 1,
        tokens_out: 1,
        status: 'ok',
        error_class: null,
        blob,
        time: '2025-01-10T00:00:00.000Z',
      });
      await applyRetention({ log, warmDir, coldDir, now: () => new Date('2026-01-01T00:00:00.000Z') });
      const [warm] = walk(warmDir).filter((f) => f.endsWith('.br'));
      assert.ok(warm);
      // A well-formed archive that no longer holds the blob: only reading it back shows the loss.
      writeFileSync(warm, brotliCompressSync(Buffer.from('')));
      const before = (await entriesOfKind(log.store, 'retention_move')).length;
      await assert.rejects(applyRetention({ log, warmDir, coldDir, now: () => new Date('2027-12-20T00:00:00.000Z') }), /warm archive .* does not hold blob/);
      assert.equal((await entriesOfKind(log.store, 'retention_move')).length, before);
      assert.ok(existsSync(warm));
      assert.deepEqual(walk(coldDir), []);
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
