import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Log } from 'sarif';
import AjvDraft04 from 'ajv-draft-04';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { defaultReviewConfig } from '../../src/review/config.js';
import { planCoverage } from '../../src/review/coverage.js';
import { decide } from '../../src/domain/verdict.js';
import { renderMarkdown } from '../../src/review/render-markdown.js';
import { buildSarif, renderSarif } from '../../src/review/render-sarif.js';
import { buildReport } from '../../src/review/report.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import type { Finding } from '../../src/protocol/findings.js';
import { changeOf, finding } from './helpers.js';

const config = defaultReviewConfig();

async function reportOf(findings: Finding[], pr: number | null = null, topology = 'payments-review') {
  const change = changeOf(
    { 'src/pay.py': ['def pay(amount):', '    charge(amount)', '    return True', 'x = 1'] },
    pr === null
      ? {}
      : {
          headSha: 'a'.repeat(40),
          pr: {
            provider: 'github',
            number: pr,
            title: 't',
            body: '',
            author: 'dev',
            htmlUrl: `https://github.com/acme/pay/pull/${pr}`,
            repository: 'acme/pay',
            baseRef: 'main',
            headRef: 'f',
            fromFork: false,
          },
        },
  );
  const decision = decide({ findings, config, gate: null, errors: [], change });
  return buildReport({ runId: `run-${pr ?? 0}`, topology, change, decision, gate: null, coverage: planCoverage(change, { config }).record, maxFindings: 10 });
}

// The OASIS rtm.5 schema (draft-04) and the SARIF SDK's 2.1.0 schema as shipped in the npm package
// @microsoft/sarif-multitool-linux 5.7.0 (draft 2020-12; it carries the later schema fixes, e.g.
// the language-tag pattern). No npm package ships the OASIS errata01 file itself.
const rtm5 = JSON.parse(readFileSync(path.join(packageRoot, 'test/fixtures/sarif-schema-2.1.0-rtm.5.json'), 'utf8')) as object;
const sdk = JSON.parse(readFileSync(path.join(packageRoot, 'test/fixtures/sarif-schema-2.1.0-sarif-multitool-5.7.0.json'), 'utf8')) as Record<string, unknown>;
const ajv4 = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv4);
const ajv2020 = new Ajv2020.default({ allErrors: true, strict: false });
addFormats.default(ajv2020);
const validators = { rtm5: ajv4.compile(rtm5), sdk: ajv2020.compile(sdk) };

function assertValid(log: unknown): void {
  for (const [name, v] of Object.entries(validators)) assert.ok(v(log), `${name}: ${JSON.stringify(v.errors?.slice(0, 3))}`);
}

describe('SARIF for GitHub code scanning', () => {
  it('uses a stable automationDetails category per topology, not per pull request', async () => {
    const a = buildSarif(await reportOf([finding()], 7));
    const b = buildSarif(await reportOf([finding()], 8));
    const idA = a.runs[0]!.automationDetails!.id!;
    const idB = b.runs[0]!.automationDetails!.id!;
    assert.equal(idA.slice(0, idA.lastIndexOf('/')), 'bulwark/payments-review');
    assert.equal(idB.slice(0, idB.lastIndexOf('/')), 'bulwark/payments-review');
    assert.doesNotMatch(idA, /pr-7/);
    assertValid(a);
  });

  it('gives each rule the highest security-severity and level of its results, and help text from the category', async () => {
    const log = buildSarif(
      await reportOf([
        finding({ line: 1, severity: 'high', message: 'Weak check one' }),
        finding({ line: 2, severity: 'critical', message: 'Card number logged' }),
        finding({ line: 3, severity: 'medium', category: 'correctness', message: 'Return value ignored' }),
      ]),
    );
    const rules = log.runs[0]!.tool.driver.rules!;
    const sec = rules.find((r) => r.id === 'bulwark/security')!;
    assert.equal(sec.properties!['security-severity'], '9.5');
    assert.equal(sec.defaultConfiguration!.level, 'error');
    assert.match(sec.help!.text, /weaken security/);
    assert.match(sec.help!.markdown!, /^\*\*Bulwark — security\*\*/);
    const cor = rules.find((r) => r.id === 'bulwark/correctness')!;
    assert.equal(cor.properties!['security-severity'], '5.5');
    assert.ok(cor.help!.text.length > 0);
    assertValid(log);
  });

  it('clamps lines to the file: at least 1, a line past the end points at the last line and says so', async () => {
    const log: Log = JSON.parse(
      renderSarif(
        await reportOf([
          finding({ line: 99, endLine: 120, message: 'Past the end' }),
          finding({ line: 2, endLine: 40, severity: 'medium', message: 'Long range' }),
          finding({ file: 'src/other.py', line: 500, severity: 'low', message: 'Unknown length' }),
        ]),
      ),
    ) as Log;
    const results = log.runs[0]!.results!;
    const region = (m: string) => results.find((r) => r.message.text!.startsWith(m))!.locations![0]!.physicalLocation!.region;
    assert.deepEqual(region('Past the end'), { startLine: 4 });
    const eof = results.find((r) => r.message.text!.startsWith('Past the end'))!;
    assert.match(eof.message.text!, /reported at line 99, beyond the end of the file \(4 lines\); shown at its last line/);
    assert.equal(eof.properties!.reportedLine, 99);
    assert.deepEqual(region('Long range'), { startLine: 2, endLine: 4 });
    // a file the change does not show whole: its length is unknown, the line is kept
    assert.deepEqual(region('Unknown length'), { startLine: 500 });
    assert.equal(log.$schema, 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json');
    assertValid(log);
  });

  it('shows a finding beyond the end of a file in the Markdown summary, with a note', async () => {
    const md = renderMarkdown(await reportOf([finding({ line: 99, message: 'Past the end' })]));
    assert.match(md, /`src\/pay.py:99` \| security \| Past the end _\(line 99 is beyond the end of the file \(4 lines\)\)_/);
  });
});
