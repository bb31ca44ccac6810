import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { defaultReviewConfig } from '../../src/review/config.js';
import { planCoverage } from '../../src/review/coverage.js';
import { fingerprint, findingSchema } from '../../src/protocol/findings.js';
import { decide } from '../../src/domain/verdict.js';
import { renderReport } from '../../src/review/render.js';
import { FINGERPRINT_KEY, renderSarif } from '../../src/review/render-sarif.js';
import { renderTerminal, shouldColor } from '../../src/review/render-terminal.js';
import { renderVerbose } from '../../src/review/render-verbose.js';
import { colorMode } from '../../src/domain/terminal.js';
import { buildReport, type ReviewReport } from '../../src/review/report.js';
import { PR_BODY_SOURCE } from '../../src/domain/untrusted.js';
import { changeOf, finding } from './helpers.js';

const config = defaultReviewConfig();

function report(
  findings = [finding()],
  gate: { flagged: boolean; reasons: { kind: string; message: string }[] } | null = null,
  errors: string[] = [],
): Promise<ReviewReport> {
  const change = changeOf({ 'src/pay.py': ['def pay(amount):', '    charge(amount)', '    return True'] });
  const decision = decide({ findings, config, gate, errors, change });
  return buildReport({
    runId: 'run-1',
    change,
    decision,
    gate: gate ? { ...gate, paths: [], zones: [] } : null,
    coverage: planCoverage(change, { config }).record,
    maxFindings: config.max_findings,
  });
}

const schema = JSON.parse(readFileSync(path.join(packageRoot, 'test/fixtures/sarif-schema-2.1.0-rtm.5.json'), 'utf8')) as object;
// ajv-draft-04 is CommonJS with `exports.default`; the rtm.5 schema has a language-tag pattern that is
// only valid as a non-unicode RegExp, hence unicodeRegExp: false.
const Ajv = AjvDraft04.default;
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validateSarif = ajv.compile(schema);

describe('fingerprint', () => {
  it('survives line moves and whitespace, changes with the line content or category', () => {
    const f = finding({ line: 10, message: 'Amount  is not validated (line 10)' });
    const moved = finding({ line: 57, message: 'amount is not validated (line 57)' });
    assert.equal(fingerprint(f, '    charge(amount)'), fingerprint(moved, 'charge(amount)   '));
    assert.notEqual(fingerprint(f, 'charge(amount)'), fingerprint(f, 'charge(amount * 2)'));
    assert.notEqual(fingerprint(f, 'x'), fingerprint({ ...f, category: 'correctness' }, 'x'));
    assert.notEqual(fingerprint(f, 'x'), fingerprint({ ...f, file: 'src/other.py' }, 'x'));
  });

  it('rejects malformed findings', () => {
    assert.equal(findingSchema.safeParse(finding({ confidence: 1.5 })).success, false);
    assert.equal(findingSchema.safeParse({ ...finding(), severity: 'urgent' }).success, false);
    assert.equal(findingSchema.safeParse(finding({ line: 5, endLine: 3 })).success, false);
    assert.equal(findingSchema.safeParse({ ...finding(), extra: 1 }).success, false);
  });
});

describe('decide', () => {
  it('passes with no findings, blocks at fail_on, and needs approval when the gate flags', () => {
    assert.equal(decide({ findings: [], config, gate: null, errors: [] }).exitCode, 0);
    assert.equal(decide({ findings: [finding({ severity: 'medium' })], config, gate: null, errors: [] }).exitCode, 0);
    assert.equal(decide({ findings: [finding({ severity: 'high' })], config, gate: null, errors: [] }).exitCode, 1);
    assert.equal(decide({ findings: [finding({ severity: 'medium' })], config: { ...config, fail_on: 'medium' }, gate: null, errors: [] }).exitCode, 1);
    assert.equal(decide({ findings: [finding({ severity: 'critical' })], config: { ...config, fail_on: 'none' }, gate: null, errors: [] }).exitCode, 0);
    const gate = { flagged: true, reasons: [{ message: 'app.approve_loan reaches util.round' }] };
    const d = decide({ findings: [finding({ severity: 'low' })], config, gate, errors: [] });
    assert.equal(d.exitCode, 2);
    assert.equal(d.outcome, 'approval_required');
    assert.match(d.reasons.join('\n'), /approve_loan/);
  });

  it('fails closed on any pipeline error, whatever the findings', () => {
    const d = decide({ findings: [], config, gate: { flagged: false, reasons: [] }, errors: ['provider anthropic: HTTP 529'] });
    assert.equal(d.exitCode, 5);
    assert.equal(d.outcome, 'error');
    const s = decide({
      findings: [finding({ severity: 'critical' })],
      config,
      gate: null,
      errors: ['stage x failed'],
      sandboxErrors: ['Landlock unavailable'],
    });
    assert.equal(s.exitCode, 4);
    assert.match(s.reasons[0]!, /sandbox cannot be enforced: Landlock unavailable/);
  });

  it('applies confidence, block-list and opt-in categories, but never filters Bulwark’s own findings', () => {
    const findings = [
      finding({ severity: 'critical', confidence: 0.2 }),
      finding({ severity: 'low', category: 'secrets', message: 'token in code' }),
      finding({ severity: 'info', category: 'style', message: 'naming' }),
      finding({ file: PR_BODY_SOURCE, line: 0, category: 'prompt-injection', severity: 'high', confidence: 1, stage: 'bulwark', message: 'injection' }),
    ];
    const d = decide({ findings, config: { ...config, min_confidence: 0.5, block_categories: ['secrets'] }, gate: null, errors: [] });
    assert.equal(d.counts.belowConfidence, 1);
    assert.equal(d.counts.optInDropped, 1);
    assert.deepEqual(
      d.findings.map((f) => [f.category, f.blocking]),
      [
        ['prompt-injection', true],
        ['secrets', true],
      ],
    );
    assert.equal(d.exitCode, 1);
    const withStyle = decide({ findings, config: { ...config, enable_categories: ['style'] }, gate: null, errors: [] });
    assert.ok(withStyle.findings.some((f) => f.category === 'style'));
  });

  it('de-duplicates the same finding reported by two stages and sorts most severe first', () => {
    const d = decide({
      findings: [
        finding({ severity: 'low', message: 'b' }),
        finding({ stage: 'a', message: 'same' }),
        finding({ stage: 'b', message: 'same', severity: 'critical' }),
      ],
      config,
      gate: null,
      errors: [],
    });
    assert.equal(d.counts.duplicates, 1);
    assert.deepEqual(
      d.findings.map((f) => f.severity),
      ['critical', 'low'],
    );
  });
});

describe('renderers', () => {
  it('produce SARIF 2.1.0 that validates against the official schema, with partialFingerprints', async () => {
    const r = await report([
      finding(),
      finding({
        file: 'src/dir with space/é.py',
        line: 3,
        endLine: 4,
        severity: 'medium',
        category: 'correctness',
        message: 'Off by one',
        ruleId: 'py/off-by-one',
      }),
      finding({ file: PR_BODY_SOURCE, line: 0, category: 'prompt-injection', stage: 'bulwark', confidence: 1, message: 'injection' }),
    ]);
    const sarif = JSON.parse(renderSarif(r)) as {
      runs: {
        results: {
          partialFingerprints: Record<string, string>;
          locations?: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[];
          level: string;
        }[];
      }[];
    };
    const ok = validateSarif(sarif);
    assert.ok(ok, JSON.stringify(validateSarif.errors?.slice(0, 3)));
    const results = sarif.runs[0]!.results;
    assert.equal(results.length, 3);
    for (const res of results) assert.match(res.partialFingerprints[FINGERPRINT_KEY]!, /^v1:[0-9a-f]{32}$/);
    const spaced = results.find((x) => x.locations?.[0]?.physicalLocation.artifactLocation.uri.includes('space'));
    assert.equal(spaced!.locations![0]!.physicalLocation.artifactLocation.uri, 'src/dir%20with%20space/%C3%A9.py');
    assert.equal(spaced!.level, 'warning');
    assert.ok(
      results.some((x) => x.locations === undefined),
      'PR-description findings carry no file location',
    );
    const props = (sarif.runs[0] as unknown as { properties: { coverage: { files: { path: string; state: string }[] } } }).properties;
    assert.deepEqual(props.coverage.files, [{ path: 'src/pay.py', state: 'reviewed' }]);
  });

  it('keeps SARIF within GitHub limits (25,000 results, 10 MB gzip) and counts what it dropped', async () => {
    // letters only: fingerprints normalise digits away, and these must stay distinct
    const letters = (i: number): string => (i < 26 ? '' : letters(Math.floor(i / 26) - 1)) + String.fromCharCode(97 + (i % 26));
    const many = Array.from({ length: 26_000 }, (_, i) => finding({ line: 1, message: `finding ${letters(i)}` }));
    const r = await report(many);
    assert.equal(r.findings.length, 26_000);
    const text = renderSarif(r);
    const sarif = JSON.parse(text) as { runs: { results: unknown[]; properties: { resultsOmitted: number } }[] };
    assert.equal(sarif.runs[0]!.results.length, 25_000);
    assert.equal(sarif.runs[0]!.properties.resultsOmitted, 1_000);
    // a tight size limit forces halving until it fits
    const small = renderSarif(r, 50_000);
    assert.ok(gzipSync(small).length <= 50_000);
    const parsed = JSON.parse(gunzipSync(gzipSync(small)).toString()) as { runs: { results: unknown[]; properties: { resultsOmitted: number } }[] };
    assert.ok(parsed.runs[0]!.results.length < 25_000);
    assert.equal(parsed.runs[0]!.results.length + parsed.runs[0]!.properties.resultsOmitted, 26_000);
    assert.ok(validateSarif(parsed));
  });

  it('render JSON, Markdown and terminal with the decision, capped findings and coverage', async () => {
    const many = Array.from({ length: 15 }, (_, i) => finding({ message: `problem ${String.fromCharCode(97 + i)}`, severity: i === 14 ? 'critical' : 'low' }));
    const r = await report(many, { flagged: true, reasons: [{ kind: 'zone', message: 'touches zone payments' }] });
    const json = JSON.parse(renderReport(r, 'json')) as ReviewReport;
    assert.equal(json.schema, 'bulwark.review/v1');
    assert.equal(json.decision.exitCode, 1);
    assert.equal(json.findings.length, 15);
    assert.equal(json.findings[0]!.severity, 'critical');
    assert.equal(json.coverage.totals.files, 1);

    const md = renderReport(r, 'markdown');
    assert.match(md, /Bulwark review: blocking findings/);
    assert.match(md, /5 more finding\(s\) not shown \(max_findings = 10\)/);
    assert.match(md, /touches zone payments/);
    assert.match(md, /<summary>Coverage<\/summary>/);
    assert.ok(!md.includes('Partial review'), 'a complete review is not called partial');
    const clippedFiles = r.coverage.files.map((f, i) =>
      i === 0 ? { ...f, state: 'clipped' as const, reason: 'token budget exhausted after 1 of 2 hunk parts' } : f,
    );
    const partial = {
      ...r,
      coverage: { ...r.coverage, files: clippedFiles, complete: false, totals: { ...r.coverage.totals, reviewed: r.coverage.totals.reviewed - 1, clipped: 1 } },
    };
    assert.match(renderReport(partial, 'markdown'), /\*\*Partial review:\*\* 1 file was not reviewed in full/);
    assert.match(renderTerminal(partial, { color: false }), /PARTIAL REVIEW/);

    const term = renderTerminal(r, { color: false });
    assert.match(term, /BLOCKING FINDINGS \(exit 1\)/);
    assert.match(term, /… 5 more/);
    assert.ok(!term.includes('\u001b['), 'no colour when not asked');
    assert.ok(renderTerminal(r, { color: true }).includes('\u001b[31m') || renderTerminal(r, { color: true }).includes('\u001b[35m'));
  });

  it('colour only on a TTY and never with NO_COLOR', () => {
    assert.equal(shouldColor({ isTTY: true }, {}), true);
    assert.equal(shouldColor({ isTTY: false }, {}), false);
    assert.equal(shouldColor({ isTTY: true }, { NO_COLOR: '1' }), false);
  });

  it('one rule decides colour and redraw for every output: NO_COLOR, FORCE_COLOR, TERM=dumb', () => {
    const cases: [Record<string, string>, boolean, { color: boolean; redraw: boolean }][] = [
      [{}, true, { color: true, redraw: true }],
      [{}, false, { color: false, redraw: false }],
      [{ NO_COLOR: '1' }, true, { color: false, redraw: true }],
      // an empty NO_COLOR is unset; an empty or "0" FORCE_COLOR forces nothing
      [{ NO_COLOR: '' }, true, { color: true, redraw: true }],
      [{ FORCE_COLOR: '' }, false, { color: false, redraw: false }],
      [{ FORCE_COLOR: '0' }, false, { color: false, redraw: false }],
      [{ FORCE_COLOR: '1' }, false, { color: true, redraw: false }],
      [{ FORCE_COLOR: '1', NO_COLOR: 'yes' }, false, { color: false, redraw: false }],
      [{ TERM: 'dumb' }, true, { color: false, redraw: false }],
      [{ TERM: 'dumb', FORCE_COLOR: '3' }, true, { color: true, redraw: false }],
    ];
    for (const [env, tty, want] of cases) {
      assert.deepEqual(colorMode(env, tty), want, `${JSON.stringify(env)} tty=${tty}`);
      assert.equal(shouldColor({ isTTY: tty }, env), want.color, `shouldColor ${JSON.stringify(env)} tty=${tty}`);
    }
  });

  it('--verbose reports phase and stage timings, provider/model, tokens and every file of the coverage', async () => {
    const r = await report([finding({})]);
    const text = renderVerbose(
      {
        phases: [
          { name: 'change', ms: 120 },
          { name: 'pipeline', ms: 3400 },
        ],
        stages: [{ name: 'security', status: 'done', durationMs: 3300, provider: 'openai', model: 'gpt-x', tokens: 1234, findings: 1 }],
        tokensUsed: 1234,
        llmCalls: 3,
        totalMs: 3600,
      },
      r.coverage,
    );
    assert.match(text, /^timings: change 0\.12 s, pipeline 3\.40 s; total 3\.60 s$/m);
    assert.match(text, /^ {2}stage security: done in 3\.30 s · openai\/gpt-x · 1234 tokens · 1 finding$/m);
    assert.match(text, /^tokens: 1234 in 3 model calls$/m);
    assert.match(text, /^coverage: /m);
    for (const f of r.coverage.files) assert.ok(text.includes(f.path), f.path);
  });

  it('redact secrets and neutralise markup in every output', async () => {
    const secret = 'AKIAIOSFODNN7EXAMPLE';
    const r = await report([finding({ message: `Hard-coded key ${secret} <img src=x onerror=alert(1)> cc @octocat` })]);
    assert.equal(r.redactions['aws-access-key'], 1);
    for (const fmt of ['terminal', 'markdown', 'json', 'sarif'] as const) assert.ok(!renderReport(r, fmt).includes(secret), fmt);
    const md = renderReport(r, 'markdown');
    assert.ok(!md.includes('<img'));
    assert.ok(!md.includes('@octocat'));
    const term = renderTerminal(await report([finding({ message: 'evil \u001b[2J\u001b]0;title\u0007 text' })]), { color: false });
    assert.ok(!term.includes('\u001b'));
  });
});

describe('an incomplete review is never a pass', () => {
  const config = defaultReviewConfig();
  const clipped = [{ path: 'src/ledger.py', reason: 'token budget exhausted after 1 of 3 hunk parts' }];

  it('requires approval by default, and lists the files', () => {
    const d = decide({ findings: [], config, gate: null, errors: [], incomplete: { files: clipped, decide: 'approval' } });
    assert.equal(d.exitCode, 2);
    assert.equal(d.outcome, 'approval_required');
    assert.match(
      d.reasons.join('\n'),
      /approval required: incomplete review \(on_incomplete = approval\): 1 file was not reviewed in full: src\/ledger\.py \(token budget exhausted/,
    );
  });

  it('blocks with on_incomplete = "fail"', () => {
    const d = decide({ findings: [], config, gate: null, errors: [], incomplete: { files: clipped, decide: 'fail' } });
    assert.equal(d.exitCode, 1);
    assert.equal(d.outcome, 'blocking');
  });

  it('errors still win, and a complete review still passes', () => {
    assert.equal(decide({ findings: [], config, gate: null, errors: ['stage failed'], incomplete: { files: clipped, decide: 'approval' } }).exitCode, 5);
    assert.equal(decide({ findings: [], config, gate: null, errors: [], incomplete: { files: [], decide: 'fail' } }).exitCode, 0);
  });

  it('routine skips (lock, vendored, generated, binary) do not make a review incomplete; budget, deadline and size do', async () => {
    const { notFullyReviewed } = await import('../../src/review/coverage.js');
    const entry = (state: 'reviewed' | 'clipped' | 'skipped', reason?: string) => ({
      path: `f-${reason ?? state}`,
      status: 'modified' as const,
      class: 'source' as const,
      state,
      hunksTotal: 1,
      hunksReviewed: 0,
      tokens: 0,
      ...(reason ? { reason } : {}),
    });
    const files = [
      entry('reviewed'),
      entry('skipped', 'lock file'),
      entry('skipped', 'vendored'),
      entry('skipped', 'generated'),
      entry('skipped', 'binary file'),
      entry('skipped', 'matches an ignore pattern'),
      entry('skipped', 'metadata only (no content change)'),
      entry('skipped', 'token budget exhausted'),
      entry('skipped', 'hunk too large for one model context'),
      entry('skipped', 'run deadline reached before its chunk was reviewed'),
      entry('clipped', 'token budget exhausted after 1 of 2 hunk parts'),
    ];
    assert.deepEqual(
      notFullyReviewed(files).map((f) => f.reason),
      [
        'token budget exhausted',
        'hunk too large for one model context',
        'run deadline reached before its chunk was reviewed',
        'token budget exhausted after 1 of 2 hunk parts',
      ],
    );
  });
});
