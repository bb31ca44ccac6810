import { existsSync } from 'node:fs';
import { verifyBundleApprovals } from '../approval/bundle-approvals.js';
import { verifyBundle } from '../audit/export/verify-bundle.js';
import { loadVerifierKey } from '../audit/keys.js';
import { defaultKeyPath, publicKeyPathFor } from '../audit/locations.js';
import { UsageError } from '../domain/errors.js';
import { loadEvidenceConfig, type EvidenceFlags } from './evidence-config.js';

export interface BundleVerifyFlags extends EvidenceFlags {
  bundle: string;
  previous?: string;
  trustedKey?: string;
  allowedSigners?: string;
}

/** Verifies an evidence bundle offline: its log range against a trusted key, and optionally its signed approvals. */
export async function verifyEvidenceBundle(o: BundleVerifyFlags) {
  const cfg = loadEvidenceConfig(o);
  const keyFile = o.trustedKey ?? cfg.audit.trusted_key ?? publicKeyPathFor(cfg.audit.key_file ?? defaultKeyPath());
  if (!existsSync(keyFile)) throw new UsageError(`trusted key ${keyFile} does not exist (pass --trusted-key FILE)`);
  if (!existsSync(o.bundle)) throw new UsageError(`--bundle ${o.bundle} does not exist`);
  if (o.previous !== undefined && !existsSync(o.previous)) throw new UsageError(`--previous ${o.previous} does not exist`);
  if (o.allowedSigners !== undefined && !existsSync(o.allowedSigners)) throw new UsageError(`--allowed-signers ${o.allowedSigners} does not exist`);
  const report = verifyBundle({ dir: o.bundle, trustedKeys: [loadVerifierKey(keyFile)], ...(o.previous !== undefined ? { previousDir: o.previous } : {}) });
  let approvals: Awaited<ReturnType<typeof verifyBundleApprovals>> | undefined;
  if (report.ok && o.allowedSigners !== undefined) {
    approvals = await verifyBundleApprovals(o.bundle, o.allowedSigners);
    report.problems.push(...approvals.problems);
    report.ok = report.problems.length === 0;
  }
  return { report, approvals };
}
