/**
 * End to end: `bulwark mutate` on fixture repositories in each language, the project's real test
 * runner (pytest, node:test after tsc, go test, javac + JUnit) run under the real sandbox launcher.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { auditEntries, runCli } from '../helpers/cli.js';
import type { MutationReport } from '../../src/mutation/index.js';
import { makeFixture, tempDir, type FixtureLanguage } from './fixtures.js';
import path from 'node:path';

const env = { ...process.env, BULWARK_AUDIT_DB: '' };

async function mutate(dir: string, extra: string[] = []): Promise<{ code: number | null; report: MutationReport; stderr: string }> {
  const r = await runCli(['mutate', '--repo', dir, '--base', 'HEAD~1', '--format', 'json', '--quiet', ...extra], env);
  let report: MutationReport;
  try {
    report = JSON.parse(r.stdout) as MutationReport;
  } catch {
    throw new Error(`no JSON report (exit ${r.code}): ${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

const ROUNDING_ONLY = 'operators = ["rounding"]\n';

describe('bulwark mutate, end to end in the sandbox', { concurrency: false }, () => {
  for (const lang of ['python', 'ts', 'go', 'java'] as FixtureLanguage[]) {
    it(`${lang}: weak tests leave the rounding mutant alive and it becomes a blocking finding`, async () => {
      const fx = makeFixture(lang, false, ROUNDING_ONLY);
      const { code, report } = await mutate(fx.dir);
      assert.equal(report.baseline.ok, true, report.baseline.detail);
      const rounding = report.outcomes.filter((o) => o.mutant.operator === 'rounding');
      assert.ok(rounding.length >= 1, JSON.stringify(report.outcomes));
      assert.ok(
        rounding.some((o) => o.status === 'survived'),
        JSON.stringify(rounding.map((o) => [o.mutant.replacement, o.status])),
      );
      const finding = report.findings.find((f) => f.category === 'test-strength' && f.ruleId === 'mutation/rounding');
      assert.ok(finding, JSON.stringify(report.findings));
      assert.equal(finding.severity, 'high'); // below min_score 0.8: raised to a blocking severity
      assert.ok(report.score !== null && report.score < 0.8);
      assert.equal(code, 1);
    });

    it(`${lang}: strong tests kill the rounding mutants`, async () => {
      const fx = makeFixture(lang, true, ROUNDING_ONLY);
      const { code, report } = await mutate(fx.dir);
      assert.equal(report.baseline.ok, true, report.baseline.detail);
      assert.ok(report.outcomes.length >= 1);
      assert.deepEqual(
        report.outcomes.map((o) => o.status),
        report.outcomes.map(() => 'killed'),
        JSON.stringify(report.outcomes.map((o) => [o.mutant.replacement, o.status, o.detail])),
      );
      assert.equal(report.score, 1);
      assert.deepEqual(report.findings, []);
      assert.equal(code, 0);
    });
  }

  it('python: every operator on the changed line; the run is one audit entry with counts and a details blob', async () => {
    const fx = makeFixture('python', false);
    const db = path.join(tempDir('bulwark-mut-audit-'), 'audit.db');
    const { code, report } = await mutate(fx.dir, ['--audit-db', db]);
    assert.equal(code, 1);
    const ops = new Set(report.outcomes.map((o) => o.mutant.operator));
    for (const op of ['rounding', 'scale', 'arithmetic', 'return-value']) assert.ok(ops.has(op as never), `no ${op} mutant: ${[...ops].join(', ')}`);
    assert.ok(report.outcomes.every((o) => o.mutant.file === 'ledger.py' && o.mutant.line === 5));
    const entries = await auditEntries(db);
    const runs = entries.filter((e) => e.kind === 'mutation_run');
    assert.equal(runs.length, 1);
    const e = runs[0]!;
    assert.ok(e.kind === 'mutation_run');
    assert.equal(e.killed, report.counts.killed);
    assert.equal(e.survived, report.counts.survived);
    assert.equal(e.blocking, true);
    assert.match(e.details_blob, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(
      entries.filter((x) => 'run_id' in x && x.run_id === e.run_id).map((x) => x.kind),
      ['run_started', 'mutation_run', 'run_finished'],
    );
  });

  it('a test command that reaches for the network fails inside the sandbox and is an error, not a kill', async () => {
    const fx = makeFixture('python', false, `test_command = "python3 -c 'import socket; socket.create_connection((\\"127.0.0.1\\", 9), timeout=2)'"\n`);
    const { code, report } = await mutate(fx.dir);
    assert.equal(report.baseline.ok, false);
    assert.match(report.baseline.detail ?? '', /Operation not permitted|PermissionError/);
    assert.equal(report.counts.killed, 0);
    assert.ok(report.counts.error >= 1);
    assert.ok(report.outcomes.every((o) => o.status === 'error'));
    assert.ok(report.findings.some((f) => f.category === 'mutation-error' && f.severity === 'high'));
    assert.equal(code, 1);
  });

  it('a test command that writes outside its scratch fails inside the sandbox and is an error, not a kill', async () => {
    const outside = path.join(tempDir('bulwark-mut-outside-'), 'written');
    const fx = makeFixture('python', false, `test_command = "python3 -m pytest -q -p no:cacheprovider && echo x > ${outside}"\n`);
    const { code, report } = await mutate(fx.dir);
    assert.equal(report.baseline.ok, false);
    assert.match(report.baseline.detail ?? '', /Permission denied|Read-only/);
    assert.equal(existsSync(outside), false);
    assert.equal(report.counts.killed, 0);
    assert.ok(report.outcomes.every((o) => o.status === 'error'));
    assert.equal(code, 1);
  });

  it('renders terminal, markdown and SARIF with the survivors', async () => {
    const fx = makeFixture('python', false, ROUNDING_ONLY);
    for (const [format, pattern] of [
      ['terminal', /survived\s+ledger\.py:5 rounding/],
      ['markdown', /\| survived \| ledger\.py:5 \| rounding \|/],
      ['sarif', /"ruleId": "mutation\/rounding"/],
    ] as const) {
      const r = await runCli(['mutate', '--repo', fx.dir, '--base', 'HEAD~1', '--format', format, '--quiet'], env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, pattern);
    }
  });
});
