import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys and C2SP tlog checkpoints
 * (https://c2sp.org/tlog-checkpoint). Pure formatting/parsing plus node:crypto signing.
 *
 * - Key id: first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key).
 * - Verifier key ("vkey"): `<name>+<keyid hex>+<base64(0x01 ‖ pub)>`.
 * - Signer key file: `PRIVATE+KEY+<name>+<keyid hex>+<base64(0x01 ‖ seed)>` (the Go note format).
 * - Note: text ending in "\n", a blank line, then lines `— <name> <base64(keyid ‖ signature)>`.
 */

export class NoteError extends Error {
  override name = 'NoteError';
}

const ALG_ED25519 = 0x01;
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const EM_DASH = '\u2014';

export interface VerifierKey {
  name: string;
  keyId: Buffer;
  publicKey: Buffer;
  /** The vkey string. */
  text: string;
}

export interface SignerKey {
  name: string;
  keyId: Buffer;
  seed: Buffer;
  publicKey: Buffer;
}

export function checkKeyName(name: string): void {
  // eslint-disable-next-line no-control-regex -- a key name with control characters is refused
  if (name.length === 0 || /[\s+]/.test(name) || /[\x00-\x1f\x7f]/.test(name)) {
    throw new NoteError(`key name ${JSON.stringify(name)} must be non-empty without spaces or "+"`);
  }
}

export function keyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ALG_ED25519]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

export function privateKeyObject(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function publicKeyObject(pub: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, pub]), format: 'der', type: 'spki' });
}

export function generateSignerKey(name: string): SignerKey {
  checkKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
  return { name, keyId: keyId(name, pub), seed: Buffer.from(seed), publicKey: Buffer.from(pub) };
}

export function formatSignerKey(k: SignerKey): string {
  return `PRIVATE+KEY+${k.name}+${k.keyId.toString('hex')}+${Buffer.concat([Buffer.from([ALG_ED25519]), k.seed]).toString('base64')}`;
}

export function formatVerifierKey(k: { name: string; keyId: Buffer; publicKey: Buffer }): string {
  return `${k.name}+${k.keyId.toString('hex')}+${Buffer.concat([Buffer.from([ALG_ED25519]), k.publicKey]).toString('base64')}`;
}

function decodeKeyData(b64: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new NoteError(`${what}: key data is not base64`);
  const data = Buffer.from(b64, 'base64');
  if (data.length !== 33 || data[0] !== ALG_ED25519) throw new NoteError(`${what}: not an Ed25519 key (expected 0x01 ‖ 32 bytes)`);
  return data.subarray(1);
}

/** Splits on '+' into at most n parts (the last keeps any further '+'). */
export function splitPlus(s: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf('+');
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  out.push(rest);
  return out;
}

export function parseSignerKey(text: string): SignerKey {
  // Base64 key data may itself contain '+', so only the first four separators count.
  const parts = splitPlus(text.trim(), 5);
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw new NoteError('signing key: expected PRIVATE+KEY+<name>+<keyid>+<data>');
  }
  const [, , name, hash, data] = parts as [string, string, string, string, string];
  checkKeyName(name);
  const seed = decodeKeyData(data, 'signing key');
  const pub = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
  const id = keyId(name, pub);
  if (id.toString('hex') !== hash.toLowerCase()) throw new NoteError('signing key: key id does not match the key');
  return { name, keyId: id, seed, publicKey: Buffer.from(pub) };
}

export function parseVerifierKey(text: string): VerifierKey {
  const trimmed = text.trim();
  const parts = splitPlus(trimmed, 3);
  if (parts.length !== 3) throw new NoteError('verifier key: expected <name>+<keyid>+<data>');
  const [name, hash, data] = parts as [string, string, string];
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hash)) throw new NoteError('verifier key: key id must be 8 lowercase hex digits');
  const pub = decodeKeyData(data, 'verifier key');
  const id = keyId(name, pub);
  if (id.toString('hex') !== hash) throw new NoteError('verifier key: key id does not match the key');
  return { name, keyId: id, publicKey: pub, text: trimmed };
}

export function verifierKeyOf(k: SignerKey): VerifierKey {
  return { name: k.name, keyId: k.keyId, publicKey: k.publicKey, text: formatVerifierKey(k) };
}

function checkNoteText(text: string): void {
  if (!text.endsWith('\n') || text.includes('\n\n')) throw new NoteError('note text must end in one newline and have no blank lines');
}

const signatureLine = (k: { name: string; keyId: Uint8Array }, sig: Uint8Array): string =>
  `${EM_DASH} ${k.name} ${Buffer.concat([k.keyId, sig]).toString('base64')}\n`;

/** Signs `text` (must end in a newline) with a key in memory and returns the complete note. */
export function signNote(text: string, key: SignerKey): string {
  checkNoteText(text);
  return `${text}\n${signatureLine(key, sign(null, Buffer.from(text, 'utf8'), privateKeyObject(key.seed)))}`;
}

/**
 * Something that signs note text with an Ed25519 key: a key held in memory, or an external signer
 * (an HSM, a KMS, ssh-agent) behind `[audit] sign_command`. Returns the 64-byte signature, one
 * that verifies with `verifier` (an external signer checks its program's answer: signer.ts).
 */
export interface NoteSigner {
  readonly verifier: VerifierKey;
  signature(text: string): Promise<Buffer>;
}

export function localSigner(key: SignerKey): NoteSigner {
  return {
    verifier: verifierKeyOf(key),
    signature: async (text) => sign(null, Buffer.from(text, 'utf8'), privateKeyObject(key.seed)),
  };
}

/** True when `signature` is `key`'s valid Ed25519 signature of `text`. */
export function signatureVerifies(text: string, key: VerifierKey, signature: Uint8Array): boolean {
  return signature.length === 64 && verify(null, Buffer.from(text, 'utf8'), publicKeyObject(key.publicKey), signature);
}

/** Signs `text` with every signer, in order, and returns the note (signature lines in that order). */
export async function signNoteWith(text: string, signers: NoteSigner[]): Promise<string> {
  checkNoteText(text);
  const lines: string[] = [];
  for (const s of signers) lines.push(signatureLine(s.verifier, await s.signature(text)));
  return `${text}\n${lines.join('')}`;
}

/** Every signature on the note by one of `keys` that verifies: the keys that signed it. */
export function verifiedSigners(note: string, keys: VerifierKey[]): { text: string; keys: VerifierKey[] } {
  const parsed = parseNote(note);
  const out: VerifierKey[] = [];
  for (const s of parsed.signatures) {
    const key = keys.find((k) => k.name === s.name && k.keyId.equals(s.keyId));
    if (key && signatureVerifies(parsed.text, key, s.signature) && !out.includes(key)) out.push(key);
  }
  return { text: parsed.text, keys: out };
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

export function parseNote(note: string): ParsedNote {
  if (!note.endsWith('\n')) throw new NoteError('note does not end with a newline');
  // eslint-disable-next-line no-control-regex -- a note may hold newlines but no other control characters
  if (/[\x00-\x09\x0b-\x1f\x7f]/.test(note)) throw new NoteError('note contains control characters');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('note has no signature block');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    if (!m) throw new NoteError('malformed signature line');
    const raw = Buffer.from(m[2]!, 'base64');
    if (raw.length < 5) throw new NoteError('signature too short');
    signatures.push({ name: m[1]!, keyId: raw.subarray(0, 4), signature: raw.subarray(4) });
  }
  if (signatures.length === 0) throw new NoteError('note has no signatures');
  return { text, signatures };
}

/**
 * Opens a note with the trusted keys: returns the text when at least one signature is by a trusted
 * key and every signature by a trusted key verifies. Signatures by other keys are ignored, as the
 * signed-note spec says, but a note with none by a trusted key is rejected.
 */
export function openNote(note: string, trusted: VerifierKey[]): { text: string; key: VerifierKey } {
  const parsed = parseNote(note);
  let good: VerifierKey | undefined;
  for (const s of parsed.signatures) {
    const key = trusted.find((k) => k.name === s.name && k.keyId.equals(s.keyId));
    if (!key) continue;
    if (s.signature.length !== 64 || !verify(null, Buffer.from(parsed.text, 'utf8'), publicKeyObject(key.publicKey), s.signature)) {
      throw new NoteError(`signature by ${key.name} does not verify`);
    }
    good = key;
  }
  if (!good) {
    const names = parsed.signatures.map((s) => `${s.name}+${s.keyId.toString('hex')}`).join(', ');
    throw new NoteError(`not signed by a trusted key (signed by ${names})`);
  }
  return { text: parsed.text, key: good };
}

export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  /** Extension lines after the root, if any. */
  extensions: string[];
}

export function formatCheckpointBody(c: { origin: string; treeSize: number; rootHash: Uint8Array }): string {
  if (c.origin.length === 0 || c.origin.includes('\n')) throw new NoteError('checkpoint origin must be one non-empty line');
  return `${c.origin}\n${c.treeSize}\n${Buffer.from(c.rootHash).toString('base64')}\n`;
}

export function parseCheckpointBody(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new NoteError('checkpoint body needs origin, size and root lines');
  const [origin, sizeLine, rootLine] = lines as [string, string, string];
  if (origin.length === 0) throw new NoteError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw new NoteError(`checkpoint size ${JSON.stringify(sizeLine)} is not a decimal integer`);
  }
  const root = Buffer.from(rootLine, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootLine) throw new NoteError('checkpoint root is not a base64 SHA-256 hash');
  return { origin, treeSize: Number(sizeLine), rootHash: root, extensions: lines.slice(3, -1) };
}

export function signCheckpoint(c: { origin: string; treeSize: number; rootHash: Uint8Array }, key: SignerKey): string {
  return signNote(formatCheckpointBody(c), key);
}

/** Verifies a checkpoint note against trusted keys and parses its body. */
export function openCheckpoint(note: string, trusted: VerifierKey[]): Checkpoint & { key: VerifierKey } {
  const { text, key } = openNote(note, trusted);
  return { ...parseCheckpointBody(text), key };
}
