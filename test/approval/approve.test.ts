import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { approvalPayload, approveChange } from '../../src/approval/approve.js';
import { computeChangeHash, diffHash } from '../../src/approval/change-hash.js';
import { parseApprovalsConfig } from '../../src/approval/config.js';
import { entriesOfKind } from '../../src/approval/log-facts.js';
import { sshSign } from '../../src/approval/ssh-signature.js';
import { approvalStatus } from '../../src/approval/status.js';
import { parseGateConfig } from '../../src/gate/config.js';
import { makeApprovalFixture, type ApprovalFixture } from './fixture.js';

describe('signed approvals', { timeout: 60_000 }, () => {
  let fx: ApprovalFixture;
  beforeEach(async () => {
    fx = await makeApprovalFixture();
  });
  afterEach(async () => fx.cleanup());

  const approve = (over: Partial<Parameters<typeof approveChange>[0]> = {}) =>
    approveChange({
      log: fx.log,
      runId: fx.runId,
      reviewer: 'alice@bank.example',
      keyFile: fx.keys.alice,
      allowedSignersFile: fx.allowedSigners,
      repoDir: fx.repo.dir,
      now: () => new Date('2026-11-16T11:00:00.000Z'),
      ...over,
    });

  it('defines the change hash as head commit + diff hash', () => {
    const d = diffHash('diff --git a/x b/x\n');
    assert.match(computeChangeHash('a'.repeat(40), d), /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(computeChangeHash('a'.repeat(40), d), computeChangeHash('b'.repeat(40), d));
    assert.throws(() => computeChangeHash('HEAD', d), /not a full lowercase hex/);
  });

  it('counts an imported GitHub review only for a login mapped to a principal, compared case-insensitively', async () => {
    const review = (login: string, id: number) => ({
      kind: 'approval' as const,
      run_id: fx.runId,
      reviewer: `github:${login}`,
      change_hash: fx.changeHash,
      decision: 'approve' as const,
      method: 'github' as const,
      signature: `github-review id=${id}`,
      source_ref: `https://github.example/r${id}`,
      time: '2026-11-16T12:00:00.000Z',
    });
    await fx.log.append(review('octo-stranger', 1));
    const unmapped = await approvalStatus({
      store: fx.log.store,
      runId: fx.runId,
      gate: undefined,
      approvals: parseApprovalsConfig({}),
      allowedSignersFile: fx.allowedSigners,
    });
    assert.equal(unmapped.approved, false);
    assert.match(unmapped.ignored[0]!.reason, /octo-stranger is not mapped/);
    await fx.log.append(review('Octo-Bob', 2));
    const mapped = await approvalStatus({
      store: fx.log.store,
      runId: fx.runId,
      gate: undefined,
      approvals: parseApprovalsConfig({ github_users: { 'octo-bob': 'bob@bank.example' } }),
      allowedSignersFile: fx.allowedSigners,
    });
    assert.equal(mapped.approved, true, JSON.stringify(mapped));
    assert.deepEqual(
      mapped.approvals.map((a) => a.principal),
      ['bob@bank.example'],
    );
  });

  it('appends an approval signed by the reviewer key, bound to the run change hash', async () => {
    const before = await fx.log.size();
    const res = await approve();
    assert.equal(res.appended.index, before);
    const [stored] = await entriesOfKind(fx.log.store, 'approval');
    assert.equal(stored!.entry.reviewer, 'alice@bank.example');
    assert.equal(stored!.entry.change_hash, fx.changeHash);
    assert.equal(stored!.entry.method, 'cli');
    assert.equal(stored!.entry.time, '2026-11-16T11:00:00.000Z');
    assert.match(stored!.entry.signature, /BEGIN SSH SIGNATURE/);
    assert.deepEqual(stored!.entry.zones, ['lending']);
  });

  it('approves by --change HASH alone when a run reviewed it', async () => {
    const res = await approve({ runId: undefined, changeHash: fx.changeHash });
    assert.deepEqual(res.runIds, [fx.runId]);
  });

  it('refuses the change author, even with a key the allowed-signers file lists', async () => {
    const before = await fx.log.size();
    await assert.rejects(approve({ reviewer: 'author@example.test', keyFile: fx.keys.author }), /is an author of the change/);
    assert.equal(await fx.log.size(), before);
  });

  it('refuses a change hash that does not match the run', async () => {
    await assert.rejects(approve({ changeHash: 'sha256:' + '0'.repeat(64) }), /does not match run run-0001/);
    await assert.rejects(approve({ runId: undefined, changeHash: 'sha256:' + '0'.repeat(64) }), /no run in the audit log reviewed/);
    await assert.rejects(approve({ changeHash: 'deadbeef' }), /not sha256/);
  });

  it('refuses when base...head in the checkout does not hash to what the run reviewed', async () => {
    const recorded = computeChangeHash(fx.head, diffHash('some other diff'));
    await fx.log.append({ kind: 'run_started', run_id: 'run-0002', command: 'review', base: fx.base, head: fx.head, change_hash: recorded });
    await assert.rejects(approve({ runId: 'run-0002' }), /is sha256:[0-9a-f]{64}, not the reviewed sha256:/);
    await assert.rejects(approve({ repoDir: '/nonexistent-bulwark-repo' }), /git rev-parse/);
  });

  it('refuses an unknown key and a key that belongs to someone else', async () => {
    const before = await fx.log.size();
    await assert.rejects(approve({ keyFile: fx.keys.mallory }), /not valid for "alice@bank\.example"/);
    await assert.rejects(approve({ keyFile: fx.keys.bob }), /not valid for "alice@bank\.example"/);
    assert.equal(await fx.log.size(), before);
  });

  it('handles a run that only recorded a gate decision (bulwark gate --audit-db)', async () => {
    await fx.log.append({ kind: 'gate_decision', run_id: 'gate-only', flagged: true, reasons: ['r'], zones: ['lending'], change_hash: fx.changeHash });
    await assert.rejects(approve({ runId: 'gate-only' }), /recorded no base\/head/);
    // an approval of the same change hash made through the full run counts for it too
    await approve();
    const s = await approvalStatus({
      store: fx.log.store,
      runId: 'gate-only',
      gate: undefined,
      approvals: parseApprovalsConfig({}),
      allowedSignersFile: fx.allowedSigners,
    });
    assert.equal(s.approved, true, s.reasons.join('; '));
  });

  it('refuses an unknown run', async () => {
    await assert.rejects(approve({ runId: 'run-nope' }), /run run-nope is not in the audit log/);
  });

  describe('gate status', () => {
    const gate = parseGateConfig({ zones: [{ name: 'lending', path: 'lending/**', obligations: ['human-review'], approver_groups: ['lending-leads'] }] });
    const status = (approvals: Record<string, unknown> = {}) =>
      approvalStatus({
        store: fx.log.store,
        runId: fx.runId,
        gate,
        approvals: parseApprovalsConfig({ groups: { 'lending-leads': ['alice@bank.example', 'bob@bank.example'] }, ...approvals }),
        allowedSignersFile: fx.allowedSigners,
      });

    it('is not approved without approvals, then approved once a group member signs', async () => {
      const s0 = await status();
      assert.equal(s0.approved, false);
      assert.match(s0.reasons[0]!, /zone lending: 0\/1 approvals; missing group lending-leads/);
      await approve();
      const s1 = await status();
      assert.equal(s1.approved, true, s1.reasons.join('; '));
      assert.deepEqual(s1.zones[0]!.approvedBy, ['alice@bank.example']);
    });

    it('counts distinct reviewers against zone_required and lets a reject block', async () => {
      await approve();
      assert.equal((await status({ zone_required: { lending: 2 } })).approved, false);
      await approve({ reviewer: 'bob@bank.example', keyFile: fx.keys.bob, decision: 'reject' });
      const s = await status({ zone_required: { lending: 2 } });
      assert.deepEqual(s.zones[0]!.rejectedBy, ['bob@bank.example']);
      assert.equal(s.approved, false);
      await approve({ reviewer: 'bob@bank.example', keyFile: fx.keys.bob, decision: 'approve' });
      assert.equal((await status({ zone_required: { lending: 2 } })).approved, true);
    });

    it('does not count an approval whose signed fields were altered', async () => {
      // a forged entry: alice's real signature over a reject, recorded as an approve
      const time = '2026-11-16T12:00:00.000Z';
      const signature = await sshSign(
        fx.keys.alice,
        approvalPayload({ run_id: fx.runId, reviewer: 'alice@bank.example', change_hash: fx.changeHash, decision: 'reject', method: 'cli', time }),
      );
      await fx.log.append({
        kind: 'approval',
        run_id: fx.runId,
        reviewer: 'alice@bank.example',
        change_hash: fx.changeHash,
        decision: 'approve',
        method: 'cli',
        signature,
        time,
      });
      const s = await status();
      assert.equal(s.approved, false);
      assert.equal(s.ignored.length, 1);
      assert.match(s.ignored[0]!.reason, /not valid/);
    });

    it('passes an unflagged run and fails closed when no gate decision exists', async () => {
      const un = await makeApprovalFixture({ flagged: false });
      try {
        const s = await approvalStatus({ store: un.log.store, runId: un.runId, gate, approvals: parseApprovalsConfig({}), allowedSignersFile: undefined });
        assert.equal(s.approved, true);
        await un.log.append({ kind: 'run_started', run_id: 'run-nogate', command: 'review' });
        const s2 = await approvalStatus({ store: un.log.store, runId: 'run-nogate', gate, approvals: parseApprovalsConfig({}), allowedSignersFile: undefined });
        assert.equal(s2.approved, false);
        assert.deepEqual(s2.reasons, ['no gate decision recorded for this run']);
      } finally {
        await un.cleanup();
      }
    });
  });
});
