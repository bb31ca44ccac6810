import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeKeyPair } from '../../src/audit/keys.js';
import { runCli } from '../helpers/cli.js';

/** `[audit] trusted_keys` is an anchor only as committed at the base revision, never as edited in the working tree. */

const work = mkdtempSync(path.join(os.tmpdir(), 'bulwark-anchors-'));
after(() => rmSync(work, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, XDG_STATE_HOME: path.join(work, 'state'), XDG_CONFIG_HOME: path.join(work, 'config') };
const git = (repo: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });

describe('trust anchors from the base revision', { timeout: 120_000 }, () => {
  it('verifies with the committed trusted_keys; a key added only in the working tree is not an anchor', async () => {
    const team = writeKeyPair(path.join(work, 'keys', 'team.key'), { name: 'team-audit' });
    const other = writeKeyPair(path.join(work, 'keys', 'other.key'), { name: 'other-audit' });
    const db = path.join(work, 'audit.db');
    const dbOther = path.join(work, 'other.db');
    for (const [file, key] of [
      [db, team.keyFile],
      [dbOther, other.keyFile],
    ] as const) {
      const r = await runCli(['audit', 'record', 'deploy', '--commit', 'abcdef1', '--env', 'prod', '--db', file, '--key', key], env, undefined, work);
      assert.equal(r.code, 0, r.stderr);
    }
    const repo = path.join(work, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q');
    writeFileSync(path.join(repo, 'bulwark.toml'), `[audit]\ntrusted_keys = ["${team.verifierKey}"]\n`);
    git(repo, 'add', 'bulwark.toml');
    git(repo, 'commit', '-qm', 'trust the team key');
    // The working tree now lists the other key as well: not committed, so not trusted.
    writeFileSync(path.join(repo, 'bulwark.toml'), `[audit]\ntrusted_keys = ["${team.verifierKey}", "${other.verifierKey}"]\n`);
    const ok = await runCli(['audit', 'verify', '--db', db, '--state', path.join(work, 's1.json')], env, undefined, repo);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /trusted keys: team-audit\+.* \(anchor\)/);
    const no = await runCli(['audit', 'verify', '--db', dbOther, '--state', path.join(work, 's2.json')], env, undefined, repo);
    assert.equal(no.code, 5, no.stdout + no.stderr);
    assert.match(no.stdout, /checkpoint_invalid/);
    // An explicit --base that is not a commit is a usage error naming it.
    const bad = await runCli(['audit', 'verify', '--db', db, '--base', 'nope', '--state', path.join(work, 's3.json')], env, undefined, repo);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /--base "nope" is not a commit/);
  });
});
