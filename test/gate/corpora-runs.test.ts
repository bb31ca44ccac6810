/**
 * The same decision however the gate is run, on real projects: along consecutive commits of each
 * corpus (../shared/corpora), `bulwark gate --json` with a cache carried from commit to commit, and
 * through a resident gate, prints what a run with no cache prints, byte for byte, with the same
 * exit code. The first labelled head of each corpus and the four first-parent commits before it
 * give four steps in history order, then one jump back over all of them (a cache filled out of
 * order). CI has the corpora beside its checkout and must run this.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadCorpora } from '../../bench/gate/corpora.js';
import { corporaOrSkip } from './corpora-present.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';

const bin = path.join(packageRoot, 'bin', 'bulwark.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'bulwark-corpora-runs-'));
// a runtime folder of its own: these resident gates are nobody else's
const env = { ...process.env, XDG_RUNTIME_DIR: path.join(work, 'run') };
mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });

function git(repo: string, ...args: string[]): string {
  const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function gate(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [bin, 'gate', '--json', ...args], { encoding: 'utf8', env, maxBuffer: 256 << 20 });
  assert.equal(r.stderr, '', `bulwark gate ${args.join(' ')} wrote to stderr`);
  assert.ok(r.status === 0 || r.status === 2, `bulwark gate ${args.join(' ')} exited ${r.status}`);
  return { code: r.status, out: r.stdout };
}

describe('gate on the real-code corpora: cold, warm and resident runs decide alike', () => {
  after(() => rmSync(work, { recursive: true, force: true }));
  const dir = corporaOrSkip();
  if (!dir) return;
  for (const corpus of loadCorpora(dir)) {
    it(`${corpus.name}: four consecutive commits and a jump back`, () => {
      // a work tree (a resident gate serves one) over the corpus's objects, its files never read:
      // the gate reads commits. The corpora are shallow, which a clone of them may refuse.
      const repo = path.join(work, corpus.name);
      git(work, 'init', '-q', repo);
      writeFileSync(path.join(repo, '.git', 'objects', 'info', 'alternates'), `${path.join(corpus.repo, 'objects')}\n`);
      if (existsSync(path.join(corpus.repo, 'shallow'))) copyFileSync(path.join(corpus.repo, 'shallow'), path.join(repo, '.git', 'shallow'));
      const commits = git(repo, 'rev-list', '--first-parent', '-n', '5', corpus.cases[0]!.head).split('\n').reverse();
      assert.equal(commits.length, 5);
      const steps: [string, string][] = commits.slice(1).map((c, i) => [commits[i]!, c]);
      steps.push([commits[0]!, commits[4]!]);
      const warmCache = path.join(work, `${corpus.name}-warm`);
      const residentCache = path.join(work, `${corpus.name}-resident`);
      try {
        for (const [base, head] of steps) {
          const common = ['--repo', repo, '--base', base, '--head', head, '--config', corpus.config];
          const cold = gate([...common, '--no-cache']);
          const at = `${corpus.name} ${base.slice(0, 10)}..${head.slice(0, 10)}`;
          const warm = gate([...common, '--cache-dir', warmCache]);
          assert.equal(warm.code, cold.code, `${at}: warm exit code`);
          assert.equal(warm.out, cold.out, `${at}: warm output`);
          const resident = gate([...common, '--cache-dir', residentCache, '--resident']);
          assert.equal(resident.code, cold.code, `${at}: resident exit code`);
          assert.equal(resident.out, cold.out, `${at}: resident output`);
        }
      } finally {
        spawnSync(process.execPath, [bin, 'gate', 'resident', 'stop', '--repo', repo], { env });
      }
    });
  }
});
