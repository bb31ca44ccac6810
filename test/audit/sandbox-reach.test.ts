import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openAuditLog } from '../../src/audit/index.js';
import { defaultDbPath, defaultKeyPath } from '../../src/audit/locations.js';
import { spawnSandboxed } from '../../src/sandbox/launcher.js';
import { NOBODY, runtimePolicy, validatePolicy } from '../../src/sandbox/policy.js';
import { UsageError } from '../../src/domain/errors.js';

/**
 * The sandboxed worker can never reach the audit database or the signing key. File modes are
 * opened up on purpose so that plain permissions would allow the read: only the sandbox stops it.
 */

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'bulwark-audit-sbx-')));
chmodSync(root, 0o755);
after(() => rmSync(root, { recursive: true, force: true }));
process.env.XDG_STATE_HOME = path.join(root, 'state');
process.env.XDG_CONFIG_HOME = path.join(root, 'config');
delete process.env.BULWARK_AUDIT_DB;

function openUp(p: string): void {
  const st = statSync(p);
  chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const n of readdirSync(p)) openUp(path.join(p, n));
}

const probe = `
const fs = require('fs');
const out = {};
for (const p of JSON.parse(process.argv[1])) {
  try { fs.closeSync(fs.openSync(p, 'r')); out[p] = 'ok'; } catch (e) { out[p] = e.code; }
}
console.log(JSON.stringify(out));
`;

async function probeSandboxed(paths: string[], granted: string[]): Promise<Record<string, string>> {
  const sp = await spawnSandboxed(runtimePolicy({ readPaths: granted, timeoutSeconds: 60 }), process.execPath, ['-e', probe, JSON.stringify(paths)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  sp.child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  sp.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => {
    if (sp.child.exitCode !== null) resolve(sp.child.exitCode);
    else sp.child.once('close', (c) => resolve(c));
  });
  assert.equal(code, 0, `probe failed: ${stderr}`);
  assert.deepEqual(sp.degraded, [], 'every sandbox layer enforced');
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, string>;
}

describe('the sandboxed worker cannot reach the audit store', { timeout: 120_000 }, () => {
  it('opening the default database and the signing key fails with EACCES inside the sandbox', async () => {
    const log = await openAuditLog({ notice: () => undefined });
    await log.append({ kind: 'deploy', commit: 'abcdef1', env: 'prod' });
    await log.checkpoint();
    await log.close();
    const db = defaultDbPath();
    const key = defaultKeyPath();
    assert.ok(db.startsWith(root) && existsSync(db));
    assert.ok(key.startsWith(root) && existsSync(key));
    openUp(path.join(root, 'state'));
    openUp(path.join(root, 'config'));
    const granted = path.join(root, 'granted.txt');
    writeFileSync(granted, 'readable\n', { mode: 0o644 });
    const paths = [db, key, `${key}.pub`, granted];

    // Control: outside the sandbox the same uid can open all of them (so DAC is not what stops it).
    if (process.geteuid?.() === 0) {
      const plain = spawnSync(process.execPath, ['-e', probe, JSON.stringify(paths)], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
      assert.equal(plain.status, 0, plain.stderr);
      assert.deepEqual(JSON.parse(plain.stdout.trim()), Object.fromEntries(paths.map((p) => [p, 'ok'])));
    }

    const inside = await probeSandboxed(paths, [granted]);
    assert.equal(inside[db], 'EACCES');
    assert.equal(inside[key], 'EACCES');
    assert.equal(inside[`${key}.pub`], 'EACCES');
    assert.equal(inside[granted], 'ok', 'the probe itself works');
  });

  it('a policy that grants the audit state directory is refused before anything runs', () => {
    const stateDir = path.dirname(defaultDbPath());
    assert.throws(() => validatePolicy(runtimePolicy({ readPaths: [stateDir] })), UsageError);
    assert.throws(() => validatePolicy(runtimePolicy({ readPaths: [defaultDbPath()] })), UsageError);
  });
});
