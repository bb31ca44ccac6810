import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { verifyInclusion } from '../../src/audit/merkle.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { dropTriggers, raw } from './helpers.js';

/** The real CLI (bin/bulwark.js) in a child process with its own per-user dirs. */
const home = mkdtempSync(path.join(os.tmpdir(), 'bulwark-audit-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: home,
  XDG_STATE_HOME: path.join(home, 'state'),
  XDG_CONFIG_HOME: path.join(home, 'config'),
};
const work = path.join(home, 'work');
mkdirSync(work);

function bulwark(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(packageRoot, 'bin', 'bulwark.js'), ...args], { env, cwd: work, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const db = path.join(home, 'state', 'bulwark', 'audit.db');

describe('bulwark audit CLI', { timeout: 180_000 }, () => {
  it('keygen writes the key pair under the per-user config dir and refuses to overwrite', () => {
    const r = bulwark('audit', 'keygen');
    assert.equal(r.code, 0, r.stderr);
    const key = path.join(home, 'config', 'bulwark', 'audit-key');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.match(readFileSync(`${key}.pub`, 'utf8'), /^bulwark-audit\+[0-9a-f]{8}\+/);
    const again = bulwark('audit', 'keygen');
    assert.equal(again.code, 3);
    assert.match(again.stderr, /^bulwark: key file .* already exists/);
  });

  it('keygen refuses a path inside a git work tree', () => {
    const repo = path.join(home, 'repo');
    mkdirSync(path.join(repo, '.git'), { recursive: true });
    const r = bulwark('audit', 'keygen', '--out', path.join(repo, 'audit-key'));
    assert.equal(r.code, 3);
    assert.match(r.stderr, /git work tree/);
    assert.equal(existsSync(path.join(repo, 'audit-key')), false);
  });

  it('record deploy appends and checkpoints; bad flags exit 3 naming the flag', () => {
    const r = bulwark('audit', 'record', 'deploy', '--commit', 'a1b2c3d4', '--env', 'prod', '--url', 'https://deploy.example/1');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /recorded deploy as entry 0; checkpoint at size 1/);
    const r2 = bulwark('audit', 'record', 'deploy', '--commit', 'e5f6a7b8', '--env', 'staging');
    assert.equal(r2.code, 0, r2.stderr);
    const bad = bulwark('audit', 'record', 'deploy', '--commit', 'HEAD~1', '--env', 'prod');
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /--commit/);
    assert.equal(bulwark('audit', 'record', 'deploy', '--env', 'prod').code, 3, 'missing --commit');
  });

  it('show filters by kind and time and prints JSON', () => {
    const r = bulwark('audit', 'show', '--kind', 'deploy', '--json');
    assert.equal(r.code, 0, r.stderr);
    const items = JSON.parse(r.stdout) as { index: number; entry: { env: string; commit: string } }[];
    assert.deepEqual(
      items.map((i) => [i.index, i.entry.env, i.entry.commit]),
      [
        [0, 'prod', 'a1b2c3d4'],
        [1, 'staging', 'e5f6a7b8'],
      ],
    );
    assert.equal((JSON.parse(bulwark('audit', 'show', '--since', '2999-01-01', '--json').stdout) as unknown[]).length, 0);
    assert.match(bulwark('audit', 'show').stdout, /^0\t\d{4}-.*\tdeploy\tcommit=a1b2c3d4 env=prod/m);
    assert.equal(bulwark('audit', 'show', '--since', 'yesterday').code, 3);
    const kind = bulwark('audit', 'show', '--kind', 'deploys');
    assert.equal(kind.code, 3);
    assert.match(kind.stderr, /--kind "deploys" is not an entry kind/);
  });

  it('proof prints an inclusion proof that verifies against the checkpoint', () => {
    const r = bulwark('audit', 'proof', '--index', '0', '--json');
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as { index: number; treeSize: number; leafHash: string; proof: string[]; root: string; valid: boolean };
    assert.equal(p.treeSize, 2);
    assert.equal(p.valid, true);
    verifyInclusion(
      0,
      2,
      Buffer.from(p.leafHash, 'base64'),
      p.proof.map((x) => Buffer.from(x, 'base64')),
      Buffer.from(p.root, 'base64'),
    );
    assert.equal(bulwark('audit', 'proof', '--index', '7').code, 3);
    assert.equal(bulwark('audit', 'proof', '--index', 'x').code, 3);
  });

  it('verify needs an anchor on first use, pins origin and key, and checks a checkpoint file kept elsewhere', () => {
    const cp = path.join(home, 'elsewhere', 'checkpoint');
    assert.equal(bulwark('audit', 'checkpoint', '--out', cp).code, 0);
    // The signer's own .pub is not an anchor: a first verify without one says so and fails.
    const first = bulwark('audit', 'verify', '--checkpoint', cp);
    assert.equal(first.code, 5, first.stderr + first.stdout);
    assert.match(first.stderr, /no trust anchor for log .*--trust-on-first-use/);
    assert.equal(existsSync(path.join(home, 'state', 'bulwark', 'verifier-state.json')), false);
    const r = bulwark('audit', 'verify', '--checkpoint', cp, '--trust-on-first-use');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /2 entries/);
    assert.match(r.stdout, /^OK .*trusted on first use/m);
    const state = JSON.parse(readFileSync(path.join(home, 'state', 'bulwark', 'verifier-state.json'), 'utf8')) as {
      logs: Record<string, { treeSize: number; key: string; tofu?: boolean }>;
    };
    const pin = Object.values(state.logs)[0]!;
    assert.equal(pin.treeSize, 2);
    assert.equal(pin.key, readFileSync(path.join(home, 'config', 'bulwark', 'audit-key.pub'), 'utf8').trim());
    assert.equal(pin.tofu, true);
    // From now on the pin is the anchor.
    const json = JSON.parse(bulwark('audit', 'verify', '--json', '--schema').stdout) as { ok: boolean };
    assert.equal(json.ok, true);
  });

  it('proof checks a checkpoint file against the trusted key when given one', () => {
    const cp = path.join(home, 'elsewhere', 'checkpoint');
    const pub = path.join(home, 'config', 'bulwark', 'audit-key.pub');
    const ok = bulwark('audit', 'proof', '--index', '1', '--checkpoint', cp, '--trusted-key', pub, '--json');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { valid: boolean }).valid, true);
    const forged = path.join(home, 'elsewhere', 'forged');
    writeFileSync(forged, readFileSync(cp, 'utf8').replace(/\n2\n/, '\n1\n'));
    const bad = bulwark('audit', 'proof', '--index', '0', '--checkpoint', forged, '--trusted-key', pub);
    assert.equal(bad.code, 5);
    assert.match(bad.stderr, /does not verify/);
  });

  it('verify exits 3 for a missing database or trusted key', () => {
    const r = bulwark('audit', 'verify', '--db', path.join(home, 'nope.db'));
    assert.equal(r.code, 3);
    assert.match(r.stderr, /nope\.db/);
    const k = bulwark('audit', 'verify', '--trusted-key', path.join(home, 'nope.pub'));
    assert.equal(k.code, 3);
    writeFileSync(path.join(home, 'garbage.pub'), 'not a key\n');
    assert.equal(bulwark('audit', 'verify', '--trusted-key', path.join(home, 'garbage.pub')).code, 3);
  });

  it('rotate-key hands signing to a new key that the pinned verifier then follows', () => {
    const keyFile = path.join(home, 'config', 'bulwark', 'audit-key');
    const oldPub = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    const r = bulwark('audit', 'rotate-key');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /key rotation recorded as entry \d+; checkpoint of \d+ entries signed with the new key/);
    const newPub = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    assert.notEqual(newPub, oldPub);
    assert.equal(readFileSync(`${keyFile}.retired-${oldPub.split('+')[1]}.pub`, 'utf8').trim(), oldPub);
    // Later runs sign with the new key; the verifier pinned on the old key follows the statement.
    assert.equal(bulwark('audit', 'record', 'deploy', '--commit', 'abcdef5', '--env', 'prod').code, 0);
    const v = bulwark('audit', 'verify');
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /1 key rotation\(s\) in the log/);
    const state = JSON.parse(readFileSync(path.join(home, 'state', 'bulwark', 'verifier-state.json'), 'utf8')) as { logs: Record<string, { key: string }> };
    assert.equal(Object.values(state.logs)[0]!.key, newPub);
  });

  it('verify exits 5 and names the first bad index when an entry was edited', () => {
    const d = raw(db);
    dropTriggers(d);
    d.prepare("UPDATE entries SET bytes = CAST(REPLACE(CAST(bytes AS TEXT), 'staging', 'prod') AS BLOB) WHERE idx = 1").run();
    d.close();
    const r = bulwark('audit', 'verify');
    assert.equal(r.code, 5);
    assert.match(r.stderr, /^bulwark: audit log verification failed at index 1: /);
    assert.match(r.stdout, /FAILED/);
    const json = JSON.parse(bulwark('audit', 'verify', '--json').stdout) as { ok: boolean; firstBadIndex: number };
    assert.equal(json.ok, false);
    assert.equal(json.firstBadIndex, 1);
  });

  it('reads [audit] from bulwark.toml in the working directory', () => {
    const cfgDb = path.join(home, 'from-config.db');
    writeFileSync(path.join(work, 'bulwark.toml'), `[audit]\ndb = "${cfgDb}"\norigin = "bank.example/audit/test"\n`);
    try {
      const r = bulwark('audit', 'record', 'deploy', '--commit', 'abcdef1', '--env', 'prod');
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(cfgDb));
      const show = JSON.parse(bulwark('audit', 'show', '--json').stdout) as unknown[];
      assert.equal(show.length, 1);
      writeFileSync(path.join(work, 'bulwark.toml'), `[audit]\ndatabase = "x"\n`);
      const bad = bulwark('audit', 'show');
      assert.equal(bad.code, 3);
      assert.match(bad.stderr, /bulwark\.toml/);
    } finally {
      rmSync(path.join(work, 'bulwark.toml'), { force: true });
    }
  });

  it('resolves relative [audit] paths of a --config file against its folder, not the working directory', () => {
    const conf = path.join(home, 'conf-rel');
    mkdirSync(conf);
    const toml = path.join(conf, 'bulwark.toml');
    writeFileSync(
      toml,
      '[audit]\ndb = "state/audit.db"\nkey_file = "keys/audit.key"\ncheckpoint_file = "cp/checkpoint.txt"\norigin = "bank.example/rel"\nverify_state = "verifier.json"\n',
    );
    const rel = path.relative(work, toml); // the commands run with cwd = work
    // the configured key does not exist yet: record refuses before appending anything
    const early = bulwark('audit', 'record', 'deploy', '--commit', 'abcdef2', '--env', 'prod', '--config', rel);
    assert.equal(early.code, 3);
    assert.match(early.stderr, /signing key .*conf-rel\/keys\/audit\.key does not exist/);
    assert.equal((JSON.parse(bulwark('audit', 'show', '--json', '--config', rel).stdout) as unknown[]).length, 0, 'nothing appended');
    const key = bulwark('audit', 'keygen', '--config', rel);
    assert.equal(key.code, 0, key.stderr);
    assert.ok(existsSync(path.join(conf, 'keys', 'audit.key')) && existsSync(path.join(conf, 'keys', 'audit.key.pub')));
    const rec = bulwark('audit', 'record', 'deploy', '--commit', 'abcdef2', '--env', 'prod', '--config', rel);
    assert.equal(rec.code, 0, rec.stderr);
    assert.ok(existsSync(path.join(conf, 'state', 'audit.db')));
    assert.ok(existsSync(path.join(conf, 'cp', 'checkpoint.txt')));
    const v = bulwark('audit', 'verify', '--config', rel, '--trusted-key', path.join(conf, 'keys', 'audit.key.pub'));
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.ok(existsSync(path.join(conf, 'verifier.json')));
    for (const p of ['state', 'keys', 'cp', 'verifier.json'])
      assert.equal(existsSync(path.join(work, p)), false, `${p} not created under the working directory`);
  });

  it('show never prints control characters from entry text', () => {
    const r = bulwark('audit', 'record', 'deploy', '--commit', 'abcdef9', '--env', 'evil\u001b]0;pwned\u0007\u009b31m');
    assert.equal(r.code, 0, r.stderr);
    const out = bulwark('audit', 'show', '--kind', 'deploy').stdout;
    // eslint-disable-next-line no-control-regex -- asserts that no terminal control characters are printed
    assert.doesNotMatch(out, /[\u001b\u0007\u009b]/);
    assert.match(out, /env=evil\\u001b\]0;pwned\\u0007\\u009b31m/);
  });
});
