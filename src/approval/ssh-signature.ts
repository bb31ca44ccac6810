import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BulwarkError, ExitCode, UsageError } from '../domain/errors.js';
import { makeTempDir, removeTempDir } from '../sandbox/temp-dirs.js';

/**
 * SSH signatures in the `ssh-keygen -Y sign` (SSHSIG) format. Signing and verification are done by
 * the system's ssh-keygen so that encrypted keys, agents and every key type OpenSSH supports work
 * exactly as they do for `git commit -S`; this module only frames the calls and parses the armored
 * blob to report which key signed.
 */

export const APPROVAL_NAMESPACE = 'bulwark-approval';

export class SignatureError extends BulwarkError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
    this.name = 'SignatureError';
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runSshKeygen(args: string[], input: string | Uint8Array): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh-keygen', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK ?? '' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') reject(new UsageError('ssh-keygen not found on PATH (install openssh-client)'));
      else reject(e);
    });
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Signs `data` with the private key in `keyFile`; returns the armored `-----BEGIN SSH SIGNATURE-----` text. */
export async function sshSign(keyFile: string, data: string | Uint8Array, namespace = APPROVAL_NAMESPACE): Promise<string> {
  const res = await runSshKeygen(['-q', '-Y', 'sign', '-f', keyFile, '-n', namespace], data);
  if (res.code !== 0 || !res.stdout.includes('BEGIN SSH SIGNATURE')) {
    throw new SignatureError(`cannot sign with key ${keyFile}: ${res.stderr.trim().split('\n')[0] || 'ssh-keygen failed'}`);
  }
  return res.stdout.trim() + '\n';
}

export interface SignatureInfo {
  /** OpenSSH key type of the signer, e.g. ssh-ed25519. */
  keyType: string;
  /** `SHA256:<base64, no padding>` as printed by `ssh-keygen -l`. */
  fingerprint: string;
  namespace: string;
  hashAlgorithm: string;
}

/** Parses an armored SSHSIG blob (PROTOCOL.sshsig) without verifying it. */
export function parseSshSignature(armored: string): SignatureInfo {
  const m = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(armored);
  if (!m) throw new SignatureError('signature is not an armored SSH signature');
  const blob = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  let off = 0;
  const need = (n: number): void => {
    if (off + n > blob.length) throw new SignatureError('SSH signature is truncated');
  };
  const u32 = (): number => {
    need(4);
    const v = blob.readUInt32BE(off);
    off += 4;
    return v;
  };
  const str = (): Buffer => {
    const n = u32();
    need(n);
    const v = blob.subarray(off, off + n);
    off += n;
    return v;
  };
  need(6);
  if (blob.subarray(0, 6).toString('latin1') !== 'SSHSIG') throw new SignatureError('SSH signature has no SSHSIG magic');
  off = 6;
  const version = u32();
  if (version !== 1) throw new SignatureError(`unsupported SSHSIG version ${version}`);
  const publicKey = str();
  const namespace = str().toString('utf8');
  str(); // reserved
  const hashAlgorithm = str().toString('utf8');
  str(); // signature
  const keyTypeLen = publicKey.readUInt32BE(0);
  const keyType = publicKey.subarray(4, 4 + keyTypeLen).toString('latin1');
  const fingerprint = 'SHA256:' + createHash('sha256').update(publicKey).digest('base64').replace(/=+$/, '');
  return { keyType, fingerprint, namespace, hashAlgorithm };
}

/**
 * Verifies that `signature` over `data` was made, in `namespace`, by a key the allowed-signers file
 * lists for `principal`. Throws SignatureError naming the reason; resolves with the signer's key info.
 */
export async function sshVerify(opts: {
  allowedSignersFile: string;
  principal: string;
  signature: string;
  data: string | Uint8Array;
  namespace?: string;
}): Promise<SignatureInfo> {
  const namespace = opts.namespace ?? APPROVAL_NAMESPACE;
  const info = parseSshSignature(opts.signature);
  if (info.namespace !== namespace) throw new SignatureError(`signature namespace is "${info.namespace}", expected "${namespace}"`);
  if (!/^[^\s,*?!"]+$/.test(opts.principal)) throw new SignatureError(`invalid principal "${opts.principal}"`);
  const dir = makeTempDir(path.join(tmpdir(), 'bulwark-sshsig-'));
  try {
    const sigFile = path.join(dir, 'data.sig');
    writeFileSync(sigFile, opts.signature, { mode: 0o600 });
    const res = await runSshKeygen(['-Y', 'verify', '-f', opts.allowedSignersFile, '-I', opts.principal, '-n', namespace, '-s', sigFile], opts.data);
    if (res.code !== 0) {
      const why =
        (res.stderr + res.stdout)
          .trim()
          .split('\n')
          .find((l) => l.length > 0) ?? 'verification failed';
      throw new SignatureError(`signature by key ${info.fingerprint} is not valid for "${opts.principal}" per ${opts.allowedSignersFile}: ${why}`);
    }
    return info;
  } finally {
    removeTempDir(dir);
  }
}
