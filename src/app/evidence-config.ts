import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseApprovalsConfig, type ApprovalsConfig } from '../approval/config.js';
import { resolveAuditConfigPaths, type AuditConfig } from '../audit/config.js';
import { openAuditLog, type AuditLog } from '../audit/index.js';
import { loadBulwarkConfig, type BulwarkConfig } from './config.js';
import { UsageError } from '../domain/errors.js';
import type { GateConfig } from '../gate/config.js';

/** Flags every evidence command shares: where the log is and which bulwark.toml applies. */
export interface EvidenceFlags {
  auditDb?: string;
  db?: string;
  config?: string;
  repo?: string;
}

export interface LoadedConfig {
  /** bulwark.toml text, for the evidence bundle's config snapshot; undefined when there is none. */
  text: string | undefined;
  file: string | null;
  dir: string;
  audit: AuditConfig;
  approvals: ApprovalsConfig;
  gate: GateConfig | undefined;
}

/** --config FILE, else <--repo>/bulwark.toml, else ./bulwark.toml, else defaults. */
export function loadEvidenceConfig(flags: EvidenceFlags): LoadedConfig {
  const candidates = flags.config ? [flags.config] : [path.join(flags.repo ?? '.', 'bulwark.toml'), 'bulwark.toml'];
  const file = candidates.find((f) => existsSync(f));
  if (flags.config && !file) throw new UsageError(`--config ${flags.config} does not exist`);
  const cfg: BulwarkConfig | undefined = file ? loadBulwarkConfig(file) : undefined;
  const dir = cfg?.dir ?? path.resolve(flags.repo ?? '.');
  const approvals = parseApprovalsConfig(cfg?.approvals);
  return {
    text: file ? readFileSync(file, 'utf8') : undefined,
    file: cfg?.file ?? null,
    dir,
    audit: resolveAuditConfigPaths(cfg?.audit, dir),
    approvals: { ...approvals, ...(approvals.allowed_signers ? { allowed_signers: path.resolve(dir, approvals.allowed_signers) } : {}) },
    gate: cfg?.gate,
  };
}

export function dbLocation(flags: EvidenceFlags): string | undefined {
  if (flags.db && flags.auditDb && flags.db !== flags.auditDb) throw new UsageError('--db and --audit-db disagree');
  return flags.db ?? flags.auditDb;
}

export async function withEvidenceLog<T>(
  flags: EvidenceFlags,
  cfg: LoadedConfig,
  fn: (log: AuditLog) => Promise<T>,
  opts: { mustExist?: boolean } = {},
): Promise<T> {
  const log = await openAuditLog({ location: dbLocation(flags), config: cfg.audit, mustExist: opts.mustExist ?? true });
  try {
    return await fn(log);
  } finally {
    await log.close();
  }
}

/** --allowed-signers, else [approvals] allowed_signers; must exist. */
export function allowedSignersFile(flag: string | undefined, cfg: LoadedConfig, required: boolean): string | undefined {
  const file = flag ?? cfg.approvals.allowed_signers;
  if (!file) {
    if (required) throw new UsageError('no allowed-signers file: pass --allowed-signers FILE or set [approvals] allowed_signers');
    return undefined;
  }
  if (!existsSync(file)) throw new UsageError(`allowed-signers file ${file} does not exist`);
  return file;
}

/** --key, else the usual OpenSSH key locations. */
export function sshKeyFile(flag: string | undefined): string {
  if (flag) {
    if (!existsSync(flag)) throw new UsageError(`--key ${flag} does not exist`);
    return flag;
  }
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const f = path.join(homedir(), '.ssh', name);
    if (existsSync(f)) return f;
  }
  throw new UsageError('no SSH key found in ~/.ssh (pass --key FILE)');
}
