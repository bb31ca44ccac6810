import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { UsageError } from '../domain/errors.js';
import type { AuditConfig } from './config.js';
import { loadSignerKey, writeKeyPair } from './keys.js';
import { defaultKeyPath } from './locations.js';
import { AUDIT_KEY_ENV, captureEnvSigningKey, capturedEnvSigningKey } from './env-key.js';
import { localSigner, type NoteError, parseSignerKey, parseVerifierKey, signatureVerifies, type NoteSigner, type VerifierKey } from './note.js';

export { AUDIT_KEY_ENV, captureEnvSigningKey } from './env-key.js';

/**
 * Where the checkpoint signing key comes from, in order: an explicit key file (--key), the
 * BULWARK_AUDIT_KEY environment variable (the key material, for CI secrets), `[audit] key_file`,
 * `[audit] sign_command` (an external signer), else the per-user default key, created on first
 * use — except in CI (CI=true), where a runner inventing its own key would sign the shared log
 * under a key nobody anchors, unless `[audit] generate_key` or BULWARK_AUDIT_GENERATE_KEY=1 says so.
 */

export const GENERATE_KEY_ENV = 'BULWARK_AUDIT_GENERATE_KEY';

function envKey(env: NodeJS.ProcessEnv): string | undefined {
  captureEnvSigningKey(env);
  return capturedEnvSigningKey();
}

export interface SignerOptions {
  /** An explicit key file (--key); beats every other source. */
  keyFile?: string;
  config?: AuditConfig;
  notice: (msg: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Create the per-user key when it is the one to use and missing (default true); false makes that an error. */
  createDefaultKey?: boolean;
}

/** A resolved signer; `file` is set when the key came from a key file. */
export type ResolvedSigner = NoteSigner & { file?: string };

export function resolveSigner(opts: SignerOptions): ResolvedSigner {
  const env = opts.env ?? process.env;
  const cfg = opts.config ?? {};
  if (opts.keyFile === '') throw new UsageError('--key needs the path of a key file');
  if (opts.keyFile !== undefined) return fileSigner(opts.keyFile);
  const material = envKey(env);
  if (material !== undefined) {
    try {
      return localSigner(parseSignerKey(material));
    } catch (e) {
      // Never echo the material: only what is wrong with it.
      throw new UsageError(`${AUDIT_KEY_ENV}: ${(e as NoteError).message} (expected the contents of a key file written by bulwark audit keygen)`);
    }
  }
  if (cfg.key_file && cfg.sign_command) throw new UsageError('[audit] key_file and sign_command are both set: configure one signing key');
  if (cfg.key_file) return fileSigner(cfg.key_file);
  if (cfg.sign_command) {
    if (!cfg.sign_command_key) throw new UsageError("[audit] sign_command needs sign_command_key (the signer's public key, a C2SP vkey line)");
    return commandSigner(cfg.sign_command, parseConfiguredVkey(cfg.sign_command_key, 'sign_command_key'), env);
  }
  const file = defaultKeyPath();
  if (!existsSync(file)) {
    if (opts.createDefaultKey === false) throw new UsageError(`signing key ${file} does not exist (pass --key FILE)`);
    if (env.CI === 'true' && cfg.generate_key !== true && env[GENERATE_KEY_ENV] !== '1') {
      throw new UsageError(
        `no audit signing key configured and CI=true: set ${AUDIT_KEY_ENV} (the action's audit-key input), [audit] key_file or [audit] sign_command, or allow a per-runner key with [audit] generate_key = true`,
      );
    }
    const res = writeKeyPair(file, { allowInRepo: false });
    opts.notice(`created audit signing key ${res.keyFile}; its public key ${res.publicKeyFile}: ${res.verifierKey}`);
  } else if (!statSync(file).isFile()) {
    throw new UsageError(`signing key ${file} is not a regular file`);
  }
  return { ...localSigner(loadSignerKey(file)), file };
}

function fileSigner(file: string): ResolvedSigner {
  if (!existsSync(file)) throw new UsageError(`signing key ${file} does not exist (create it with: bulwark audit keygen --out ${file})`);
  return { ...localSigner(loadSignerKey(file)), file };
}

export function parseConfiguredVkey(text: string, field: string): VerifierKey {
  try {
    return parseVerifierKey(text);
  } catch (e) {
    throw new UsageError(`[audit] ${field}: ${(e as Error).message}`);
  }
}

const SIGN_TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 4096;

/**
 * An external signer: `argv` runs without a shell, gets the note body (the exact bytes to sign) on
 * stdin and prints the Ed25519 signature on stdout, either as the 64 raw bytes or as one line of
 * base64. The signature is checked against `verifier` before anything is stored.
 */
export function commandSigner(argv: string[], verifier: VerifierKey, env: NodeJS.ProcessEnv = process.env): NoteSigner {
  if (argv.length === 0 || argv[0] === '') throw new UsageError('[audit] sign_command must name a program');
  const childEnv = { ...env };
  delete childEnv[AUDIT_KEY_ENV];
  return {
    verifier,
    signature: (text) =>
      new Promise<Buffer>((resolve, reject) => {
        const fail = (why: string) => reject(new UsageError(`[audit] sign_command ${argv[0]}: ${why}`));
        const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv, timeout: SIGN_TIMEOUT_MS });
        const out: Buffer[] = [];
        let size = 0;
        let err = '';
        child.stdout.on('data', (d: Buffer) => {
          size += d.length;
          if (size <= MAX_OUTPUT) out.push(d);
        });
        child.stderr.on('data', (d: Buffer) => {
          if (err.length < 500) err += d.toString('utf8');
        });
        child.on('error', (e) => fail((e as NodeJS.ErrnoException).code ?? e.message));
        child.on('close', (code, signal) => {
          if (code !== 0) return fail(`exited ${code ?? signal}${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''}`);
          const sig = decodeSignature(Buffer.concat(out));
          if (!sig) return fail('did not print a 64-byte Ed25519 signature (raw, or one line of base64)');
          // checked before anything is stored: a signer holding another key fails here, not at verify
          if (!signatureVerifies(text, verifier, sig)) return fail(`the signature returned for key ${verifier.name} does not verify with its public key`);
          resolve(sig);
        });
        child.stdin.on('error', () => undefined);
        child.stdin.end(text);
      }),
  };
}

export function decodeSignature(out: Buffer): Buffer | null {
  if (out.length === 64) return out;
  const line = out.toString('latin1').trim();
  if (!/^[A-Za-z0-9+/]{86}==$/.test(line)) return null;
  const sig = Buffer.from(line, 'base64');
  return sig.length === 64 ? sig : null;
}
