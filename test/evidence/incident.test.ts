import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAuditLog, type AuditLog } from '../../src/audit/index.js';
import { formatIncidentText, incidentReport, runTrailers } from '../../src/audit/incident.js';

const HEAD = 'abcdef0123456789abcdef0123456789abcdef01';
const CH = 'sha256:' + 'e'.repeat(64);

describe('incident timeline and commit trailers', { timeout: 30_000 }, () => {
  let dir: string;
  let log: AuditLog;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-incident-'));
    log = await openAuditLog({ location: path.join(dir, 'audit.db'), keyFile: path.join(dir, 'k', 'audit.key'), notice: () => undefined });
    await log.appendMany([
      {
        kind: 'run_started',
        run_id: 'r9',
        command: 'review',
        base: 'main',
        head: HEAD,
        change_hash: CH,
        pr: { provider: 'github', number: 31, url: 'https://github.example/bank/pay/pull/31' },
        author: 'dev\u001b]0;x\u0007',
        ci_run: 'https://github.example/bank/pay/actions/runs/5',
        time: '2026-11-17T09:00:00.000Z',
      },
      { kind: 'run_started', run_id: 'other', command: 'review', head: '9'.repeat(40), time: '2026-11-17T09:00:00.500Z' },
      {
        kind: 'llm_call',
        run_id: 'r9',
        stage: 'security',
        agent_id: 'sec',
        provider: 'openai',
        model_requested: 'gpt-x',
        model_returned: 'gpt-x-1',
        params: {},
        input_hash: 'sha256:' + '1'.repeat(64),
        output_hash: 'sha256:' + '2'.repeat(64),
        latency_ms: 900,
        tokens_in: 100,
        tokens_out: 20,
        status: 'ok',
        error_class: null,
        blob: null,
        time: '2026-11-17T09:00:01.000Z',
      },
      {
        kind: 'gate_decision',
        run_id: 'r9',
        flagged: true,
        reasons: ['reaches process_payment'],
        zones: ['payments'],
        change_hash: CH,
        time: '2026-11-17T09:00:02.000Z',
      },
      { kind: 'run_finished', run_id: 'r9', status: 'approval_required', exit_code: 2, duration_ms: 2000, time: '2026-11-17T09:00:03.000Z' },
      {
        kind: 'approval',
        reviewer: 'carol@bank.example',
        change_hash: CH,
        decision: 'approve',
        method: 'cli',
        signature: 'sig',
        time: '2026-11-17T10:00:00.000Z',
      },
      { kind: 'deploy', commit: HEAD.slice(0, 12), env: 'prod', url: 'https://deploy.example/1', time: '2026-11-17T11:00:00.000Z' },
    ]);
  });
  after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints runs, prompt hashes, gate decision, approvals and deployments in time order', async () => {
    const r = await incidentReport(log.store, HEAD.slice(0, 10));
    assert.deepEqual(r.runs, [{ runId: 'r9', head: HEAD, changeHash: CH, status: 'approval_required' }]);
    assert.deepEqual(
      r.timeline.map((t) => t.kind),
      ['run_started', 'llm_call', 'gate_decision', 'run_finished', 'approval', 'deploy'],
    );
    assert.equal(r.timeline[1]!.refs.input_hash, 'sha256:' + '1'.repeat(64));
    assert.deepEqual(r.deployments, [{ index: 6, time: '2026-11-17T11:00:00.000Z', env: 'prod', url: 'https://deploy.example/1' }]);
    const text = formatIncidentText(r);
    assert.match(text, /2026-11-17T10:00:00\.000Z {2}#5 {2}- {2}approve by carol@bank\.example \(cli\)/);
    assert.match(
      text,
      /run started \(review\) main\.\.\.abcdef0123456789abcdef0123456789abcdef01 github PR #31 https:\/\/github\.example\/bank\/pay\/pull\/31 by dev\\u001b\]0;x\\u0007 ci https:\/\/github\.example\/bank\/pay\/actions\/runs\/5/,
    );
    assert.doesNotMatch(text, /other/);
    // eslint-disable-next-line no-control-regex -- asserts that no terminal control characters are printed
    assert.doesNotMatch(text, /[\u001b\u0007]/, 'PR-controlled text cannot drive the terminal');
    await assert.rejects(incidentReport(log.store, 'xyz'), /not a hex commit id/);
  });

  it('prints trailers that git interpret-trailers accepts', async () => {
    const t = await runTrailers(log.store, 'r9');
    assert.deepEqual(t, [
      'Reviewed-by-Agent: bulwark run r9',
      `Bulwark-Change-Hash: ${CH}`,
      'Bulwark-Audit-Index: 0',
      'Bulwark-Gate: flagged (payments)',
      'Bulwark-Approved-by: carol@bank.example',
    ]);
    const parsed = execFileSync('git', ['interpret-trailers', '--parse'], { input: `fix rounding\n\n${t.join('\n')}\n`, encoding: 'utf8' });
    assert.equal(parsed.trim(), t.join('\n'));
    await assert.rejects(runTrailers(log.store, 'nope'), /run nope is not in the audit log/);
  });
});
