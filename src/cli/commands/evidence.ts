import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { allowedSignersFile, dbLocation, loadEvidenceConfig, withEvidenceLog, type EvidenceFlags } from '../../approval/cli-support.js';
import { publishApprovalCheck } from '../../approval/github.js';
import { approvalStatus } from '../../approval/status.js';
import { exportBundle } from '../../audit/export/bundle.js';
import { isoWeekPeriod, rangePeriod } from '../../audit/export/period.js';
import { formatBundleReport, verifyBundle, verifyBundleApprovals } from '../../audit/export/verify-bundle.js';
import { loadSignerKey, loadVerifierKey } from '../../audit/keys.js';
import { defaultKeyPath, isPostgresUrl, publicKeyPathFor, resolveDbLocation } from '../../audit/locations.js';
import { applyRetention } from '../../audit/retention.js';
import { grantAppendOnly } from '../../audit/store-postgres.js';
import { BulwarkError, ExitCode, UsageError } from '../../errors.js';
import { packageVersion } from '../../paths.js';
import type { CommandModule } from '../command-module.js';
import { registerApprove } from './approve.js';
import { registerIncident } from './incident.js';
import { registerTrailers } from './trailers.js';

/**
 * Evidence commands: `audit export|retain|pg-init` (under engineer A's `audit`), `gate status`
 * (under engineer G's `gate`), plus `approve`, `incident report` and `trailers`.
 */

function dbOptions(cmd: Command): Command {
  return cmd
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .addOption(new Option('--db <location>').hideHelp())
    .option('--config <file>', 'bulwark.toml (default: ./bulwark.toml)');
}

function parentNamed(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

function parseDays(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`--${flag} "${v}" is not a positive number of days`);
  return Number(v);
}

/** `audit verify --bundle DIR [--previous DIR] [--trusted-key FILE] [--allowed-signers FILE]`; called from the audit verify command. */
export async function runBundleVerify(
  o: EvidenceFlags & { bundle: string; previous?: string; trustedKey?: string; allowedSigners?: string; json?: boolean },
  setExit: (code: number) => void,
): Promise<void> {
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
  if (o.json) process.stdout.write(JSON.stringify({ ...report, ...(approvals ? { approvals } : {}) }, null, 2) + '\n');
  else {
    process.stdout.write(formatBundleReport(report));
    if (approvals) process.stdout.write(`  approvals: ${approvals.verified} SSH signature(s) verified against ${o.allowedSigners}; ${approvals.github} imported from GitHub (not signed)\n`);
  }
  if (!report.ok) throw new BulwarkError(`evidence bundle verification failed: ${report.problems[0]}`, ExitCode.Internal);
  setExit(ExitCode.Pass);
}

function registerAuditEvidence(program: Command, setExit: (code: number) => void): void {
  const audit = parentNamed(program, 'audit', 'Tamper-evident audit log');
  // `audit verify --bundle` is dispatched to runBundleVerify by engineer A's verify action.
  audit.commands
    .find((c) => c.name() === 'verify')
    ?.option('--allowed-signers <file>', 'with --bundle: also check every SSH-signed approval against this allowed-signers file');

  dbOptions(
    audit
      .command('export')
      .description('Write the SOC 2 evidence bundle for a week or date range (byte-identical for the same parameters)')
      .option('--week <yyyy-Www>', 'ISO week, e.g. 2026-W47 (UTC)')
      .option('--from <date>', 'start (UTC date or time, inclusive)')
      .option('--to <date>', 'end (UTC date or time, exclusive)')
      .requiredOption('--out <dir>', 'bundle folder to create (must not exist or be empty)')
      .option('--previous <dir>', "previous bundle: its manifest hash is chained into this one's")
      .option('--key <file>', 'audit signing key (default [audit] key_file, else the per-user key)'),
  ).action(async (o: EvidenceFlags & { week?: string; from?: string; to?: string; out: string; previous?: string; key?: string }) => {
    if (o.week !== undefined && (o.from !== undefined || o.to !== undefined)) throw new UsageError('use --week or --from/--to, not both');
    let period;
    if (o.week !== undefined) period = isoWeekPeriod(o.week);
    else if (o.from !== undefined && o.to !== undefined) period = rangePeriod(o.from, o.to);
    else throw new UsageError('export needs --week YYYY-Www or both --from and --to');
    const cfg = loadEvidenceConfig(o);
    const keyFile = o.key ?? cfg.audit.key_file ?? defaultKeyPath();
    if (!existsSync(keyFile)) throw new UsageError(`signing key ${keyFile} does not exist (pass --key FILE)`);
    const signer = loadSignerKey(keyFile);
    const res = await withEvidenceLog(o, cfg, (log) =>
      exportBundle({
        log,
        period: period!,
        outDir: o.out,
        signer,
        generatorVersion: packageVersion,
        ...(o.previous !== undefined ? { previousDir: o.previous } : {}),
        ...(cfg.text !== undefined ? { configSnapshot: cfg.text } : {}),
      }),
    );
    const m = res.manifest;
    process.stdout.write(
      `evidence bundle ${res.outDir}: ${m.period.from} .. ${m.period.to}, entries ${m.log.start.size}..${m.log.end.size}\n` +
        res.files.map((f) => `  ${f}`).join('\n') +
        '\n',
    );
    setExit(ExitCode.Pass);
  });

  dbOptions(
    audit
      .command('retain')
      .description('Move prompt/response blobs: >hot days to monthly warm archives, >warm days to cold, purge after purge days')
      .option('--dry-run', 'print what would move; change nothing')
      .option('--hot-days <n>', 'days blobs stay in the database (default: [audit.retention] hot_days, else 90)')
      .option('--warm-days <n>', 'days until warm archives move to cold (default: [audit.retention] warm_days, else 730)')
      .option('--purge-days <n>', 'days until cold archives are purged (default: [audit.retention] purge_days, else 2555)')
      .option('--warm-dir <dir>', 'warm archive location (default: [audit.retention] warm_dir, else <db dir>/archive/warm)')
      .option('--cold-dir <dir>', 'cold archive location (default: [audit.retention] cold_dir, else <db dir>/archive/cold)')
      .option('--json', 'print the actions as JSON'),
  ).action(async (o: EvidenceFlags & { dryRun?: boolean; hotDays?: string; warmDays?: string; purgeDays?: string; warmDir?: string; coldDir?: string; json?: boolean }) => {
    const cfg = loadEvidenceConfig(o);
    // Flags override [audit.retention] (whose paths are already resolved against bulwark.toml's folder).
    const policy = cfg.audit.retention ?? {};
    const location = resolveDbLocation(dbLocation(o), cfg.audit.db);
    const base = isPostgresUrl(location) ? undefined : path.join(path.dirname(path.resolve(location)), 'archive');
    const warmDir = o.warmDir ?? policy.warm_dir ?? (base && path.join(base, 'warm'));
    const coldDir = o.coldDir ?? policy.cold_dir ?? (base && path.join(base, 'cold'));
    if (!warmDir || !coldDir) throw new UsageError('a PostgreSQL audit log needs archive folders: --warm-dir and --cold-dir, or [audit.retention] warm_dir and cold_dir');
    const hotDays = parseDays('hot-days', o.hotDays) ?? policy.hot_days;
    const warmDays = parseDays('warm-days', o.warmDays) ?? policy.warm_days;
    const purgeDays = parseDays('purge-days', o.purgeDays) ?? policy.purge_days;
    const res = await withEvidenceLog(o, cfg, (log) =>
      applyRetention({
        log,
        warmDir,
        coldDir,
        ...(hotDays !== undefined ? { hotDays } : {}),
        ...(warmDays !== undefined ? { warmDays } : {}),
        ...(purgeDays !== undefined ? { purgeDays } : {}),
        dryRun: o.dryRun ?? false,
      }),
    );
    if (o.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
    else {
      const lines = [`retention (${res.policy})${res.dryRun ? ' — dry run, nothing changed' : ''}:`];
      for (const a of res.actions) {
        if (a.action === 'archive') lines.push(`  archive ${a.blobs.length} blob(s) of ${a.month} → ${a.archive}`);
        else if (a.action === 'move-archive') lines.push(`  move ${a.from} → ${a.archive} (${a.blobs.length} blob(s))`);
        else if (a.action === 'purge') lines.push(`  purge ${a.blobs.length} blob(s)${a.archive ? ` in ${a.archive}` : ' from the database'}`);
        else lines.push(`  remove ${a.blobs.length} leftover database copy(ies) of moved blobs`);
      }
      if (res.actions.length === 0) lines.push('  nothing to do');
      if (!res.dryRun && res.entries.length > 0) lines.push(`  recorded as audit entries ${res.entries.join(', ')}`);
      process.stdout.write(lines.join('\n') + '\n');
    }
    setExit(ExitCode.Pass);
  });

  audit
    .command('pg-init')
    .description('Create the audit schema in a PostgreSQL database (as its owner) and limit an application role to appending')
    .requiredOption('--audit-db <url>', 'postgres:// URL of the database owner')
    .option('--app-role <role>', 'role the CI runners connect as: granted SELECT and INSERT only')
    .action(async (o: { auditDb: string; appRole?: string }) => {
      if (!isPostgresUrl(o.auditDb)) throw new UsageError('--audit-db must be a postgres:// URL');
      const { openPostgresLogStore } = await import('../../audit/store-postgres.js');
      const store = await openPostgresLogStore(o.auditDb);
      await store.close();
      if (o.appRole) await grantAppendOnly(o.auditDb, o.appRole);
      process.stdout.write(`audit schema ready in ${store.location}${o.appRole ? `; role ${o.appRole} may only read and append` : ''}\n`);
      setExit(ExitCode.Pass);
    });
}

function registerGateStatus(program: Command, setExit: (code: number) => void): void {
  const gate = parentNamed(program, 'gate', 'Compliance gate');
  dbOptions(
    gate
      .command('status')
      .description('Exit 0 when the run is not flagged or its zones have the approvals they require, else 2')
      .requiredOption('--run <id>', 'the Bulwark run')
      .option('--allowed-signers <file>', 'OpenSSH allowed-signers file (default [approvals] allowed_signers)')
      .option('--github-repo <owner/name>', "also set the `bulwark` check on the run's head commit (token from GITHUB_TOKEN)")
      .option('--api-url <url>', 'GitHub REST API base URL (GitHub Enterprise)', process.env.GITHUB_API_URL)
      .option('--json', 'print the status as JSON'),
  ).action(async function (this: Command) {
    // The parent `gate` command has flags of the same names; take whichever level got them.
    const o = this.optsWithGlobals<EvidenceFlags & { run: string; allowedSigners?: string; githubRepo?: string; apiUrl?: string; json?: boolean }>();
    const cfg = loadEvidenceConfig(o);
    const signers = allowedSignersFile(o.allowedSigners, cfg, false);
    const status = await withEvidenceLog(o, cfg, (log) =>
      approvalStatus({ store: log.store, runId: o.run, gate: cfg.gate, approvals: cfg.approvals, allowedSignersFile: signers }),
    );
    if (o.json) process.stdout.write(JSON.stringify(status, null, 2) + '\n');
    else {
      const lines = [`run ${status.runId}: ${!status.flagged ? 'not flagged' : status.approved ? 'approved' : 'approval required'}`];
      for (const z of status.zones) {
        lines.push(`  zone ${z.zone}: ${z.approvedBy.length}/${z.required} approvals${z.approvedBy.length ? ` (${z.approvedBy.join(', ')})` : ''}${z.missingGroups.length ? `; missing group ${z.missingGroups.join(', ')}` : ''}${z.rejectedBy.length ? `; rejected by ${z.rejectedBy.join(', ')}` : ''}`);
      }
      for (const r of status.reasons) if (!r.startsWith('zone ')) lines.push(`  ${r}`);
      for (const i of status.ignored) lines.push(`  not counted: approval #${i.index} by ${i.reviewer}: ${i.reason}`);
      process.stdout.write(lines.join('\n') + '\n');
    }
    if (o.githubRepo !== undefined) {
      const token = process.env.GITHUB_TOKEN;
      if (!token) throw new UsageError('--github-repo needs a token in GITHUB_TOKEN');
      const head = status.head;
      if (!head || !/^[0-9a-f]{40}$/.test(head)) throw new UsageError(`run ${status.runId} recorded no head commit; cannot set its check`);
      const summary = status.flagged ? (status.approved ? `approved by ${[...new Set(status.zones.flatMap((z) => z.approvedBy))].join(', ') || 'policy'}` : status.reasons.join('; ')) : 'not flagged';
      const res = await publishApprovalCheck({ repository: o.githubRepo, headSha: head, approved: status.approved, summary, token, ...(o.apiUrl ? { apiUrl: o.apiUrl } : {}) });
      if (!o.json) process.stdout.write(`  github: ${res.kind} ${res.id} on ${head} set to ${status.approved ? 'success' : 'approval required'}\n`);
    }
    setExit(status.approved ? ExitCode.Pass : ExitCode.ApprovalRequired);
  });
}

export const evidenceCommandModule: CommandModule = {
  register(program, setExit) {
    registerAuditEvidence(program, setExit);
    registerGateStatus(program, setExit);
    registerApprove(program, setExit);
    registerIncident(program, setExit);
    registerTrailers(program, setExit);
  },
};

export const register = evidenceCommandModule.register;
