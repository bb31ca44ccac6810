import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAuditLog, loadSignerKey, loadVerifierKey, writeKeyPair, type AuditLog } from '../../src/audit/index.js';
import { exportBundle, manifestSigningText, type Manifest } from '../../src/audit/export/bundle.js';
import { deriveTables } from '../../src/audit/export/derive.js';
import { decodeEntry } from '../../src/domain/audit-entries.js';
import { localSigner, signNote } from '../../src/audit/note.js';
import { parseCsv } from '../../src/audit/export/csv.js';
import { isoWeekPeriod, rangePeriod } from '../../src/audit/export/period.js';
import { verifyBundle } from '../../src/audit/export/verify-bundle.js';
import { prettyCanonicalJson } from '../../src/domain/canonical-json.js';
import type { NoteSigner, VerifierKey } from '../../src/audit/note.js';

const H1 = '1'.repeat(40);
const H2 = '2'.repeat(40);
const CH1 = 'sha256:' + 'a'.repeat(64);
const CH2 = 'sha256:' + 'b'.repeat(64);

/** Two weeks of activity: one change in 2026-W46, one flagged + approved + deployed change in W47. */
async function seed(log: AuditLog): Promise<void> {
  const blob = await log.putBlob('{"prompt":"review this","response":"looks fine"}');
  await log.appendMany([
    {
      kind: 'run_started',
      run_id: 'r1',
      command: 'review',
      repo: 'bank/payments',
      base: 'main',
      head: H1,
      change_hash: CH1,
      ci_run: 'gh-101',
      time: '2026-11-10T09:00:00.000Z',
    },
    {
      kind: 'llm_call',
      run_id: 'r1',
      stage: 'security',
      agent_id: 'sec',
      provider: 'anthropic',
      model_requested: 'claude-x',
      model_returned: 'claude-x-2026',
      params: { temperature: 0, max_tokens: 1000 },
      input_hash: 'sha256:' + 'c'.repeat(64),
      output_hash: 'sha256:' + 'd'.repeat(64),
      latency_ms: 1200,
      tokens_in: 5000,
      tokens_out: 300,
      status: 'ok',
      error_class: null,
      blob,
      time: '2026-11-10T09:00:02.000Z',
    },
    { kind: 'gate_decision', run_id: 'r1', flagged: false, reasons: [], zones: [], change_hash: CH1, time: '2026-11-10T09:00:03.000Z' },
    { kind: 'run_finished', run_id: 'r1', status: 'pass', exit_code: 0, duration_ms: 3000, time: '2026-11-10T09:00:04.000Z' },
    {
      kind: 'run_started',
      run_id: 'r2',
      command: 'review',
      repo: 'bank/payments',
      base: 'main',
      head: H2,
      change_hash: CH2,
      ci_run: 'gh-102',
      pr: {
        provider: 'github',
        number: 42,
        url: 'https://github.example/bank/payments/pull/42',
        repository: 'bank/payments',
        base_ref: 'main',
        head_ref: 'loan-fix',
      },
      author: 'Bob',
      time: '2026-11-17T09:00:00.000Z',
    },
    { kind: 'stage_finished', run_id: 'r2', stage: 'style', status: 'timeout', duration_ms: 60000, time: '2026-11-17T09:01:00.000Z' },
    {
      kind: 'gate_decision',
      run_id: 'r2',
      flagged: true,
      reasons: ['reaches approve_loan'],
      zones: ['lending'],
      paths: [['api.handler', 'lending.approve_loan']],
      change_hash: CH2,
      time: '2026-11-17T09:01:01.000Z',
    },
    { kind: 'run_finished', run_id: 'r2', status: 'approval_required', exit_code: 2, duration_ms: 61000, time: '2026-11-17T09:01:02.000Z' },
    {
      kind: 'approval',
      run_id: 'r2',
      reviewer: 'alice@bank.example',
      change_hash: CH2,
      decision: 'approve',
      method: 'cli',
      signature: '-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n',
      zones: ['lending'],
      comment: 'checked, "fine", =1+1',
      time: '2026-11-17T10:00:00.000Z',
    },
    { kind: 'override', run_id: 'r2', actor: 'ops', what: 'emergency-deploy', reason: 'outage', time: '2026-11-17T10:30:00.000Z' },
    { kind: 'deploy', commit: H2, env: 'prod', actor: 'ci', time: '2026-11-17T11:00:00.000Z' },
  ]);
}

describe('weekly evidence bundle', { timeout: 60_000 }, () => {
  let dir: string;
  let log: AuditLog;
  let keyFile: string;
  let signer: NoteSigner;
  let trusted: VerifierKey[];
  let w46: string;
  let w47: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-bundle-'));
    keyFile = path.join(dir, 'keys', 'audit.key');
    writeKeyPair(keyFile);
    trusted = [loadVerifierKey(keyFile + '.pub')];
    log = await openAuditLog({ location: path.join(dir, 'audit.db'), keyFile, origin: 'bank.example/audit', notice: () => undefined });
    await seed(log);
    w46 = path.join(dir, 'w46');
    w47 = path.join(dir, 'w47');
    signer = localSigner(loadSignerKey(keyFile));
    await exportBundle({
      log,
      period: isoWeekPeriod('2026-W46'),
      outDir: w46,
      signer,
      generatorVersion: '0.1.0',
      configSnapshot: '[approvals]\nrequired = 1\n',
    });
    await exportBundle({ log, period: isoWeekPeriod('2026-W47'), outDir: w47, signer, generatorVersion: '0.1.0', previousDir: w46 });
  });
  after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses ISO weeks and date ranges in UTC', () => {
    const p = isoWeekPeriod('2026-W47');
    assert.equal(new Date(p.fromMs).toISOString(), '2026-11-16T00:00:00.000Z');
    assert.equal(new Date(p.toMs).toISOString(), '2026-11-23T00:00:00.000Z');
    assert.equal(new Date(isoWeekPeriod('2026-W01').fromMs).toISOString(), '2025-12-29T00:00:00.000Z');
    assert.equal(new Date(isoWeekPeriod('2020-W53').fromMs).toISOString(), '2020-12-28T00:00:00.000Z');
    assert.equal(new Date(isoWeekPeriod('2026-W53').fromMs).toISOString(), '2026-12-28T00:00:00.000Z');
    assert.throws(() => isoWeekPeriod('2025-W53'), /2025 has weeks 01\.\.52/);
    assert.throws(() => isoWeekPeriod('2026-47'), /not an ISO week/);
    assert.throws(() => rangePeriod('2026-11-20', '2026-11-10'), /must be after/);
    assert.throws(() => rangePeriod('2026-02-30', '2026-03-10'), /not a calendar date/);
  });

  it('writes every file the issue lists, with the manifest covering them all', () => {
    assert.deepEqual(readdirSync(w47).sort(), [
      'README.md',
      'approvals.csv',
      'changes.csv',
      'config_snapshot.toml',
      'entries.jsonl',
      'exceptions.csv',
      'gate_decisions.csv',
      'integrity_report.json',
      'llm_calls.jsonl',
      'manifest.json',
    ]);
    const m = JSON.parse(readFileSync(path.join(w47, 'manifest.json'), 'utf8')) as Manifest;
    assert.deepEqual(m.period, { from: '2026-11-16T00:00:00.000Z', to: '2026-11-23T00:00:00.000Z' });
    assert.deepEqual(m.query, { week: '2026-W47' });
    assert.equal(m.log.start.size, 4);
    assert.equal(m.log.end.size, 11);
    assert.equal(m.row_counts.approvals, 1);
    assert.equal(m.row_counts.changes, 1);
    assert.ok(m.previous && /^[0-9a-f]{64}$/.test(m.previous.manifest_sha256));
    assert.match(m.signature, /\n\n\u2014 bulwark-audit /);
  });

  it('changes.csv traces the change to gate result, approval, CI run, deploy and emergency flag', () => {
    const rows = parseCsv(readFileSync(path.join(w47, 'changes.csv'), 'utf8'));
    const h = rows[0]!;
    const r = Object.fromEntries(h.map((k, i) => [k, rows[1]![i]]));
    assert.equal(rows.length, 2);
    assert.equal(r.run_id, 'r2');
    assert.equal(r.ci_run, 'gh-102');
    assert.equal(r.pr_number, '42');
    assert.equal(r.pr_url, 'https://github.example/bank/payments/pull/42');
    assert.equal(r.author, 'Bob');
    assert.equal(r.gate_result, 'flagged');
    assert.equal(r.gate_paths, 'api.handler > lending.approve_loan');
    assert.equal(r.approvals, 'alice@bank.example(cli)');
    assert.equal(r.author_not_approver, 'true');
    assert.equal(r.deploy_time, '2026-11-17T11:00:00.000Z');
    assert.equal(r.emergency, 'true');
    assert.equal(r.ai_involved, 'false');
    const w46rows = parseCsv(readFileSync(path.join(w46, 'changes.csv'), 'utf8'));
    const r1 = Object.fromEntries(w46rows[0]!.map((k, i) => [k, w46rows[1]![i]]));
    assert.equal(r1.models, 'anthropic/claude-x-2026');
    assert.equal(r1.ai_involved, 'true');
    assert.equal(r1.author_not_approver, '');
    // a run_started entry from before PR/author were recorded still exports, with those cells empty
    assert.equal(r1.pr_number, '');
    assert.equal(r1.author, '');
    const exc = parseCsv(readFileSync(path.join(w47, 'exceptions.csv'), 'utf8'));
    assert.deepEqual(
      exc.slice(1).map((x) => x[3]),
      ['stage_failed', 'emergency_override'],
    );
    assert.match(readFileSync(path.join(w47, 'approvals.csv'), 'utf8'), /"checked, ""fine"", =1\+1"/);
  });

  it('gives byte-identical files for the same parameters', async () => {
    const again = path.join(dir, 'w47-again');
    await exportBundle({
      log,
      period: isoWeekPeriod('2026-W47'),
      outDir: again,
      signer,
      generatorVersion: '0.1.0',
      previousDir: w46,
    });
    for (const f of readdirSync(w47)) assert.ok(readFileSync(path.join(w47, f)).equals(readFileSync(path.join(again, f))), f);
  });

  it('verifies offline, alone and chained to the previous bundle', () => {
    const r46 = verifyBundle({ dir: w46, trustedKeys: trusted });
    assert.deepEqual(r46.problems, []);
    const r47 = verifyBundle({ dir: w47, trustedKeys: trusted, previousDir: w46 });
    assert.deepEqual(r47.problems, []);
    assert.equal(r47.ok, true);
    assert.deepEqual(r47.entries, { start: 4, end: 11 });
  });

  it('exports and verifies a week without entries, chained after the last bundle', async () => {
    const w48 = path.join(dir, 'w48');
    await exportBundle({
      log,
      period: isoWeekPeriod('2026-W48'),
      outDir: w48,
      signer,
      generatorVersion: '0.1.0',
      previousDir: w47,
    });
    const m = JSON.parse(readFileSync(path.join(w48, 'manifest.json'), 'utf8')) as Manifest;
    assert.deepEqual([m.log.start.size, m.log.end.size], [11, 11]);
    assert.equal(readFileSync(path.join(w48, 'entries.jsonl'), 'utf8'), '');
    const r = verifyBundle({ dir: w48, trustedKeys: trusted, previousDir: w47 });
    assert.deepEqual(r.problems, []);
  });

  it('refuses to write into a non-empty folder', async () => {
    await assert.rejects(exportBundle({ log, period: isoWeekPeriod('2026-W47'), outDir: w47, signer, generatorVersion: '0.1.0' }), /exists and is not empty/);
  });

  describe('tampering is caught', () => {
    const tamper = (name: string, fn: (d: string) => void, previous?: string) => {
      const d = path.join(dir, `t-${name}`);
      cpSync(w47, d, { recursive: true });
      fn(d);
      return verifyBundle({ dir: d, trustedKeys: trusted, ...(previous ? { previousDir: previous } : {}) });
    };
    const edit = (d: string, f: string, from: string | RegExp, to: string) => {
      const p = path.join(d, f);
      const t = readFileSync(p, 'utf8');
      const n = t.replace(from, to);
      assert.notEqual(n, t, `tamper of ${f} changed nothing`);
      writeFileSync(p, n);
    };
    const sha = (d: string, f: string) =>
      createHash('sha256')
        .update(readFileSync(path.join(d, f)))
        .digest('hex');
    const rehash = (d: string, f: string) => {
      const m = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8')) as Manifest;
      m.files[f] = sha(d, f);
      writeFileSync(path.join(d, 'manifest.json'), prettyCanonicalJson(m));
    };

    it('a bundle written before changes.csv had PR and author columns still verifies, and tampering it still fails', () => {
      // What an older Bulwark exported: changes.csv in the v1 layout, manifest hashed and signed over it.
      const v1 = (d: string, change?: (csv: string) => string) => {
        const entries = readFileSync(path.join(d, 'entries.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l, i) => ({ index: i, entry: decodeEntry(Buffer.from(l)) }));
        const m = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8')) as Manifest;
        const first = m.log.start.size;
        let csv = deriveTables(
          entries.map((e) => ({ ...e, index: e.index + first })),
          { changesLayout: 'v1' },
        )['changes.csv'];
        assert.doesNotMatch(csv.split('\r\n')[0]!, /pr_number|author,/);
        if (change) csv = change(csv);
        writeFileSync(path.join(d, 'changes.csv'), csv);
        m.files['changes.csv'] = sha(d, 'changes.csv');
        const { signature: _old, ...body } = m;
        writeFileSync(path.join(d, 'manifest.json'), prettyCanonicalJson({ ...body, signature: signNote(manifestSigningText(body), loadSignerKey(keyFile)) }));
      };
      const ok = tamper('v1', (d) => v1(d));
      assert.equal(ok.ok, true, ok.problems.join('; '));
      const bad = tamper('v1-edited', (d) => v1(d, (csv) => csv.replace('flagged', 'pass')));
      assert.ok(bad.problems.includes('changes.csv differs from what the log entries say'), bad.problems.join('; '));
    });
    it('an edited CSV row', () => {
      const r = tamper('csv', (d) => edit(d, 'approvals.csv', 'alice@bank.example', 'bob@bank.example'));
      assert.equal(r.ok, false);
      assert.ok(r.problems.includes('approvals.csv does not match its SHA-256 in the manifest'), r.problems.join('; '));
    });
    it('an edited CSV with its hash updated in the manifest', () => {
      const r = tamper('csv-rehash', (d) => {
        edit(d, 'changes.csv', 'flagged', 'pass');
        rehash(d, 'changes.csv');
      });
      assert.ok(r.problems.includes('manifest.json was changed after it was signed (signed hash differs)'), r.problems.join('; '));
      assert.ok(r.problems.includes('changes.csv differs from what the log entries say'), r.problems.join('; '));
    });
    it('a removed entry (hash updated)', () => {
      const r = tamper('entry', (d) => {
        const p = path.join(d, 'entries.jsonl');
        const lines = readFileSync(p, 'utf8').split('\n');
        lines.splice(5, 1);
        writeFileSync(p, lines.join('\n'));
        rehash(d, 'entries.jsonl');
      });
      assert.ok(
        r.problems.some((p) => /entries\.jsonl has 6 entries/.test(p)),
        r.problems.join('; '),
      );
      assert.ok(
        r.problems.some((p) => /do not produce the end checkpoint root/.test(p)),
        r.problems.join('; '),
      );
    });
    it('an added file and a deleted file', () => {
      const r = tamper('files', (d) => {
        writeFileSync(path.join(d, 'extra.csv'), 'x\r\n');
        rmSync(path.join(d, 'exceptions.csv'));
      });
      assert.ok(r.problems.includes('extra.csv is not listed in the manifest (added after export)'));
      assert.ok(r.problems.includes('exceptions.csv is missing'));
    });
    it('a bundle signed by another key', () => {
      const other = path.join(dir, 'other-keys', 'k');
      writeKeyPair(other);
      const r = verifyBundle({ dir: w47, trustedKeys: [loadVerifierKey(other + '.pub')] });
      assert.equal(r.ok, false);
      assert.ok(
        r.problems.some((p) => /manifest signature: not signed by a trusted key/.test(p)),
        r.problems.join('; '),
      );
    });
    it('a previous bundle that is not the one this bundle chains to', () => {
      const r = tamper('prev', () => undefined, w47);
      assert.ok(
        r.problems.some((p) => /previous bundle manifest hash does not match/.test(p)),
        r.problems.join('; '),
      );
      assert.ok(
        r.problems.some((p) => /not contiguous/.test(p)),
        r.problems.join('; '),
      );
    });
    it('a re-signed bundle from a rewritten log chained to the real previous bundle (same size, other root)', async () => {
      // The key holder rewrites the first week, exports from the forked log and points the new
      // bundle at the genuine previous bundle: sizes line up, only the roots tell the fork apart.
      const forkLog = await openAuditLog({ location: path.join(dir, 'fork.db'), keyFile, origin: 'bank.example/audit', notice: () => undefined });
      try {
        await forkLog.appendMany([
          {
            kind: 'run_started',
            run_id: 'r1',
            command: 'review',
            repo: 'bank/payments',
            base: 'main',
            head: H1,
            change_hash: CH1,
            ci_run: 'gh-999',
            time: '2026-11-10T09:00:00.000Z',
          },
          { kind: 'stage_finished', run_id: 'r1', stage: 'style', status: 'ok', duration_ms: 1000, time: '2026-11-10T09:00:02.000Z' },
          { kind: 'gate_decision', run_id: 'r1', flagged: false, reasons: [], zones: [], change_hash: CH1, time: '2026-11-10T09:00:03.000Z' },
          { kind: 'run_finished', run_id: 'r1', status: 'pass', exit_code: 0, duration_ms: 3000, time: '2026-11-10T09:00:04.000Z' },
          { kind: 'deploy', commit: H2, env: 'prod', actor: 'ci', time: '2026-11-17T11:00:00.000Z' },
        ]);
        const f46 = path.join(dir, 'fork-w46');
        const f47 = path.join(dir, 'fork-w47');
        await exportBundle({
          log: forkLog,
          period: isoWeekPeriod('2026-W46'),
          outDir: f46,
          signer,
          generatorVersion: '0.1.0',
        });
        await exportBundle({
          log: forkLog,
          period: isoWeekPeriod('2026-W47'),
          outDir: f47,
          signer,
          generatorVersion: '0.1.0',
          previousDir: f46,
        });
        const real46 = JSON.parse(readFileSync(path.join(w46, 'manifest.json'), 'utf8')) as Manifest;
        const fork46 = JSON.parse(readFileSync(path.join(f46, 'manifest.json'), 'utf8')) as Manifest;
        assert.equal(fork46.log.end.size, real46.log.end.size);
        assert.notEqual(fork46.log.end.root, real46.log.end.root);
        const m = JSON.parse(readFileSync(path.join(f47, 'manifest.json'), 'utf8')) as Manifest;
        const { signature: _sig, ...body } = m;
        body.previous = { ...body.previous!, manifest_sha256: sha(w46, 'manifest.json') };
        writeFileSync(
          path.join(f47, 'manifest.json'),
          prettyCanonicalJson({ ...body, signature: signNote(manifestSigningText(body), loadSignerKey(keyFile)) }),
        );
        assert.equal(verifyBundle({ dir: f47, trustedKeys: trusted }).ok, true);
        const r = verifyBundle({ dir: f47, trustedKeys: trusted, previousDir: w46 });
        assert.equal(r.ok, false);
        assert.ok(
          r.problems.some((p) => /previous bundle's end root/.test(p)),
          r.problems.join('; '),
        );
      } finally {
        await forkLog.close();
      }
    });
  });
});
