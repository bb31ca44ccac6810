import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadSignerKey, writeKeyPair } from '../../src/audit/keys.js';
import {
  NoteError,
  formatCheckpointBody,
  formatVerifierKey,
  generateSignerKey,
  openCheckpoint,
  openNote,
  parseCheckpointBody,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKeyOf,
} from '../../src/audit/note.js';
import { UsageError } from '../../src/domain/errors.js';

// The example key and note of the signed-note format (golang.org/x/mod/sumdb/note documentation).
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

const tmp: string[] = [];
after(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'bulwark-note-'));
  tmp.push(d);
  return d;
}

describe('C2SP signed notes and keys', () => {
  it('matches the reference key id, verifier key and signature byte for byte', () => {
    const sk = parseSignerKey(GO_SKEY);
    assert.equal(formatVerifierKey(sk), GO_VKEY);
    assert.equal(signNote(GO_TEXT, sk), GO_NOTE);
    assert.equal(openNote(GO_NOTE, [parseVerifierKey(GO_VKEY)]).text, GO_TEXT);
  });

  it('rejects an edited text, an unknown key, a wrong signature and malformed notes', () => {
    const vk = parseVerifierKey(GO_VKEY);
    assert.throws(() => openNote(GO_NOTE.replace('cryptography', 'cryptographY'), [vk]), /does not verify/);
    const other = verifierKeyOf(generateSignerKey('PeterNeumann'));
    assert.throws(() => openNote(GO_NOTE, [other]), /not signed by a trusted key/);
    const forgedSig = GO_NOTE.replace('x08go/ZJ', 'x08go/ZK');
    assert.throws(() => openNote(forgedSig, [vk]), NoteError);
    assert.throws(() => openNote(GO_TEXT, [vk]), /no signature block/);
    assert.throws(() => openNote(GO_NOTE.slice(0, -1), [vk]), /newline/);
    assert.throws(() => openNote(GO_NOTE.replace('— ', '- '), [vk]), /malformed signature line/);
  });

  it('accepts a note that also carries a signature by a key it does not know', () => {
    const a = generateSignerKey('log-a');
    const b = generateSignerKey('witness-b');
    const text = 'hello\n';
    const signedByA = signNote(text, a);
    const sigB = signNote(text, b).split('\n\n')[1]!;
    const both = signedByA + sigB;
    assert.equal(openNote(both, [verifierKeyOf(a)]).text, text);
    assert.equal(openNote(both, [verifierKeyOf(b)]).text, text);
  });

  it('rejects keys whose id does not match or whose data is not Ed25519', () => {
    assert.throws(() => parseVerifierKey(GO_VKEY.replace('c74f20a3', 'c74f20a4')), /key id does not match/);
    assert.throws(() => parseVerifierKey('PeterNeumann+c74f20a3+AhpcnQ=='), /not an Ed25519 key/);
    assert.throws(() => parseSignerKey(GO_SKEY.replace('PeterNeumann', 'PaulNeumann')), /key id does not match/);
    assert.throws(() => generateSignerKey('has space'), NoteError);
  });

  it('formats and parses checkpoint bodies strictly', () => {
    const root = Buffer.alloc(32, 7);
    const body = formatCheckpointBody({ origin: 'bank.example/log', treeSize: 42, rootHash: root });
    assert.equal(body, `bank.example/log\n42\n${root.toString('base64')}\n`);
    assert.deepEqual(parseCheckpointBody(body), { origin: 'bank.example/log', treeSize: 42, rootHash: root, extensions: [] });
    assert.throws(() => parseCheckpointBody(body.replace('\n42\n', '\n042\n')), /decimal/);
    assert.throws(() => parseCheckpointBody(body.replace('\n42\n', '\n-1\n')), /decimal/);
    assert.throws(() => parseCheckpointBody(`bank.example/log\n42\n${Buffer.alloc(31).toString('base64')}\n`), /root/);
    assert.throws(() => parseCheckpointBody('bank.example/log\n42\n'), /origin, size and root/);
    const key = generateSignerKey('k');
    const note = signCheckpoint({ origin: 'o', treeSize: 3, rootHash: root }, key);
    const cp = openCheckpoint(note, [verifierKeyOf(key)]);
    assert.equal(cp.treeSize, 3);
    assert.deepEqual(cp.rootHash, root);
  });
});

describe('key files', () => {
  it('keygen writes a 0600 private key and a vkey that belong together', () => {
    const dir = tempDir();
    const res = writeKeyPair(path.join(dir, 'k', 'audit-key'), { name: 'bank-audit' });
    assert.equal(statSync(res.keyFile).mode & 0o777, 0o600);
    const sk = loadSignerKey(res.keyFile);
    assert.equal(formatVerifierKey(sk), readFileSync(res.publicKeyFile, 'utf8').trim());
    assert.match(res.verifierKey, /^bank-audit\+[0-9a-f]{8}\+/);
    assert.throws(() => writeKeyPair(res.keyFile), /already exists/);
  });

  it('refuses a key path inside a git work tree unless forced', () => {
    const repo = tempDir();
    mkdirSync(path.join(repo, '.git'));
    assert.throws(
      () => writeKeyPair(path.join(repo, 'secrets', 'audit-key')),
      (e: unknown) => e instanceof UsageError && /git work tree/.test(e.message),
    );
    assert.doesNotThrow(() => writeKeyPair(path.join(repo, 'secrets', 'audit-key'), { allowInRepo: true }));
  });

  it('refuses to load a signing key others can read', () => {
    const dir = tempDir();
    const res = writeKeyPair(path.join(dir, 'audit-key'));
    chmodSync(res.keyFile, 0o644);
    assert.throws(() => loadSignerKey(res.keyFile), /readable by others/);
  });
});
