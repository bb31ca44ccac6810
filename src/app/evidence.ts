import { existsSync } from 'node:fs';
import { verifyBundleApprovals } from '../approval/bundle-approvals.js';
import { verifyBundle } from '../audit/export/verify-bundle.js';
import { BulwarkError, ExitCode, UsageError } from '../domain/errors.js';
import { resolveAnchors } from './audit-anchors.js';
import { loadEvidenceConfig, type EvidenceFlags } from './evidence-config.js';

export interface BundleVerifyFlags extends EvidenceFlags {
  bundle: string;
  previous?: string;
  trustedKey?: string;
  allowedSigners?: string;
}

/** Verifies an evidence bundle offline: its log range against a trusted key, and optionally its signed approvals. */
export async function verifyEvidenceBundle(o: BundleVerifyFlags) {
  loadEvidenceConfig(o); // a bad --config is a usage error before anything is read
  if (o.trustedKey !== undefined && !existsSync(o.trustedKey)) throw new UsageError(`--trusted-key ${o.trustedKey} does not exist`);
  // the same anchors as a log verify: never the signer's own public key beside its signing key
  const anchors = await resolveAnchors(
    { trustedKey: o.trustedKey !== undefined ? [o.trustedKey] : [], ...(o.repo !== undefined ? { repo: o.repo } : {}) },
    process.cwd(),
  );
  if (anchors.keys.length === 0) {
    throw new BulwarkError(
      "evidence bundle verification: no trust anchor: pass --trusted-key FILE or list the key in [audit] trusted_keys of the repository's bulwark.toml (the signer's own public key is not an anchor)",
      ExitCode.Internal,
    );
  }
  if (!existsSync(o.bundle)) throw new UsageError(`--bundle ${o.bundle} does not exist`);
  if (o.previous !== undefined && !existsSync(o.previous)) throw new UsageError(`--previous ${o.previous} does not exist`);
  if (o.allowedSigners !== undefined && !existsSync(o.allowedSigners)) throw new UsageError(`--allowed-signers ${o.allowedSigners} does not exist`);
  const report = verifyBundle({ dir: o.bundle, trustedKeys: anchors.keys, ...(o.previous !== undefined ? { previousDir: o.previous } : {}) });
  let approvals: Awaited<ReturnType<typeof verifyBundleApprovals>> | undefined;
  if (report.ok && o.allowedSigners !== undefined) {
    approvals = await verifyBundleApprovals(o.bundle, o.allowedSigners);
    report.problems.push(...approvals.problems);
    report.ok = report.problems.length === 0;
  }
  return { report, approvals };
}
