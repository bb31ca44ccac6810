import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removedAtExit } from './temp-dir.js';

/**
 * A real git repository in a temp dir, for tests. Deterministic author/committer and dates so
 * SHAs are reproducible; no global/system git config is read.
 */
export class GitRepo {
  private tick = 0;
  constructor(readonly dir: string) {}

  /** Runs git in the repo and returns stdout (trailing newline trimmed). */
  git(...args: string[]): string {
    return this.gitBuffer(...args)
      .toString('utf8')
      .replace(/\n$/, '');
  }

  gitBuffer(...args: string[]): Buffer {
    this.tick++;
    const date = `2026-01-01T00:${String(Math.floor(this.tick / 60) % 60).padStart(2, '0')}:${String(this.tick % 60).padStart(2, '0')}Z`;
    return execFileSync('git', args, {
      cwd: this.dir,
      maxBuffer: 1 << 30,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: this.dir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'Test Author',
        GIT_AUTHOR_EMAIL: 'author@example.test',
        GIT_COMMITTER_NAME: 'Test Author',
        GIT_COMMITTER_EMAIL: 'author@example.test',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Writes a file (creating parent dirs); content may be binary. */
  write(rel: string, content: string | Uint8Array, mode?: number): this {
    const full = path.join(this.dir, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
    if (mode !== undefined) chmodSync(full, mode);
    return this;
  }

  /** Writes many files at once: { path: content }. */
  writeAll(files: Record<string, string | Uint8Array>): this {
    for (const [rel, content] of Object.entries(files)) this.write(rel, content);
    return this;
  }

  remove(rel: string): this {
    this.git('rm', '-q', '-r', '--', rel);
    return this;
  }

  /** Stages everything and commits; returns the new commit SHA. */
  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  checkout(ref: string, create = false): this {
    if (create) this.git('checkout', '-q', '-b', ref);
    else this.git('checkout', '-q', ref);
    return this;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** Creates an empty repository on branch `main` in a fresh temp dir. */
export function makeGitRepo(prefix = 'bulwark-git-'): GitRepo {
  const dir = removedAtExit(mkdtempSync(path.join(os.tmpdir(), prefix)));
  const repo = new GitRepo(dir);
  repo.git('init', '-q', '-b', 'main');
  repo.git('config', 'core.autocrlf', 'false');
  repo.git('config', 'commit.gpgsign', 'false');
  // no background auto-gc: it races with cleanup() and makes timings noisy
  repo.git('config', 'gc.auto', '0');
  repo.git('config', 'maintenance.auto', 'false');
  return repo;
}
