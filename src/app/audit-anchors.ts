import { existsSync } from 'node:fs';
import { UsageError } from '../domain/errors.js';
import type { AuditConfig } from '../audit/config.js';
import { enclosingWorkTree, loadVerifierKey } from '../audit/keys.js';
import { defaultKeyPath, publicKeyPathFor } from '../audit/locations.js';
import { parseVerifierKey, type VerifierKey } from '../audit/note.js';
import { CONFIG_FILE_NAME, parseBulwarkConfig } from './config.js';
import { resolveCommit, showFile, workTreeTop } from '../review/git.js';

/**
 * The trust anchors `bulwark audit verify` starts from, gathered outside the log's runner: keys
 * the verifier is handed (--trusted-key), and the `[audit] trusted_keys` of the repository's
 * bulwark.toml at the base revision (committed and reviewed like code; never the working tree,
 * which a run can change). The signer's own public key is only a candidate for first use.
 */

export interface AnchorFlags {
  trustedKey?: string[];
  /** The revision whose bulwark.toml lists trusted keys (default: HEAD of the repository at cwd). */
  base?: string;
  repo?: string;
}

export async function resolveAnchors(flags: AnchorFlags, cwd: string): Promise<{ keys: VerifierKey[]; sources: string[] }> {
  const keys: VerifierKey[] = [];
  const sources: string[] = [];
  for (const file of flags.trustedKey ?? []) {
    keys.push(loadVerifierKey(file));
    sources.push(`--trusted-key ${file}`);
  }
  const base = await baseRevisionKeys(flags.repo ?? cwd, flags.base);
  keys.push(...base.keys);
  if (base.keys.length > 0) sources.push(base.source);
  return { keys, sources };
}

async function baseRevisionKeys(dir: string, explicitRev: string | undefined): Promise<{ keys: VerifierKey[]; source: string }> {
  const root = enclosingWorkTree(dir) ? workTreeTop(dir) : undefined;
  if (!root) {
    if (explicitRev !== undefined) throw new UsageError(`--base ${explicitRev}: ${dir} is not in a git repository`);
    return { keys: [], source: '' };
  }
  const rev = explicitRev ?? 'HEAD';
  const sha = await resolveCommit(root, rev);
  if (!sha) {
    if (explicitRev !== undefined) throw new UsageError(`--base ${JSON.stringify(rev)} is not a commit in ${root}`);
    return { keys: [], source: '' };
  }
  const text = await showFile(root, sha, CONFIG_FILE_NAME);
  if (!text) return { keys: [], source: '' };
  const where = `${CONFIG_FILE_NAME} at ${rev} (${sha.slice(0, 12)})`;
  const cfg = parseBulwarkConfig(text.toString('utf8'), `${where}`, root);
  const keys = (cfg.audit?.trusted_keys ?? []).map((k, i) => {
    try {
      return parseVerifierKey(k);
    } catch (e) {
      throw new UsageError(`${where}: [audit] trusted_keys[${i}]: ${(e as Error).message}`);
    }
  });
  return { keys, source: where };
}

/** The signer's public key, offered for --trust-on-first-use only. */
export function candidateKey(cfg: AuditConfig): VerifierKey | undefined {
  if (cfg.sign_command_key) {
    try {
      return parseVerifierKey(cfg.sign_command_key);
    } catch {
      return undefined;
    }
  }
  const file = cfg.trusted_key ?? publicKeyPathFor(cfg.key_file ?? defaultKeyPath());
  return existsSync(file) ? loadVerifierKey(file) : undefined;
}
