import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { approvalPayload, approveChange } from '../../src/approval/approve.js';
import { sshSign } from '../../src/approval/ssh-signature.js';
import { incrementalBaseInLog, previousRunInLog } from '../../src/app/previous-run.js';
import { makeApprovalFixture, type ApprovalFixture } from '../approval/fixture.js';

const CONFIG = 'c'.repeat(64);

describe('the verdict of an earlier review comes from the audit log only', { timeout: 60_000 }, () => {
  let fx: ApprovalFixture;
  let policy: Parameters<typeof previousRunInLog>[2];
  beforeEach(async () => {
    fx = await makeApprovalFixture();
    // allowed_signers relative to the folder of bulwark.toml, as in the config file
    policy = {
      gate: undefined,
      approvals: { allowed_signers: path.basename(fx.allowedSigners), required: 1, zone_required: {}, groups: {}, github_users: {} },
      configDir: path.dirname(fx.allowedSigners),
    };
  });
  afterEach(async () => fx.cleanup());

  const query = (): Parameters<typeof previousRunInLog>[1] => ({ head: fx.head, changeHash: fx.changeHash, configHash: CONFIG });
  const review = async (runId: string, exit: number, opts: { config?: string; head?: string; flagged?: boolean } = {}): Promise<void> => {
    await fx.log.append({
      kind: 'run_started',
      run_id: runId,
      command: 'review',
      repo: fx.repo.dir,
      base: fx.base,
      head: opts.head ?? fx.head,
      change_hash: fx.changeHash,
      config_hash: `sha256:${opts.config ?? CONFIG}`,
    });
    if (opts.flagged !== undefined)
      await fx.log.append({ kind: 'gate_decision', run_id: runId, flagged: opts.flagged, reasons: ['test'], zones: ['lending'], change_hash: fx.changeHash });
    const status = exit === 0 ? 'pass' : exit === 1 ? 'blocking' : exit === 2 ? 'approval_required' : 'error';
    await fx.log.append({ kind: 'run_finished', run_id: runId, status, exit_code: exit, duration_ms: 10 });
  };

  it('finds nothing for a change the log never saw reviewed under this configuration', async () => {
    assert.equal(await previousRunInLog(fx.log.store, query(), policy), null);
    await review('other-config', 0, { config: 'd'.repeat(64) });
    await review('other-head', 0, { head: 'e'.repeat(40) });
    await review('failed', 5);
    assert.equal(await previousRunInLog(fx.log.store, query(), policy), null, 'another configuration, another head, or an error');
  });

  it('repeats the verdict of the newest review, and none when that one ended in an error', async () => {
    await review('r1', 0);
    await review('r2', 1);
    assert.deepEqual(await previousRunInLog(fx.log.store, query(), policy), { runId: 'r2', exitCode: 1, via: 'audit-log' });
    // r2's publishing failed afterwards: its last run_finished is an error, and r1's pass does not stand in
    await fx.log.append({ kind: 'run_finished', run_id: 'r2', status: 'error', exit_code: 5, duration_ms: 10, error_class: 'GitHubPublishError' });
    assert.equal(await previousRunInLog(fx.log.store, query(), policy), null);
    // a review that started but never finished (killed, or still running) does not let r1 stand in either
    await review('r3', 0);
    await fx.log.append({
      kind: 'run_started',
      run_id: 'r4',
      command: 'review',
      repo: fx.repo.dir,
      base: fx.base,
      head: fx.head,
      change_hash: fx.changeHash,
      config_hash: `sha256:${CONFIG}`,
    });
    assert.equal(await previousRunInLog(fx.log.store, query(), policy), null);
  });

  it('turns "approval required" into 0 only once a signed approval from a trusted key is in the log', async () => {
    await review('flagged', 2, { flagged: true });
    assert.deepEqual(await previousRunInLog(fx.log.store, query(), policy), { runId: 'flagged', exitCode: 2, via: 'audit-log' });

    // signed by a key the allowed-signers file does not list: not counted
    const time = '2026-11-16T12:00:00.000Z';
    const forged = await sshSign(
      fx.keys.mallory,
      approvalPayload({ run_id: 'flagged', reviewer: 'alice@bank.example', change_hash: fx.changeHash, decision: 'approve', method: 'cli', time }),
    );
    await fx.log.append({
      kind: 'approval',
      run_id: 'flagged',
      reviewer: 'alice@bank.example',
      change_hash: fx.changeHash,
      decision: 'approve',
      method: 'cli',
      signature: forged,
      time,
    });
    assert.equal((await previousRunInLog(fx.log.store, query(), policy))?.exitCode, 2);
    // without the allowed-signers file nothing signed can be checked: still 2
    await approveChange({
      log: fx.log,
      runId: 'flagged',
      reviewer: 'alice@bank.example',
      keyFile: fx.keys.alice,
      allowedSignersFile: fx.allowedSigners,
      repoDir: fx.repo.dir,
    });
    assert.equal((await previousRunInLog(fx.log.store, query(), { ...policy, approvals: undefined }))?.exitCode, 2);

    assert.deepEqual(await previousRunInLog(fx.log.store, query(), policy), { runId: 'flagged', exitCode: 0, via: 'approval' });
  });

  it('never lets an approval turn blocking findings into a pass', async () => {
    await review('blocking', 1, { flagged: true });
    await approveChange({
      log: fx.log,
      runId: 'blocking',
      reviewer: 'alice@bank.example',
      keyFile: fx.keys.alice,
      allowedSignersFile: fx.allowedSigners,
      repoDir: fx.repo.dir,
    });
    assert.equal((await previousRunInLog(fx.log.store, query(), policy))?.exitCode, 1);
  });
});

describe('the head an incremental review continues from comes from the audit log only', { timeout: 60_000 }, () => {
  let fx: ApprovalFixture;
  beforeEach(async () => {
    fx = await makeApprovalFixture();
  });
  afterEach(async () => fx.cleanup());

  const PR = { provider: 'gitlab' as const, number: 5, repository: 'acme/pay' };
  const [H1, H2, H3, NEW] = ['1', '2', '3', '4'].map((c) => c.repeat(40)) as [string, string, string, string];
  // H1 → H2 → H3 → NEW on one branch
  const order = [H1, H2, H3, NEW];
  const isAncestor = (a: string, b: string): Promise<boolean> => Promise.resolve(order.indexOf(a) >= 0 && order.indexOf(a) < order.indexOf(b));
  const q = (over: Partial<Parameters<typeof incrementalBaseInLog>[1]> = {}): Parameters<typeof incrementalBaseInLog>[1] => ({
    pr: PR,
    head: NEW,
    base: fx.base,
    configHash: CONFIG,
    isAncestor,
    ...over,
  });
  const review = async (
    runId: string,
    head: string,
    exit: number,
    opts: { config?: string; base?: string; from?: string; pr?: typeof PR; message?: string; lostOutput?: boolean } = {},
  ): Promise<void> => {
    await fx.log.append({
      kind: 'run_started',
      run_id: runId,
      command: 'review',
      base: opts.base ?? fx.base,
      head,
      config_hash: `sha256:${opts.config ?? CONFIG}`,
      pr: opts.pr ?? PR,
      ...(opts.from ? { incremental_from: opts.from } : {}),
    });
    const blob = await fx.log.putBlob(
      JSON.stringify({
        stage: 'security',
        markdown: '',
        findings: [{ file: 'src/a.js', line: 1, severity: 'high', category: 'security', message: opts.message ?? runId, confidence: 0.9, stage: 'security' }],
      }),
    );
    // a blob retention moved out of the log: the address stays on record, the bytes are gone
    const output = opts.lostOutput ? `sha256:${'e'.repeat(64)}` : blob;
    await fx.log.append({ kind: 'stage_finished', run_id: runId, stage: 'security', status: 'ok', duration_ms: 5, output_blob: output });
    const status = exit === 0 ? 'pass' : exit === 1 ? 'blocking' : exit === 2 ? 'approval_required' : 'error';
    await fx.log.append({ kind: 'run_finished', run_id: runId, status, exit_code: exit, duration_ms: 10 });
  };

  it('continues from the newest finished review of the same PR whose head is an ancestor, with its findings and those it carried', async () => {
    assert.equal(await incrementalBaseInLog(fx.log, q()), null, 'nothing reviewed yet');
    await review('other-pr', H3, 0, { pr: { ...PR, number: 6 } });
    assert.equal(await incrementalBaseInLog(fx.log, q()), null, 'another merge request is never a base');
    await review('r1', H1, 1);
    await review('r2', H2, 1, { from: H1 });
    await review('r3-error', H3, 5, { from: H2 });
    const d = await incrementalBaseInLog(fx.log, q());
    assert.equal(d?.kind, 'incremental');
    if (d?.kind !== 'incremental') return;
    assert.deepEqual([d.from.runId, d.from.head], ['r2', H2], 'the errored run at H3 does not count');
    assert.deepEqual(
      d.from.findings.map((r) => [r.runId, r.head, r.findings.map((f) => f.message)]),
      [
        ['r2', H2, ['r2']],
        ['r1', H1, ['r1']],
      ],
    );
  });

  it('answers "full" when the newest such review ran under another configuration or against another base', async () => {
    await review('r1', H1, 0, { config: 'd'.repeat(64) });
    assert.deepEqual(await incrementalBaseInLog(fx.log, q()), { kind: 'full', reason: 'the configuration changed since run r1' });
    await review('r2', H2, 0, { base: 'f'.repeat(40) });
    const d = await incrementalBaseInLog(fx.log, q());
    assert.equal(d?.kind, 'full');
    assert.match(d?.kind === 'full' ? d.reason : '', /^the base moved since run r2/);
    // a head that is not an ancestor (a force-push rewrote it) is never continued from
    assert.equal(await incrementalBaseInLog(fx.log, q({ isAncestor: () => Promise.resolve(false) })), null);
  });

  it('answers "full" when a finding of the chain can no longer be read: a gap would drop it', async () => {
    await review('r1', H1, 1, { lostOutput: true });
    await review('r2', H2, 0, { from: H1 });
    assert.deepEqual(await incrementalBaseInLog(fx.log, q()), { kind: 'full', reason: 'the stage outputs of run r1 are no longer in the audit log' });
  });

  it('answers "full" when a run continued a review the log does not hold', async () => {
    await review('r2', H2, 0, { from: H1 });
    const d = await incrementalBaseInLog(fx.log, q());
    assert.deepEqual(d, { kind: 'full', reason: `run r2 continued a review at ${H1.slice(0, 12)} that the audit log does not hold` });
  });
});
