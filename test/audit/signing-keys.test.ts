import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeKeyPair } from '../../src/audit/keys.js';
import { decodeSignature } from '../../src/audit/signer.js';
import { runCli } from '../helpers/cli.js';

/** Where the checkpoint signing key comes from: the CI secret, an external signer, never an invented key in CI. */

const work = mkdtempSync(path.join(os.tmpdir(), 'bulwark-signing-'));
after(() => rmSync(work, { recursive: true, force: true }));

function home(extra: NodeJS.ProcessEnv = {}): { env: NodeJS.ProcessEnv; dir: string } {
  const dir = mkdtempSync(path.join(work, 'home-'));
  return {
    dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), XDG_CONFIG_HOME: path.join(dir, 'config'), ...extra },
  };
}

/** Exports today's evidence bundle with the signer `h` is configured with, and verifies it against `publicKeyFile`. */
async function exportVerifies(h: { env: NodeJS.ProcessEnv; dir: string }, db: string, publicKeyFile: string): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const out = path.join(h.dir, 'bundle');
  const exp = await runCli(['audit', 'export', '--db', db, '--from', today, '--to', tomorrow, '--out', out], h.env, undefined, h.dir);
  assert.equal(exp.code, 0, exp.stderr);
  const vb = await runCli(['audit', 'verify', '--bundle', out, '--trusted-key', publicKeyFile], h.env, undefined, h.dir);
  assert.equal(vb.code, 0, vb.stdout + vb.stderr);
}

const record = (db: string, ...more: string[]) => ['audit', 'record', 'deploy', '--commit', 'abcdef1', '--env', 'prod', '--db', db, ...more];

describe('audit signing keys', { timeout: 120_000 }, () => {
  it('in CI with no configured key, refuses to invent one: one line, exit 3, nothing appended', async () => {
    const h = home({ CI: 'true' });
    const db = path.join(h.dir, 'audit.db');
    const r = await runCli(record(db), h.env, undefined, h.dir);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^bulwark: no audit signing key configured and CI=true: set BULWARK_AUDIT_KEY .*generate_key = true\n$/);
    assert.equal(existsSync(path.join(h.dir, 'config', 'bulwark', 'audit-key')), false);
    // Told to: [audit] generate_key = true creates the per-runner key.
    writeFileSync(path.join(h.dir, 'bulwark.toml'), '[audit]\ngenerate_key = true\n');
    const ok = await runCli(record(db), h.env, undefined, h.dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /created audit signing key/);
  });

  it('BULWARK_AUDIT_KEY signs, is never echoed when malformed, and never reaches a child process', async () => {
    const keyFile = path.join(work, 'k1', 'audit.key');
    const pair = writeKeyPair(keyFile, { name: 'ci-audit' });
    const material = readFileSync(keyFile, 'utf8');
    // A git on PATH that records its environment: verify reads the base revision's config through git.
    const bin = path.join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    const dump = path.join(work, 'git-env.txt');
    writeFileSync(path.join(bin, 'git'), `#!/bin/sh\nenv >> ${dump}\nexec /usr/bin/git "$@"\n`);
    chmodSync(path.join(bin, 'git'), 0o755);
    const h = home({ CI: 'true', BULWARK_AUDIT_KEY: material });
    const db = path.join(h.dir, 'audit.db');
    const r = await runCli(record(db), h.env, undefined, h.dir);
    assert.equal(r.code, 0, r.stderr);
    const repo = path.join(h.dir, 'repo');
    mkdirSync(repo);
    const { execFileSync } = await import('node:child_process');
    execFileSync('git', ['init', '-q', repo]);
    const v = await runCli(['audit', 'verify', '--db', db, '--trusted-key', pair.publicKeyFile], { ...h.env, PATH: `${bin}:${h.env.PATH}` }, undefined, repo);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.ok(existsSync(dump), 'the fake git ran');
    const seen = readFileSync(dump, 'utf8');
    assert.ok(!seen.includes('BULWARK_AUDIT_KEY'), 'the key variable reached git');
    // the key data is the fifth field on (base64, which may itself hold '+'), not what follows the last '+'
    const keyData = material.trim().split('+').slice(4).join('+');
    assert.ok(keyData.length >= 44, keyData);
    assert.ok(!seen.includes(keyData), 'the key material reached git');
    // The evidence bundle is signed with the same key, with no key file anywhere.
    await exportVerifies(h, db, pair.publicKeyFile);
    const bad = await runCli(record(db), { ...h.env, BULWARK_AUDIT_KEY: 'PRIVATE+KEY+x+00000000+c2VjcmV0c2VjcmV0' }, undefined, h.dir);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /^bulwark: BULWARK_AUDIT_KEY: /);
    assert.ok(!bad.stderr.includes('c2VjcmV0c2VjcmV0'), 'the material is never printed');
  });

  it('sign_command: the note body on stdin, base64 or raw signature on stdout, checked against sign_command_key', async () => {
    const keyFile = path.join(work, 'k2', 'hsm.key');
    const pair = writeKeyPair(keyFile, { name: 'hsm-audit' });
    const other = writeKeyPair(path.join(work, 'k3', 'other.key'), { name: 'hsm-audit' });
    // A stand-in for an HSM/KMS client: signs stdin with the Ed25519 key it holds.
    const signer = path.join(work, 'signer.mjs');
    writeFileSync(
      signer,
      `import { readFileSync } from 'node:fs';
import { parseSignerKey, localSigner } from ${JSON.stringify(path.resolve('dist/src/audit/note.js'))};
const [keyFile, mode] = process.argv.slice(2);
const text = readFileSync(0, 'utf8');
const sig = await localSigner(parseSignerKey(readFileSync(keyFile, 'utf8'))).signature(text);
process.stdout.write(mode === 'raw' ? sig : sig.toString('base64') + '\\n');
`,
    );
    for (const mode of ['base64', 'raw']) {
      const h = home({ CI: 'true' });
      writeFileSync(
        path.join(h.dir, 'bulwark.toml'),
        `[audit]\nsign_command = [${JSON.stringify(process.execPath)}, ${JSON.stringify(signer)}, ${JSON.stringify(keyFile)}, "${mode}"]\nsign_command_key = "${pair.verifierKey}"\n`,
      );
      const db = path.join(h.dir, 'audit.db');
      const r = await runCli(record(db), h.env, undefined, h.dir);
      assert.equal(r.code, 0, r.stderr);
      const v = await runCli(['audit', 'verify', '--db', db, '--trusted-key', pair.publicKeyFile], h.env, undefined, h.dir);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      // the evidence bundle is signed by the same external signer, and no key file is created for it
      await exportVerifies(h, db, pair.publicKeyFile);
      assert.equal(existsSync(path.join(h.dir, 'config', 'bulwark', 'audit-key')), false, 'no per-user key was made');
    }
    // A signer holding another key than the configured one: refused before anything is stored.
    const h = home({ CI: 'true' });
    writeFileSync(
      path.join(h.dir, 'bulwark.toml'),
      `[audit]\nsign_command = [${JSON.stringify(process.execPath)}, ${JSON.stringify(signer)}, ${JSON.stringify(path.join(work, 'k3', 'other.key'))}]\nsign_command_key = "${pair.verifierKey}"\n`,
    );
    assert.notEqual(other.verifierKey, pair.verifierKey);
    const db = path.join(h.dir, 'audit.db');
    const r = await runCli(record(db), h.env, undefined, h.dir);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /the signature returned for key hsm-audit does not verify with its public key/);
    // the same for an evidence bundle: exit 3, and nothing written
    const out = path.join(h.dir, 'bundle');
    const x = await runCli(['audit', 'export', '--db', db, '--week', '2026-W47', '--out', out], h.env, undefined, h.dir);
    assert.equal(x.code, 3, x.stderr);
    assert.match(x.stderr, /^bulwark: \[audit\] sign_command .*: the signature returned for key hsm-audit does not verify with its public key\n$/);
    assert.equal(existsSync(out), false);
  });

  it('audit export signs with a key it is given, and never creates one', async () => {
    const h = home();
    const db = path.join(h.dir, 'audit.db');
    const keyFile = path.join(h.dir, 'keys', 'audit.key');
    writeKeyPair(keyFile, { name: 'export-audit' });
    assert.equal((await runCli(record(db, '--key', keyFile), h.env, undefined, h.dir)).code, 0);
    const exportTo = (out: string, ...more: string[]) => ['audit', 'export', '--db', db, '--week', '2026-W47', '--out', path.join(h.dir, out), ...more];
    const perUser = path.join(h.dir, 'config', 'bulwark', 'audit-key');
    for (const more of [[], ['--key', '']]) {
      const r = await runCli(exportTo('b', ...more), h.env, undefined, h.dir);
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        more.length === 0 ? /^bulwark: signing key .*audit-key does not exist \(pass --key FILE\)\n$/ : /^bulwark: --key needs the path of a key file\n$/,
      );
      assert.equal(existsSync(perUser), false, 'no per-user key was made');
    }
    const ok = await runCli(exportTo('b', '--key', keyFile), h.env, undefined, h.dir);
    assert.equal(ok.code, 0, ok.stderr);
    // an empty --key is refused by every command that signs, not taken for no --key
    const empty = await runCli(record(db, '--key', ''), h.env, undefined, h.dir);
    assert.equal(empty.code, 3, empty.stderr);
    assert.match(empty.stderr, /^bulwark: --key needs the path of a key file\n$/);
    assert.equal(existsSync(perUser), false, 'no per-user key was made');
  });

  it('decodes raw and base64 signatures only', () => {
    const sig = Buffer.alloc(64, 5);
    assert.deepEqual(decodeSignature(sig), sig);
    assert.deepEqual(decodeSignature(Buffer.from(sig.toString('base64') + '\n')), sig);
    assert.equal(decodeSignature(Buffer.from('not a signature')), null);
    assert.equal(decodeSignature(Buffer.alloc(63)), null);
  });
});
