import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReviewReport } from '../../src/review/report.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { scriptedReviewer } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/cli.js';

/**
 * The command-line conventions of `review` and `run`, through the real CLI: `--quiet`, `--verbose`,
 * `--result`, and files that cannot be read or written refused before any model call.
 */

describe('review and run: --quiet, --verbose, --result, and outputs checked before any model call', () => {
  let repo: GitRepo;
  let tmp: string;
  let llm: FakeServer;
  let env: NodeJS.ProcessEnv;
  let topology: string;
  let patch: string;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-cliconv-'));
    chmodSync(tmp, 0o755);
    repo = makeGitRepo('bulwark-cliconv-repo-');
    chmodSync(repo.dir, 0o755); // the sandboxed worker runs as another uid and reads the checkout
    repo.writeAll({
      'bulwark.toml': 'topology = "review/topology.toml"\n',
      'review/topology.toml': '[[pipeline.stages]]\nname = "security"\nprompt_file = "prompts/security.md"\n',
      'review/prompts/security.md': 'Review for security defects.\n',
      'src/app.js': 'export const a = 1;\n',
    });
    repo.commit('base');
    repo.checkout('feature', true);
    repo.write('src/app.js', 'export const a = 2;\n');
    repo.commit('change');
    topology = path.join(repo.dir, 'review/topology.toml');
    patch = path.join(tmp, 'change.diff');
    writeFileSync(patch, repo.git('diff', 'main', 'feature'));
    llm = await startFakeOpenAi({ respond: scriptedReviewer({ readFirst: false }), apiKey: 'sk-test' });
    env = {
      PATH: process.env.PATH,
      HOME: tmp,
      XDG_STATE_HOME: path.join(tmp, 'state'),
      XDG_CACHE_HOME: path.join(tmp, 'cache'),
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: llm.url,
      BULWARK_OLLAMA_URL: 'http://127.0.0.1:9',
    };
  });

  after(async () => {
    await llm.close();
    repo.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('an unwritable output or unreadable input exits 3 with one line naming the flag, before any model call, creating nothing', async () => {
    const missingDir = path.join(tmp, 'no-such-dir');
    const folder = path.join(tmp, 'a-folder');
    mkdirSync(folder);
    const db = path.join(tmp, 'never.db');
    const before = llm.requests.length;
    const cases: [string[], RegExp][] = [
      [
        ['review', '--repo', repo.dir, '--base', 'main', '--output', path.join(missingDir, 'out.json')],
        /^bulwark: --output \S+no-such-dir\/out\.json: cannot write: folder \S+no-such-dir does not exist\n$/,
      ],
      [['review', '--repo', repo.dir, '--base', 'main', '--result', folder], /^bulwark: --result \S+a-folder: cannot write: it is a folder\n$/],
      [
        ['review', '--repo', repo.dir, '--base', 'main', '--output', path.join(tmp, 'x.json'), '--result', path.join(tmp, 'x.json')],
        /^bulwark: --result \S+x\.json: the same file as --output\n$/,
      ],
      [['review', '--repo', repo.dir, '--diff', path.join(tmp, 'missing.diff')], /^bulwark: --diff \S+missing\.diff: cannot read: no such file\n$/],
      [
        ['review', '--repo', repo.dir, '--base', 'main', '--github-event', path.join(tmp, 'missing.json')],
        /^bulwark: --github-event \S+: cannot read: no such file\n$/,
      ],
      [
        ['run', '--topology', topology, '--input', patch, '--result', path.join(missingDir, 'result.json')],
        /^bulwark: --result \S+no-such-dir\/result\.json: cannot write: folder \S+ does not exist\n$/,
      ],
      [['run', '--topology', path.join(tmp, 'missing.toml'), '--input', patch], /^bulwark: --topology \S+missing\.toml: cannot read: no such file\n$/],
      [['run', '--topology', topology, '--input', path.join(tmp, 'missing.diff')], /^bulwark: --input \S+missing\.diff: cannot read: no such file\n$/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...args, '--audit-db', db], env);
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assert.equal(llm.requests.length, before, 'the model server received no request');
    assert.ok(!existsSync(missingDir), 'no folder was created');
    assert.ok(!existsSync(db), 'no audit log was opened');
    assert.ok(!existsSync(path.join(tmp, 'x.json')));
  });

  it('review --quiet prints only the result; --result holds the JSON result; --quiet with --verbose is a usage error', async () => {
    const result = path.join(tmp, 'review-result.json');
    const r = await runCli(
      ['review', '--repo', repo.dir, '--base', 'main', '--format', 'json', '--quiet', '--result', result, '--audit-db', path.join(tmp, 'q.db')],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    // the one notice --quiet keeps: the first run of a machine creating the audit signing key (its trusted key must be recorded)
    assert.equal(r.stderr.replace(/^bulwark: created audit signing key .*\n/, ''), '', 'no progress with --quiet');
    const printed = JSON.parse(r.stdout) as ReviewReport;
    const written = JSON.parse(readFileSync(result, 'utf8')) as ReviewReport;
    assert.deepEqual(written, printed);
    assert.match(written.runId, /^review-/);
    const both = await runCli(['review', '--repo', repo.dir, '--quiet', '--verbose'], env);
    assert.equal(both.code, 3);
    assert.match(both.stderr, /--quiet.*cannot be used with.*--verbose/);
  });

  it('review --verbose adds stage timings, provider/model, tokens and the coverage of every file', async () => {
    const r = await runCli(['review', '--repo', repo.dir, '--base', 'main', '--format', 'markdown', '--verbose', '--audit-db', path.join(tmp, 'v.db')], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^stage security: done in [\d.]+ s \(0 findings\) \[openai\/[^,\]]+, \d+ tokens\]$/m);
    assert.match(r.stderr, /^timings: change [\d.]+ s, configuration [\d.]+ s, gate [\d.]+ s, pipeline [\d.]+ s; total [\d.]+ s$/m);
    assert.match(r.stderr, /^ {2}stage security: done in [\d.]+ s · openai\/\S+ · [1-9]\d* tokens · 0 findings$/m);
    assert.match(r.stderr, /^tokens: [1-9]\d* in [1-9]\d* model calls?$/m);
    assert.match(r.stderr, /^coverage: 1 files: 1 reviewed/m);
    assert.match(r.stderr, /^ {2}reviewed +source +src\/app\.js/m);
    assert.doesNotMatch(r.stdout, /timings:/, 'the verbose report stays off the result');
  });

  it('run --quiet prints only the summary; run --verbose adds timings and tokens', async () => {
    const quiet = await runCli(
      ['run', '--topology', topology, '--input', patch, '--quiet', '--result', path.join(tmp, 'rq.json'), '--audit-db', path.join(tmp, 'rq.db')],
      env,
    );
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr.replace(/^bulwark: created audit signing key .*\n/, ''), '');
    assert.match(quiet.stdout, /Bulwark/);
    const verbose = await runCli(
      ['run', '--topology', topology, '--input', patch, '--verbose', '--result', path.join(tmp, 'rv.json'), '--audit-db', path.join(tmp, 'rv.db')],
      env,
    );
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, /^stage security: done .*\[openai\/\S+, \d+ tokens\]$/m);
    assert.match(verbose.stderr, /^result: /m);
    assert.match(verbose.stderr, /^timings: preparation [\d.]+ s, pipeline [\d.]+ s; total [\d.]+ s$/m);
    assert.match(verbose.stderr, /^tokens: [1-9]\d* in /m);
  });
});
