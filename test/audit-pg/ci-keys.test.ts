import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeKeyPair } from '../../src/audit/keys.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/postgres.js';

/**
 * CI runners share one PostgreSQL log. Each runner is its own machine (its own HOME, no key on
 * disk); the signing key comes from the CI secret BULWARK_AUDIT_KEY. One key for all runners
 * verifies; a runner that signs with another key makes verify fail.
 */

const work = mkdtempSync(path.join(tmpdir(), 'bulwark-ci-keys-'));
after(() => rmSync(work, { recursive: true, force: true }));

function runnerEnv(name: string, key: string): NodeJS.ProcessEnv {
  const home = mkdtempSync(path.join(work, `${name}-`));
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_STATE_HOME: path.join(home, 'state'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    CI: 'true',
    BULWARK_AUDIT_KEY: key,
  };
}

function keyMaterial(name: string): { material: string; pub: string } {
  const file = path.join(work, 'keys', name);
  const res = writeKeyPair(file, { name: 'ci-audit' });
  return { material: readFileSync(file, 'utf8'), pub: res.publicKeyFile };
}

async function twoRunners(keyA: string, keyB: string, url: string): Promise<void> {
  for (const [i, key] of [keyA, keyB, keyA].entries()) {
    const r = await runCli(['audit', 'record', 'deploy', '--commit', `abcdef${i}`, '--env', 'prod', '--db', url], runnerEnv(`runner-${i}`, key));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stderr.includes('created audit signing key'), 'no runner invents a key');
  }
}

describe('CI runners sharing one PostgreSQL log', { timeout: 180_000 }, () => {
  it('with one BULWARK_AUDIT_KEY across runners, verify passes', async () => {
    const db = await createTestDatabase();
    try {
      const k = keyMaterial('shared');
      await twoRunners(k.material, k.material, db.ownerUrl);
      const v = await runCli(
        ['audit', 'verify', '--db', db.ownerUrl, '--trusted-key', k.pub, '--state', path.join(work, 'state-1.json')],
        runnerEnv('auditor', ''),
      );
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /3 entries/);
      assert.match(v.stdout, /signed up to 3/);
    } finally {
      await db.drop();
    }
  });

  it('with two different keys, verify under either fails', async () => {
    const db = await createTestDatabase();
    try {
      const a = keyMaterial('runner-a');
      const b = keyMaterial('runner-b');
      await twoRunners(a.material, b.material, db.ownerUrl);
      for (const [i, pub] of [a.pub, b.pub].entries()) {
        const v = await runCli(
          ['audit', 'verify', '--db', db.ownerUrl, '--trusted-key', pub, '--state', path.join(work, `state-2-${i}.json`)],
          runnerEnv('auditor', ''),
        );
        assert.equal(v.code, 5, v.stdout + v.stderr);
        assert.match(v.stdout, /checkpoint_invalid|key_not_trusted/);
      }
    } finally {
      await db.drop();
    }
  });
});
