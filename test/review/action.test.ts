import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { defaultReviewConfig } from '../../src/review/config.js';
import { decide } from '../../src/domain/verdict.js';
import { planCoverage } from '../../src/review/coverage.js';
import { buildReport } from '../../src/review/report.js';
import { changeOf, finding } from './helpers.js';

/** Text of every `run:` script block (indented continuation lines after `run: |`, or the one-liner). */
function runBlocks(yaml: string): string[] {
  const lines = yaml.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:- )?run:\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    if (m[2] !== '|' && m[2] !== '>') {
      out.push(m[2]!);
      continue;
    }
    const indent = m[1]!.length;
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i]!.trim() === '' || lines[i]!.search(/\S/) > indent); i++) body.push(lines[i]!);
    i--;
    out.push(body.join('\n'));
  }
  return out;
}

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  if?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}
interface ActionYaml {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}
interface WorkflowYaml {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}

const actionText = readFileSync(path.join(packageRoot, 'action.yml'), 'utf8');
const workflowText = readFileSync(path.join(packageRoot, 'examples/github/bulwark-review.yml'), 'utf8');
const action = parseYaml(actionText) as ActionYaml;
const workflow = parseYaml(workflowText) as WorkflowYaml;
const steps = action.runs.steps;
const step = (id: string): Step => {
  const s = steps.find((x) => x.id === id);
  assert.ok(s, `action.yml has no step with id ${id}`);
  return s;
};
const workflowSteps = Object.values(workflow.jobs).flatMap((j) => j.steps);

/** The placeholder adopters replace with the Bulwark commit they reviewed (documented in the workflow's header). */
const BULWARK_PLACEHOLDER = 'your-org/bulwark@BULWARK_COMMIT_SHA';

/** Every `uses:` value that is not pinned to a full 40-hex commit SHA. */
function unpinned(all: Step[]): string[] {
  return all
    .map((s) => s.uses)
    .filter((u): u is string => u !== undefined && u !== BULWARK_PLACEHOLDER && !/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/.test(u));
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-action-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Runs one `run:` step as the runner does (bash -eo pipefail), with the step's `env:` expressions
 * `${{ inputs.x }}` replaced by the given inputs (or the input's default).
 */
function runStep(
  s: Step,
  opts: { inputs?: Record<string, string>; env?: Record<string, string>; cwd?: string },
): { code: number | null; stdout: string; stderr: string; output: string } {
  const outFile = path.join(mkdtempSync(path.join(tmp, 'out-')), 'github_output');
  writeFileSync(outFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GITHUB_OUTPUT: outFile,
    RUNNER_TEMP: mkdtempSync(path.join(tmp, 'runner-')),
    ...opts.env,
  };
  for (const [k, v] of Object.entries(s.env ?? {})) {
    const m = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(v);
    assert.ok(m, `step env ${k} is not a plain input: ${v}`);
    env[k] = opts.inputs?.[m[1]!] ?? action.inputs[m[1]!]!.default ?? '';
  }
  const script = path.join(tmp, `step-${Math.random().toString(16).slice(2)}.sh`);
  writeFileSync(script, s.run!);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { env, cwd: opts.cwd ?? tmp, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, output: readFileSync(outFile, 'utf8') };
}

/** name=value lines of $GITHUB_OUTPUT. */
const outputsOf = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

/**
 * An action folder whose CLI is a stub: it records its arguments and environment, writes the
 * output and result files it is asked for (the result as the real report builder makes it) and
 * exits with the given code. The output-extraction script is the real one.
 */
async function fakeActionPath(exitCode: number, opts: { writeResult: boolean }): Promise<{ dir: string; calls: string }> {
  const dir = mkdtempSync(path.join(tmp, 'action-'));
  mkdirSync(path.join(dir, 'bin'));
  mkdirSync(path.join(dir, 'scripts'));
  cpSync(path.join(packageRoot, 'scripts/action-outputs.mjs'), path.join(dir, 'scripts/action-outputs.mjs'));
  const config = defaultReviewConfig();
  const change = changeOf({ 'src/pay.py': ['def pay(amount):', '    charge(amount)'] });
  const findings = [finding({ line: 1 }), finding({ line: 2, severity: 'low', message: 'another' })];
  const gate = { flagged: true, reasons: [{ kind: 'zone', message: 'payments zone' }] };
  const report = await buildReport({
    runId: 'review-20260101T000000-1a2b3c4d',
    change,
    decision: decide({ findings, config, gate, errors: [], change }),
    gate: { ...gate, paths: [], zones: ['payments'] },
    coverage: planCoverage(change, { config }).record,
    maxFindings: config.max_findings,
  });
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report));
  const calls = path.join(dir, 'calls.jsonl');
  writeFileSync(
    path.join(dir, 'bin/bulwark.js'),
    `import { appendFileSync, copyFileSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const env = Object.fromEntries(['BULWARK_AUDIT_KEY', 'BULWARK_PROVIDER', 'BULWARK_MODEL', 'GITHUB_TOKEN'].filter((k) => k in process.env).map((k) => [k, process.env[k]]));
appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ args, env }) + '\\n');
const at = (f) => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
if (${opts.writeResult} && at('--output')) writeFileSync(at('--output'), '{"version":"2.1.0"}');
if (${opts.writeResult} && at('--result')) copyFileSync(${JSON.stringify(path.join(dir, 'report.json'))}, at('--result'));
if (args[0] === 'sandbox') console.log('result: a layer is not enforced');
process.exit(${exitCode});
`,
  );
  return { dir, calls };
}
const callsOf = (file: string): { args: string[]; env: Record<string, string> }[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { args: string[]; env: Record<string, string> })
    : [];

describe('GitHub Action and documented workflow', () => {
  it('action.yml runs the CLI from the action path and never splices expressions into scripts', async () => {
    assert.equal(action.runs.using, 'composite');
    assert.match(actionText, /node "\$GITHUB_ACTION_PATH\/bin\/bulwark\.js"/);
    const scripts = runBlocks(actionText);
    assert.ok(scripts.length >= 3);
    for (const s of scripts) assert.ok(!s.includes('${{'), `expression inside a run script: ${s}`);
    for (const s of steps.filter((x) => x.run)) assert.equal(s.shell, 'bash', `${s.name ?? s.id}: composite run steps need a shell`);
  });

  it('pins every action in action.yml and the workflow to a full commit SHA, with the release in a comment', async () => {
    assert.deepEqual(unpinned(steps), []);
    assert.deepEqual(unpinned(workflowSteps), []);
    for (const line of [...actionText.split('\n'), ...workflowText.split('\n')].filter((l) => /^\s*(- )?uses:/.test(l) && !l.includes(BULWARK_PLACEHOLDER))) {
      assert.match(line, /@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, line);
    }
    // the check itself catches a tag, a branch and a short SHA
    assert.deepEqual(
      unpinned([
        { uses: 'actions/cache@v4' },
        { uses: 'a/b@main' },
        { uses: 'a/b@5a3ec84' },
        { uses: 'github/codeql-action/upload-sarif@ff0a06e83cb2de871e5a09832bc6a81e7276941f' },
      ]),
      ['actions/cache@v4', 'a/b@main', 'a/b@5a3ec84'],
    );
  });

  it('declares the inputs (config, provider, model, audit-key, mode) and the outputs read from the result', async () => {
    for (const i of [
      'config',
      'provider',
      'model',
      'audit-key',
      'mode',
      'github-token',
      'repo',
      'fail-on',
      'min-confidence',
      'audit-db',
      'sarif-file',
      'publish',
      'force',
      'node-version',
    ]) {
      assert.ok(action.inputs[i]?.description, `input ${i}`);
    }
    for (const o of ['run-id', 'findings-count', 'gate', 'exit-code', 'sarif-file']) {
      assert.equal(action.outputs[o]?.value, `\${{ steps.review.outputs.${o} }}`, `output ${o}`);
    }
    const review = step('review');
    assert.equal(review.env?.BULWARK_AUDIT_KEY_INPUT, '${{ inputs.audit-key }}');
    assert.match(review.run!, /export BULWARK_AUDIT_KEY="\$BULWARK_AUDIT_KEY_INPUT"/);
  });

  it('installs once per lockfile, native sources, sources, OS/arch and Node version: restore, install only on a miss, save', async () => {
    const restore = step('cache');
    assert.match(restore.uses!, /^actions\/cache\/restore@[0-9a-f]{40}$/);
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save@'));
    assert.ok(save);
    for (const s of [restore, save]) {
      assert.equal(s.with?.key, '${{ steps.key.outputs.key }}');
      const paths = (s.with?.path ?? '').trim().split('\n');
      assert.deepEqual(paths, ['${{ github.action_path }}/node_modules', '${{ github.action_path }}/build', '${{ github.action_path }}/dist']);
    }
    const install = steps.filter((s) => s.run?.includes('npm ci'));
    assert.equal(install.length, 1);
    assert.equal(install[0]!.if, "steps.cache.outputs.cache-hit != 'true'");
    assert.equal(save.if, "steps.cache.outputs.cache-hit != 'true'");
    const order = steps.map((s) => s.id ?? s.uses ?? s.name);
    assert.ok(
      order.indexOf('key') < order.indexOf('cache') && order.indexOf('cache') < steps.indexOf(install[0]!) && steps.indexOf(install[0]!) < steps.indexOf(save),
    );
  });

  it('the cache key step hashes what the install depends on and names OS, arch and Node version', async () => {
    const copy = mkdtempSync(path.join(tmp, 'pkg-'));
    for (const f of ['package.json', 'package-lock.json', 'binding.gyp', 'tsconfig.json', 'native', 'src', 'scripts'])
      cpSync(path.join(packageRoot, f), path.join(copy, f), { recursive: true });
    const env = { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64' };
    const key = (): string => {
      const r = runStep(step('key'), { env, cwd: copy });
      assert.equal(r.code, 0, r.stderr);
      return outputsOf(r.output).key!;
    };
    const first = key();
    assert.match(first, new RegExp(`^bulwark-install-Linux-X64-node${process.versions.node.replace(/\./g, '\\.')}-[0-9a-f]{40}$`));
    assert.equal(key(), first, 'stable');
    for (const f of ['native/launcher.c', 'binding.gyp', 'package-lock.json', 'src/cli/main.ts']) {
      appendFileSync(path.join(copy, f), '\n');
      const changed = key();
      assert.notEqual(changed, first, `${f} changes the key`);
    }
  });

  it('the review step passes inputs as flags and variables and sets exit-code, run-id, findings-count, gate and sarif-file', async () => {
    const fake = await fakeActionPath(2, { writeResult: true });
    const sarif = path.join(tmp, 'out.sarif');
    const r = runStep(step('review'), {
      inputs: {
        config: 'ci/bulwark.toml',
        provider: 'openai',
        model: 'm-1',
        'audit-key': 'KEY-MATERIAL',
        'sarif-file': sarif,
        'github-token': 'ghs_x',
        repo: '/work/repo',
      },
      env: { GITHUB_ACTION_PATH: fake.dir, GITHUB_RUN_ID: '42' },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.deepEqual(outputsOf(r.output), {
      'exit-code': '2',
      'run-id': 'review-20260101T000000-1a2b3c4d',
      'findings-count': '2',
      gate: 'flagged',
      'sarif-file': sarif,
    });
    const [call] = callsOf(fake.calls);
    assert.ok(call);
    assert.deepEqual(call.args.slice(0, 7), ['review', '--repo', '/work/repo', '--format', 'sarif', '--output', sarif]);
    assert.equal(call.args[7], '--result');
    assert.deepEqual(call.args.slice(9), ['--config', 'ci/bulwark.toml', '--github']);
    assert.deepEqual(call.env, { BULWARK_AUDIT_KEY: 'KEY-MATERIAL', BULWARK_PROVIDER: 'openai', BULWARK_MODEL: 'm-1', GITHUB_TOKEN: 'ghs_x' });
  });

  it("empty inputs leave the job's variables alone; a skipped review leaves the result outputs empty", async () => {
    const fake = await fakeActionPath(0, { writeResult: false });
    const r = runStep(step('review'), {
      inputs: { publish: 'false', 'sarif-file': path.join(tmp, 'none.sarif'), 'github-token': 'ghs_y' },
      env: { GITHUB_ACTION_PATH: fake.dir, BULWARK_MODEL: 'from-the-job' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(outputsOf(r.output), { 'exit-code': '0' });
    const [call] = callsOf(fake.calls);
    assert.deepEqual(call!.env, { BULWARK_MODEL: 'from-the-job', GITHUB_TOKEN: 'ghs_y' });
    assert.ok(!call!.args.includes('--config') && !call!.args.includes('--github'));
  });

  it('the output script refuses a result that is not a Bulwark result, and never writes a second line for one value', async () => {
    const script = path.join(packageRoot, 'scripts/action-outputs.mjs');
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ schema: 'other' }));
    assert.equal(spawnSync(process.execPath, [script, bad]).status, 1);
    const sneaky = path.join(tmp, 'sneaky.json');
    writeFileSync(sneaky, JSON.stringify({ schema: 'bulwark.review/v1', runId: 'x\nexit-code=0', counts: { total: 1 }, gate: null }));
    const r = spawnSync(process.execPath, [script, sneaky], { encoding: 'utf8' });
    assert.equal(r.stdout, 'run-id=\nfindings-count=1\ngate=none\n');
  });

  it('mode: doctor runs `bulwark sandbox doctor` and fails the job with a clear message when the sandbox cannot be enforced', async () => {
    const doctor = steps.find((s) => s.run?.includes('sandbox doctor'))!;
    assert.equal(doctor.if, "inputs.mode == 'doctor'");
    assert.equal(step('review').if, "inputs.mode != 'doctor'");
    const fake = await fakeActionPath(4, { writeResult: false });
    const r = runStep(doctor, { env: { GITHUB_ACTION_PATH: fake.dir } });
    assert.equal(r.code, 4);
    assert.match(r.stdout, /^::error title=Bulwark sandbox::This runner cannot enforce Bulwark's sandbox/m);
    assert.deepEqual(callsOf(fake.calls)[0]!.args, ['sandbox', 'doctor']);
    const ok = await fakeActionPath(0, { writeResult: false });
    assert.equal(runStep(doctor, { env: { GITHUB_ACTION_PATH: ok.dir } }).code, 0);
  });

  it('the workflow is fork-safe: kernel check first, base checkout, head fetched as data, least privilege, one run per PR', async () => {
    assert.ok('pull_request_target' in workflow.on);
    const first = workflowSteps[0]!;
    assert.equal(first.uses, BULWARK_PLACEHOLDER);
    assert.equal(first.with?.mode, 'doctor');
    const checkout = workflowSteps.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    assert.equal(checkout.with?.ref, '${{ github.event.pull_request.base.sha }}');
    assert.equal(checkout.with?.['persist-credentials'], false);
    assert.ok(!/ref: .*head/.test(workflowText), 'the PR head is never checked out');
    assert.match(workflowText, /git fetch [^\n]*refs\/pull\/\$\{PR_NUMBER\}\/head/);
    assert.equal(workflow.permissions.contents, 'read');
    assert.ok(!/:\s*write-all|contents: write/.test(workflowText));
    assert.match(workflowText, /^concurrency:\n\s+group: .*pull_request\.number/m);
    for (const s of runBlocks(workflowText)) assert.ok(!s.includes('${{'), `expression inside a run script: ${s}`);
    const review = workflowSteps.find((s) => s.id === 'bulwark')!;
    assert.equal(review.with?.['audit-key'], '${{ secrets.BULWARK_AUDIT_KEY }}');
    // every input the workflow passes exists
    for (const s of workflowSteps.filter((x) => x.uses === BULWARK_PLACEHOLDER)) for (const k of Object.keys(s.with ?? {})) assert.ok(k in action.inputs, k);
  });
});
