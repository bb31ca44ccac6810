import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseSshSignature, sshSign, sshVerify, SignatureError } from '../../src/approval/ssh-signature.js';

describe('SSH signatures (ssh-keygen -Y, namespace bulwark-approval)', () => {
  let dir: string;
  const key = (name: string, type: string): string => {
    const f = path.join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', f]);
    return f;
  };
  let alice: string;
  let mallory: string;
  let aliceEcdsa: string;
  let signers: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-sshsig-test-'));
    alice = key('alice', 'ed25519');
    mallory = key('mallory', 'ed25519');
    aliceEcdsa = key('alice-ecdsa', 'ecdsa');
    signers = path.join(dir, 'allowed_signers');
    writeFileSync(
      signers,
      `alice@bank.example namespaces="bulwark-approval" ${readFileSync(alice + '.pub', 'utf8').trim()}\n` +
        `alice@bank.example ${readFileSync(aliceEcdsa + '.pub', 'utf8').trim()}\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('signs and verifies; reports the signer key fingerprint like ssh-keygen -l', async () => {
    const sig = await sshSign(alice, 'payload-1');
    const info = await sshVerify({ allowedSignersFile: signers, principal: 'alice@bank.example', signature: sig, data: 'payload-1' });
    assert.equal(info.keyType, 'ssh-ed25519');
    const fp = execFileSync('ssh-keygen', ['-l', '-f', alice + '.pub'], { encoding: 'utf8' }).split(' ')[1];
    assert.equal(info.fingerprint, fp);
    assert.equal(parseSshSignature(sig).namespace, 'bulwark-approval');
  });

  it('accepts an ECDSA key listed for the principal', async () => {
    const sig = await sshSign(aliceEcdsa, 'payload-2');
    const info = await sshVerify({ allowedSignersFile: signers, principal: 'alice@bank.example', signature: sig, data: 'payload-2' });
    assert.equal(info.keyType, 'ecdsa-sha2-nistp256');
  });

  it('rejects altered data', async () => {
    const sig = await sshSign(alice, 'payload-1');
    await assert.rejects(sshVerify({ allowedSignersFile: signers, principal: 'alice@bank.example', signature: sig, data: 'payload-X' }), SignatureError);
  });

  it('rejects a key not in the allowed-signers file', async () => {
    const sig = await sshSign(mallory, 'payload-1');
    await assert.rejects(
      sshVerify({ allowedSignersFile: signers, principal: 'alice@bank.example', signature: sig, data: 'payload-1' }),
      (e: Error) => e instanceof SignatureError && /not valid for "alice@bank\.example"/.test(e.message),
    );
  });

  it('rejects a valid key claimed for another principal', async () => {
    const sig = await sshSign(alice, 'payload-1');
    await assert.rejects(sshVerify({ allowedSignersFile: signers, principal: 'bob@bank.example', signature: sig, data: 'payload-1' }), SignatureError);
  });

  it('rejects a signature made in another namespace', async () => {
    const sig = await sshSign(alice, 'payload-1', 'git');
    await assert.rejects(sshVerify({ allowedSignersFile: signers, principal: 'alice@bank.example', signature: sig, data: 'payload-1' }), /namespace is "git"/);
  });

  it('rejects garbage instead of a signature', () => {
    assert.throws(() => parseSshSignature('hello'), SignatureError);
    assert.throws(() => parseSshSignature('-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----'), /truncated/);
  });
});
