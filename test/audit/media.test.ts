import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { llmCall, tempLogDir } from './helpers.js';

/**
 * The log on media the verifier cannot write (a WORM archive, a read-only mounted backup) and on
 * a full disk. Real mounts: CI runs as root on Linux, where these must run, never skip.
 */

const scratch = mkdtempSync(path.join(os.tmpdir(), 'bulwark-media-'));
const mounts: string[] = [];
after(() => {
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', [m]);
    } catch {
      // already unmounted
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

const linuxRoot = process.platform === 'linux';

function tmpfs(name: string, size: string): string {
  const dir = path.join(scratch, name);
  execFileSync('mkdir', ['-p', dir]);
  // Fails (and with it the test) when the machine cannot mount: the read-only path must be exercised.
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

const env = (home: string) => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: home,
  XDG_STATE_HOME: path.join(home, 'state'),
  XDG_CONFIG_HOME: path.join(home, 'config'),
});

describe('audit log on read-only and full media', { timeout: 120_000, skip: !linuxRoot && 'mounts are tested on Linux' }, () => {
  it('verify reads a copy on a read-only mount (opened immutable) and never writes there', async () => {
    const t = tempLogDir();
    after(() => t.cleanup());
    const log = await t.open();
    const blob = await log.putBlob('prompt '.repeat(40));
    await log.append({ kind: 'run_started', run_id: 'r1', command: 'review' });
    await log.append(llmCall('r1', 1, blob));
    await log.checkpoint();
    await log.close();
    const ro = tmpfs('ro', '16m');
    copyFileSync(t.db, path.join(ro, 'audit.db'));
    execFileSync('mount', ['-o', 'remount,ro', ro]);
    const home = mkdtempSync(path.join(scratch, 'home-'));
    const r = await runCli(['audit', 'verify', '--db', path.join(ro, 'audit.db'), '--trusted-key', t.pubFile], env(home), undefined, home);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /2 entries/);
    assert.deepEqual(readdirSync(ro), ['audit.db']);
  });

  it('a copy on read-only media with a -wal file beside it is refused, not half-read', async () => {
    const t = tempLogDir();
    after(() => t.cleanup());
    const log = await t.open();
    await log.append({ kind: 'run_started', run_id: 'r1', command: 'review' });
    await log.checkpoint();
    await log.close();
    const ro = tmpfs('ro-wal', '16m');
    copyFileSync(t.db, path.join(ro, 'audit.db'));
    writeFileSync(path.join(ro, 'audit.db-wal'), '');
    execFileSync('mount', ['-o', 'remount,ro', ro]);
    const home = mkdtempSync(path.join(scratch, 'home-'));
    const r = await runCli(['audit', 'verify', '--db', path.join(ro, 'audit.db'), '--trusted-key', t.pubFile], env(home), undefined, home);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /audit\.db-wal exists beside a database that cannot be written/);
  });

  it('a full disk on open is exit 5 with a clear message, not a usage error', async () => {
    const full = tmpfs('full', '64k');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${path.join(full, 'fill')}`, 'bs=4k', 'count=64'], { stdio: 'ignore' });
    } catch {
      // dd stops when the file system is full: that is the point
    }
    const home = mkdtempSync(path.join(scratch, 'home-'));
    const r = await runCli(
      ['audit', 'record', 'deploy', '--db', path.join(full, 'audit.db'), '--commit', 'abcdef1', '--env', 'prod'],
      env(home),
      undefined,
      home,
    );
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /^bulwark: cannot open audit database .*audit\.db: the disk is full/);
    assert.equal(existsSync(path.join(full, 'audit.db-wal')), false);
  });
});
