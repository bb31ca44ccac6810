import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { knownWorkTreeTop } from '../../src/review/work-tree-top.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';

/** What git says the top of the work tree holding `dir` is (null: none). */
function gitTop(dir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const r = spawnSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', env });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
}

describe('the top of a git work tree, found without git', () => {
  let repo: GitRepo;
  let scratch: string;
  before(() => {
    repo = makeGitRepo('bulwark-top-');
    repo.write('src/deep/a.ts', 'export const a = 1;\n').commit('first');
    scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'bulwark-top-scratch-')));
  });
  after(() => {
    repo.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is what git says, from the top, a folder inside and through a symbolic link', () => {
    const top = realpathSync(repo.dir);
    const link = path.join(scratch, 'link');
    symlinkSync(path.join(repo.dir, 'src'), link);
    for (const dir of [repo.dir, path.join(repo.dir, 'src', 'deep'), link, path.join(link, 'deep')]) {
      assert.equal(knownWorkTreeTop(dir), top, dir);
      assert.equal(gitTop(dir), top, dir);
    }
  });

  it('is what git says in a linked work tree, whose .git is a file', () => {
    const wt = path.join(scratch, 'wt');
    repo.git('worktree', 'add', '-q', wt, '-b', 'side');
    assert.equal(knownWorkTreeTop(path.join(wt, 'src')), realpathSync(wt));
    assert.equal(gitTop(path.join(wt, 'src')), realpathSync(wt));
  });

  it('leaves git to answer wherever finding it by the folders could be wrong', () => {
    // each case with what git answers there, where the nearest .git would have been wrong
    const cases: [string, () => string, NodeJS.ProcessEnv | undefined, string | null | undefined][] = [
      ['a variable that changes discovery', () => path.join(repo.dir, 'src'), { ...process.env, GIT_DIR: path.join(repo.dir, '.git') }, undefined],
      ['a folder in no work tree', () => scratch, undefined, null],
      [
        'a bare repository',
        () => {
          const bare = path.join(scratch, 'bare.git');
          spawnSync('git', ['init', '-q', '--bare', bare]);
          return bare;
        },
        undefined,
        null,
      ],
      ['inside the git directory', () => path.join(repo.dir, '.git', 'refs'), undefined, null],
      [
        'an empty .git folder, which git passes over',
        () => {
          mkdirSync(path.join(repo.dir, 'src', 'empty', '.git'), { recursive: true });
          return path.join(repo.dir, 'src', 'empty');
        },
        undefined,
        realpathSync(repo.dir),
      ],
      [
        'a .git that is a symbolic link',
        () => {
          const inner = path.join(scratch, 'inner');
          spawnSync('git', ['init', '-q', inner]);
          const other = path.join(scratch, 'other');
          mkdirSync(other);
          symlinkSync(path.join(inner, '.git'), path.join(other, '.git'));
          return other;
        },
        undefined,
        undefined,
      ],
      [
        'configuration that moves the work tree (as a submodule’s has)',
        () => {
          const moved = path.join(scratch, 'moved');
          spawnSync('git', ['init', '-q', moved]);
          spawnSync('git', ['-C', moved, 'config', 'core.worktree', scratch]);
          return moved;
        },
        undefined,
        scratch,
      ],
      [
        'configuration that includes another file',
        () => {
          const inc = path.join(scratch, 'inc');
          spawnSync('git', ['init', '-q', inc]);
          writeFileSync(path.join(scratch, 'extra.cfg'), `[core]\n\tworktree = ${scratch}\n`);
          spawnSync('git', ['-C', inc, 'config', 'include.path', path.join(scratch, 'extra.cfg')]);
          return inc;
        },
        undefined,
        // what an included file may set, git versions read differently: not asserted
        undefined,
      ],
    ];
    for (const [name, make, env, git] of cases) {
      const dir = make();
      assert.equal(knownWorkTreeTop(dir, env), undefined, name);
      if (git !== undefined) assert.equal(gitTop(dir), git, `${name}: what git answers`);
    }
  });
});
