import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { NoteError, checkKeyName, privateKeyObject, publicKeyObject, splitPlus, type NoteSignature } from '../note.js';

/**
 * C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 `cosignature/v1`:
 *
 * - Key id: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4]; vkey `<name>+<id>+base64(0x04 ‖ pub)`.
 * - Signed message: `cosignature/v1\n` `time <POSIX seconds>\n` then the checkpoint's note body.
 * - Signature line: `— <name> base64(key id ‖ u64 big-endian timestamp ‖ 64-byte signature)`.
 *
 * A witness signer key file is `PRIVATE+KEY+<name>+<id>+base64(0x04 ‖ seed)`, the signed-note
 * signer format with the cosignature algorithm byte, so it can never be mistaken for a log key.
 */

const ALG_COSIGNATURE_V1 = 0x04;
const PKCS8_ED25519_PREFIX_LENGTH = 16;
const SPKI_ED25519_PREFIX_LENGTH = 12;
const EM_DASH = '\u2014';
/** 2^63 - 1 as the spec's bound on a timestamp. */
const MAX_TIMESTAMP = (1n << 63n) - 1n;

export interface WitnessKey {
  name: string;
  keyId: Buffer;
  publicKey: Buffer;
  /** The vkey string. */
  text: string;
}

export interface WitnessSigner extends WitnessKey {
  seed: Buffer;
}

export function witnessKeyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ALG_COSIGNATURE_V1]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

function vkeyText(name: string, id: Buffer, pub: Buffer): string {
  return `${name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([ALG_COSIGNATURE_V1]), pub]).toString('base64')}`;
}

function keyData(b64: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new NoteError(`${what}: key data is not base64`);
  const data = Buffer.from(b64, 'base64');
  if (data.length !== 33 || data[0] !== ALG_COSIGNATURE_V1) {
    throw new NoteError(`${what}: not an Ed25519 cosignature/v1 key (expected 0x04 ‖ 32 bytes)`);
  }
  return data.subarray(1);
}

export function generateWitnessSigner(name: string): WitnessSigner {
  checkKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX_LENGTH));
  const pub = Buffer.from(publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX_LENGTH));
  const id = witnessKeyId(name, pub);
  return { name, keyId: id, publicKey: pub, seed, text: vkeyText(name, id, pub) };
}

export function formatWitnessSigner(k: WitnessSigner): string {
  return `PRIVATE+KEY+${k.name}+${k.keyId.toString('hex')}+${Buffer.concat([Buffer.from([ALG_COSIGNATURE_V1]), k.seed]).toString('base64')}`;
}

export function parseWitnessSigner(text: string): WitnessSigner {
  const parts = splitPlus(text.trim(), 5);
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw new NoteError('witness key: expected PRIVATE+KEY+<name>+<keyid>+<data>');
  const [, , name, hash, data] = parts as [string, string, string, string, string];
  checkKeyName(name);
  const seed = keyData(data, 'witness key');
  const pub = Buffer.from(createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX_LENGTH));
  const id = witnessKeyId(name, pub);
  if (id.toString('hex') !== hash.toLowerCase()) throw new NoteError('witness key: key id does not match the key');
  return { name, keyId: id, publicKey: pub, seed, text: vkeyText(name, id, pub) };
}

export function parseWitnessKey(text: string): WitnessKey {
  const trimmed = text.trim();
  const parts = splitPlus(trimmed, 3);
  if (parts.length !== 3) throw new NoteError('witness vkey: expected <name>+<keyid>+<data>');
  const [name, hash, data] = parts as [string, string, string];
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hash)) throw new NoteError('witness vkey: key id must be 8 lowercase hex digits');
  const pub = keyData(data, 'witness vkey');
  const id = witnessKeyId(name, pub);
  if (id.toString('hex') !== hash) throw new NoteError('witness vkey: key id does not match the key');
  return { name, keyId: id, publicKey: pub, text: trimmed };
}

/** `<name>+<key id hex>`: how the store names the witness of a cosignature. */
export function witnessLabel(k: { name: string; keyId: Buffer }): string {
  return `${k.name}+${k.keyId.toString('hex')}`;
}

function signedMessage(checkpointBody: string, timestamp: bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp.toString()}\n${checkpointBody}`, 'utf8');
}

/** The cosignature line (without newline) over a checkpoint's note body at `timestamp` (POSIX seconds). */
export function cosign(checkpointBody: string, key: WitnessSigner, timestamp: number): string {
  const ts = BigInt(Math.floor(timestamp));
  if (ts < 0n || ts > MAX_TIMESTAMP) throw new NoteError('cosignature timestamp out of range');
  const sig = sign(null, signedMessage(checkpointBody, ts), privateKeyObject(key.seed));
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(ts);
  return `${EM_DASH} ${key.name} ${Buffer.concat([key.keyId, time, sig]).toString('base64')}`;
}

/** Parses one `— <name> <base64>` line into a note signature. */
export function parseSignatureLine(line: string): NoteSignature {
  const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
  if (!m) throw new NoteError('malformed signature line');
  const raw = Buffer.from(m[2]!, 'base64');
  if (raw.length < 5) throw new NoteError('signature too short');
  return { name: m[1]!, keyId: raw.subarray(0, 4), signature: raw.subarray(4) };
}

/** True when the signature line is by this witness key (name and key id), whether or not it verifies. */
export function isByWitness(sig: NoteSignature, key: WitnessKey): boolean {
  return sig.name === key.name && sig.keyId.equals(key.keyId);
}

/** Verifies a cosignature by `key` over the checkpoint body; returns its timestamp (POSIX seconds). */
export function verifyCosignature(sig: NoteSignature, checkpointBody: string, key: WitnessKey): number {
  if (!isByWitness(sig, key)) throw new NoteError(`not a cosignature by ${witnessLabel(key)}`);
  if (sig.signature.length !== 8 + 64) throw new NoteError(`cosignature by ${key.name} has the wrong length`);
  const ts = sig.signature.readBigUInt64BE(0);
  if (ts > MAX_TIMESTAMP) throw new NoteError(`cosignature by ${key.name} has an invalid timestamp`);
  if (!verify(null, signedMessage(checkpointBody, ts), publicKeyObject(key.publicKey), sig.signature.subarray(8))) {
    throw new NoteError(`cosignature by ${key.name} does not verify`);
  }
  return Number(ts);
}
