import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeEntry } from '../domain/audit-entries.js';
import { verifyApprovalSignature } from './approve.js';

/**
 * Re-checks every SSH-signed approval in a bundle's entries against an allowed-signers file the
 * auditor holds (needs ssh-keygen). Run after verifyBundle succeeded, so the entries are known to be
 * the log's. GitHub-imported approvals carry no signature and are reported as such.
 */
export async function verifyBundleApprovals(dir: string, allowedSignersFile: string): Promise<{ verified: number; github: number; problems: string[] }> {
  const text = readFileSync(path.join(dir, 'entries.jsonl'), 'utf8');
  const out = { verified: 0, github: 0, problems: [] as string[] };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const entry = decodeEntry(Buffer.from(line, 'utf8'));
    if (entry.kind !== 'approval') continue;
    if (entry.method === 'github') {
      out.github++;
      continue;
    }
    try {
      await verifyApprovalSignature(entry, allowedSignersFile);
      out.verified++;
    } catch (err) {
      out.problems.push(`approval by ${entry.reviewer} at ${entry.time}: ${(err as Error).message}`);
    }
  }
  return out;
}
