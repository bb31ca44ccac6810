import type { EntryInput } from '../../src/domain/audit-entries.js';
/** Shared fixtures for pipeline tests: a payments repo with a change, the seed topology, an audit log. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openAuditLog, decodeEntry, type AuditLog, type Entry } from '../../src/audit/index.js';
import { acquireChange } from '../../src/review/acquire.js';
import type { Change } from '../../src/domain/change.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';

export const SEED_TOPOLOGY = `[[pipeline.stages]]
name = "static-analysis"
prompt_file = "prompts/static.md"

[[pipeline.stages]]
name = "security-review"
prompt_file = "prompts/security.md"
depends_on = ["static-analysis"]

[[pipeline.stages]]
name = "summary"
prompt_file = "prompts/summary.md"
depends_on = ["static-analysis", "security-review"]
`;

export function writeTopology(text: string, prompts: string[] = ['static', 'security', 'summary']): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-topology-'));
  mkdirSync(path.join(dir, 'prompts'));
  for (const p of prompts) writeFileSync(path.join(dir, 'prompts', `${p}.md`), `You are the ${p} reviewer of a payments codebase.\n`);
  const file = path.join(dir, 'topology.toml');
  writeFileSync(file, text);
  return { dir, file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const BASE_FILES = {
  'src/payments/charge.js': `export function charge(account, amountCents) {\n  if (!Number.isInteger(amountCents)) throw new Error('amount must be integer cents');\n  return account.debit(amountCents);\n}\n`,
  'src/payments/refund.js': `export function refund(account, amountCents) {\n  return account.credit(amountCents);\n}\n`,
  'README.md': '# demo\n',
};

export const CHANGED_CHARGE = `export function charge(account, amount, card) {\n  const value = parseFloat(amount);\n  console.log('charging card', card.number, value);\n  return account.debit(value);\n}\n`;

/** A repo readable by the sandbox uid with one commit on main and a change on branch "feature". */
export async function paymentsRepo(extra: Record<string, string> = {}): Promise<{ repo: GitRepo; change: Change }> {
  const repo = makeGitRepo('bulwark-pipe-');
  chmodSync(repo.dir, 0o755);
  repo.writeAll(BASE_FILES);
  repo.commit('base');
  repo.checkout('feature', true);
  repo.writeAll({ 'src/payments/charge.js': CHANGED_CHARGE, ...extra });
  repo.commit('change');
  const change = await acquireChange({ repoDir: repo.dir, base: 'main', head: 'feature', env: {} });
  return { repo, change };
}

export async function tempAudit(): Promise<{ audit: AuditLog; dir: string; entries: () => Promise<Entry[]>; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-audit-'));
  const audit = await openAuditLog({ location: path.join(dir, 'audit.db') });
  return {
    audit,
    dir,
    async entries() {
      const out: Entry[] = [];
      const size = await audit.size();
      for await (const batch of audit.store.readEntries(0, size)) for (const e of batch) out.push(decodeEntry(e.bytes));
      return out;
    },
    async cleanup() {
      await audit.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An audit sink that keeps entries in memory (and stores no blob): what a hostile worker caused, without a database. */
export function memoryAudit(): { entries: EntryInput[]; append(e: EntryInput): Promise<unknown>; putBlob(d: Uint8Array | string): Promise<string> } {
  const entries: EntryInput[] = [];
  return {
    entries,
    append: async (e) => {
      entries.push(e);
    },
    putBlob: async () => 'sha256:' + '0'.repeat(64),
  };
}
