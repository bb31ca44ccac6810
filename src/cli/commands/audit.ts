import { type Command, Option } from 'commander';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadBulwarkConfig } from '../../app/config.js';
import { BulwarkError, ExitCode, UsageError } from '../../domain/errors.js';
import { resolveAuditConfigPaths, type AuditConfig } from '../../audit/config.js';
import { decodeEntry, ENTRY_KINDS, EntryError, type Entry, type EntryInput } from '../../domain/audit-entries.js';
import { writeKeyPair, loadVerifierKey } from '../../audit/keys.js';
import { defaultKeyPath, defaultVerifyStatePath, displayLocation, publicKeyPathFor, resolveDbLocation } from '../../audit/locations.js';
import { localSigner } from '../../audit/note.js';
import { resolveSigner } from '../../audit/signer.js';
import { candidateKey, resolveAnchors } from '../../app/audit-anchors.js';
import { openAuditLogImpl, openStore, type AuditLogImpl } from '../../audit/log.js';
import { verifyInclusion } from '../../audit/merkle.js';
import { openCheckpoint, parseCheckpointBody, parseNote } from '../../audit/note.js';
import { verifyLog, type VerifyReport } from '../../audit/verify.js';
import { mergeTrusted, readVerifierState, writeVerifierState } from '../../audit/verify-state.js';
import { exportBundle } from '../../audit/export/bundle.js';
import { isoWeekPeriod, rangePeriod } from '../../audit/export/period.js';
import { formatBundleReport } from '../../audit/export/verify-bundle.js';
import { loadSignerKey } from '../../audit/keys.js';
import { isPostgresUrl } from '../../audit/locations.js';
import { applyRetention } from '../../audit/retention.js';
import { grantAppendOnly } from '../../audit/store-postgres.js';
import { verifyEvidenceBundle, type BundleVerifyFlags } from '../../app/evidence.js';
import { dbLocation, loadEvidenceConfig, withEvidenceLog, type EvidenceFlags } from '../../app/evidence-config.js';
import { packageVersion } from '../../sandbox/package-paths.js';
import { dbOptions, parseDays } from '../options.js';
import { registerWitness, witnessPolicy } from './audit-witness.js';

/**
 * `bulwark audit keygen|verify|checkpoint|proof|record|show`. Thin: resolve flags and config, call
 * src/audit, print. Verification failure exits 5 (fails closed); bad flags or files exit 3.
 */

interface CommonFlags {
  db?: string;
  auditDb?: string;
  config?: string;
}

function auditConfig(flags: CommonFlags): AuditConfig {
  if (flags.config) {
    const cfg = loadBulwarkConfig(flags.config);
    return resolveAuditConfigPaths(cfg.audit, cfg.dir);
  }
  const cwdConfig = path.join(process.cwd(), 'bulwark.toml');
  if (!existsSync(cwdConfig)) return {};
  const cfg = loadBulwarkConfig(cwdConfig);
  return resolveAuditConfigPaths(cfg.audit, cfg.dir);
}

function withCommon(cmd: Command): Command {
  return cmd
    .option('--db <path>', 'audit database: SQLite path or postgres:// URL')
    .addOption(new Option('--audit-db <path>', 'same as --db').hideHelp())
    .option('--config <file>', 'bulwark.toml to read the [audit] table from (default: ./bulwark.toml if present)');
}

function dbFlag(flags: CommonFlags): string | undefined {
  if (flags.db && flags.auditDb && flags.db !== flags.auditDb) throw new UsageError('--db and --audit-db disagree');
  return flags.db ?? flags.auditDb;
}

async function withLog<T>(
  flags: CommonFlags,
  extra: { keyFile?: string; checkpointFile?: string; mustExist?: boolean },
  fn: (log: AuditLogImpl) => Promise<T>,
): Promise<T> {
  const config = auditConfig(flags);
  const log = await openAuditLogImpl({
    location: dbFlag(flags),
    config,
    keyFile: extra.keyFile,
    checkpointFile: extra.checkpointFile,
    mustExist: extra.mustExist,
  });
  try {
    return await fn(log);
  } finally {
    await log.close();
  }
}

function parseIndex(v: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--index ${JSON.stringify(v)} is not a non-negative integer`);
  return Number(v);
}

/** `--since`: an ISO date/time, or a duration back from now like 30m, 24h, 7d. */
export function parseSince(v: string, now = Date.now()): number {
  const rel = /^(\d+)([smhd])$/.exec(v);
  if (rel) return now - Number(rel[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new UsageError(`--since ${JSON.stringify(v)}: expected an ISO date/time or a duration like 24h or 7d`);
  return t;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Entries carry PR-derived text (paths, reasons): never let it reach the terminal as control codes. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are escaped before reaching a terminal
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function summarize(entry: Entry): string {
  const { v: _v, kind: _k, time: _t, ...rest } = entry as Entry & Record<string, unknown>;
  const parts = Object.entries(rest).map(([k, val]) => `${k}=${typeof val === 'string' ? val : JSON.stringify(val)}`);
  const line = printable(parts.join(' '));
  return line.length > 200 ? line.slice(0, 197) + '...' : line;
}

/** `audit verify --bundle DIR [--previous DIR] [--trusted-key FILE] [--allowed-signers FILE]`. */
async function runBundleVerify(o: BundleVerifyFlags & { json?: boolean }, setExit: (code: number) => void): Promise<void> {
  const { report, approvals } = await verifyEvidenceBundle(o);
  if (o.json) process.stdout.write(JSON.stringify({ ...report, ...(approvals ? { approvals } : {}) }, null, 2) + '\n');
  else {
    process.stdout.write(formatBundleReport(report));
    if (approvals)
      process.stdout.write(
        `  approvals: ${approvals.verified} SSH signature(s) verified against ${o.allowedSigners}; ${approvals.github} imported from GitHub (not signed)\n`,
      );
  }
  if (!report.ok) throw new BulwarkError(`evidence bundle verification failed: ${report.problems[0]}`, ExitCode.Internal);
  setExit(ExitCode.Pass);
}

function registerEvidence(audit: Command, setExit: (code: number) => void): void {
  dbOptions(
    audit
      .command('export')
      .description('Write the SOC 2 evidence bundle for a week or date range (byte-identical for the same parameters)')
      .option('--week <yyyy-Www>', 'ISO week, e.g. 2026-W47 (UTC)')
      .option('--from <date>', 'start (UTC date or time, inclusive)')
      .option('--to <date>', 'end (UTC date or time, exclusive)')
      .requiredOption('--out <dir>', 'bundle folder to create (must not exist or be empty)')
      .option('--previous <dir>', "previous bundle: its manifest hash is chained into this one's")
      .option('--key <file>', 'audit signing key (default: BULWARK_AUDIT_KEY, [audit] key_file or sign_command, else the per-user key)'),
  ).action(async (o: EvidenceFlags & { week?: string; from?: string; to?: string; out: string; previous?: string; key?: string }) => {
    if (o.week !== undefined && (o.from !== undefined || o.to !== undefined)) throw new UsageError('use --week or --from/--to, not both');
    let period;
    if (o.week !== undefined) period = isoWeekPeriod(o.week);
    else if (o.from !== undefined && o.to !== undefined) period = rangePeriod(o.from, o.to);
    else throw new UsageError('export needs --week YYYY-Www or both --from and --to');
    const cfg = loadEvidenceConfig(o);
    // the same signer as the checkpoints, but never a per-user key made for the export
    const signer = resolveSigner({ ...(o.key !== undefined ? { keyFile: o.key } : {}), config: cfg.audit, notice: () => undefined, createDefaultKey: false });
    const res = await withEvidenceLog(o, cfg, (log) =>
      exportBundle({
        log,
        period,
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
  ).action(
    async (
      o: EvidenceFlags & { dryRun?: boolean; hotDays?: string; warmDays?: string; purgeDays?: string; warmDir?: string; coldDir?: string; json?: boolean },
    ) => {
      const cfg = loadEvidenceConfig(o);
      // Flags override [audit.retention] (whose paths are already resolved against bulwark.toml's folder).
      const policy = cfg.audit.retention ?? {};
      const location = resolveDbLocation(dbLocation(o), cfg.audit.db);
      const base = isPostgresUrl(location) ? undefined : path.join(path.dirname(path.resolve(location)), 'archive');
      const warmDir = o.warmDir ?? policy.warm_dir ?? (base && path.join(base, 'warm'));
      const coldDir = o.coldDir ?? policy.cold_dir ?? (base && path.join(base, 'cold'));
      if (!warmDir || !coldDir)
        throw new UsageError('a PostgreSQL audit log needs archive folders: --warm-dir and --cold-dir, or [audit.retention] warm_dir and cold_dir');
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
    },
  );

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

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface VerifyFlags extends CommonFlags {
  trustedKey: string[];
  base?: string;
  trustOnFirstUse?: boolean;
  checkpoint?: string;
  state?: string;
  stateUpdate: boolean;
  acceptNewLog?: boolean;
  schema?: boolean;
  json?: boolean;
  bundle?: string;
  previous?: string;
  allowedSigners?: string;
  witness?: string[];
  witnessQuorum?: string;
}

/** `audit verify` of a database: anchors from the flags and the base revision, the state's pin, or an explicit first use. */
async function runLogVerify(o: VerifyFlags, setExit: (code: number) => void): Promise<void> {
  const config = auditConfig(o);
  const witnesses = witnessPolicy(o.witness, o.witnessQuorum);
  const location = resolveDbLocation(dbFlag(o), config.db);
  const anchors = await resolveAnchors({ trustedKey: o.trustedKey, ...(o.base !== undefined ? { base: o.base } : {}) }, process.cwd());
  const candidate = candidateKey(config);
  const external = o.checkpoint ? [{ label: `checkpoint file ${o.checkpoint}`, note: readText(o.checkpoint, 'checkpoint file') }] : [];
  const statePath = o.state ?? config.verify_state ?? defaultVerifyStatePath();
  const state = readVerifierState(statePath);
  const store = await openStore(location, { mustExist: true, readonly: true });
  let report: VerifyReport;
  try {
    report = await verifyLog({
      store,
      trustedKeys: anchors.keys,
      ...(candidate ? { candidateKey: candidate } : {}),
      trustOnFirstUse: o.trustOnFirstUse ?? false,
      externalCheckpoints: external,
      state,
      acceptNewOrigin: o.acceptNewLog,
      toleranceMs: config.timestamp_tolerance_ms,
      schema: o.schema,
      ...(witnesses ? { witnesses } : {}),
    });
  } finally {
    await store.close();
  }
  let stateNote = '(verifier state not updated)';
  if (report.ok && o.stateUpdate && report.trusted.length > 0) {
    writeVerifierState(statePath, mergeTrusted(state, report.trusted));
    const t = report.trusted[0]!;
    stateNote = `(verifier state ${statePath} now pins key ${t.key.split('+')[0]} for this log${t.tofu ? ', trusted on first use' : ''} and trusts size ${t.treeSize})`;
  }
  if (o.json) process.stdout.write(JSON.stringify({ location: displayLocation(location), statePath, ...report }, null, 2) + '\n');
  else printReport(report, displayLocation(location), stateNote);
  if (!report.ok) {
    const first = report.problems[0]!;
    process.stderr.write(
      `bulwark: audit log verification failed${report.firstBadIndex !== null ? ` at index ${report.firstBadIndex}` : ''}: ${printable(first.message)}\n`,
    );
    setExit(ExitCode.Internal);
  } else setExit(ExitCode.Pass);
}

function printReport(r: VerifyReport, location: string, stateNote: string): void {
  const out: string[] = [];
  out.push(`audit log ${location} (origin ${r.origin ?? '(none)'}): ${r.treeSize} entries, root ${r.rootHash}`);
  out.push(`checkpoints: ${r.checkpoints}; signed up to ${r.signedSize}; ${r.unsignedTail} entries after the last checkpoint`);
  if (r.witnesses) {
    const w = r.witnesses;
    out.push(
      `witnesses: checkpoint of size ${w.treeSize} cosigned by ${w.cosignedBy.length} (${w.quorum} required)${w.cosignedBy.length ? `: ${w.cosignedBy.join(', ')}` : ''}`,
    );
  }
  out.push(
    `blobs: ${r.blobs.referenced} referenced, ${r.blobs.checked} stored and checked, ${r.blobs.purged} purged per policy, ${r.blobs.archived} archived (not checked here)`,
  );
  out.push(`trusted keys: ${r.trust.keys.join('; ') || '(none)'}${r.trust.rotations ? `; ${r.trust.rotations} key rotation(s) in the log` : ''}`);
  if (r.ok) {
    out.push(`OK ${stateNote}`);
  } else {
    out.push(`FAILED: ${r.problems.length} problem(s); first bad index ${r.firstBadIndex ?? '(none)'}`);
    for (const p of r.problems.slice(0, 50)) out.push(`  [${p.code}]${p.index !== undefined ? ` index ${p.index}` : ''}: ${p.message}`);
    if (r.problems.length > 50) out.push(`  ... ${r.problems.length - 50} more`);
  }
  // Origins and messages can come from the database under test: print them inert.
  process.stdout.write(out.map(printable).join('\n') + '\n');
}

export function register(program: Command, setExit: (code: number) => void): void {
  {
    const audit = program.command('audit').description('Tamper-evident audit log: keys, verification, checkpoints, proofs, records');

    audit
      .command('keygen')
      .description('Create the Ed25519 checkpoint signing key (0600) and its public verifier key (<out>.pub)')
      .option('--out <path>', 'private key file (default: [audit] key_file, else the per-user config dir)')
      .option('--name <name>', 'key name shown in signature lines', 'bulwark-audit')
      .option('--force', 'replace an existing key')
      .option('--force-in-repo', 'allow writing the key inside a git work tree')
      .option('--config <file>', 'bulwark.toml to read [audit] key_file from (default: ./bulwark.toml if present)')
      .action((o: { out?: string; name: string; force?: boolean; forceInRepo?: boolean; config?: string }) => {
        const keyFile = o.out ?? auditConfig(o).key_file ?? defaultKeyPath();
        const res = writeKeyPair(keyFile, { name: o.name, force: o.force, allowInRepo: o.forceInRepo });
        process.stdout.write(`private key: ${res.keyFile}\npublic key:  ${res.publicKeyFile}\n${res.verifierKey}\n`);
        setExit(ExitCode.Pass);
      });

    withCommon(
      audit
        .command('verify')
        .description("Recompute the whole log and check it against the trusted key, checkpoints and this verifier's state")
        .option('--trusted-key <file>', 'verifier key (C2SP vkey) to trust as an anchor (repeatable)', collect, [] as string[])
        .option('--base <rev>', 'revision whose bulwark.toml [audit] trusted_keys are anchors (default: HEAD of the repository at the current directory)')
        .option('--trust-on-first-use', "pin the signer's public key ([audit] trusted_key, else <signing key>.pub) for a log this verifier has no anchor for")
        .option('--checkpoint <file>', 'a checkpoint kept away from the database that the log must match')
        .option('--state <file>', 'verifier state file (default [audit] verify_state, else the per-user state dir)')
        .option('--no-state-update', 'do not record the newly verified checkpoint')
        .option('--accept-new-log', 'trust a log whose origin this verifier has not seen for this key')
        .option('--schema', "also validate every entry against its kind's full schema and canonical form (slower)")
        .option('--json', 'print the report as JSON')
        .option('--bundle <dir>', 'verify an evidence bundle (from bulwark audit export) offline instead of a database')
        .option('--allowed-signers <file>', 'with --bundle: also check every SSH-signed approval against this allowed-signers file')
        .option('--previous <dir>', 'with --bundle: the previous bundle it must chain to')
        .option('--witness <vkey-or-file>', 'require cosignatures by this witness key on the newest checkpoint (repeatable)', (v: string, p: string[] = []) => [
          ...p,
          v,
        ])
        .option('--witness-quorum <n>', 'how many of the --witness keys must have cosigned (default: all)'),
    ).action(async (o: VerifyFlags) => {
      if (o.bundle !== undefined) {
        if (o.trustedKey.length > 1) throw new UsageError('--bundle takes one --trusted-key');
        const { trustedKey, ...rest } = o;
        return runBundleVerify({ ...rest, bundle: o.bundle, ...(trustedKey[0] !== undefined ? { trustedKey: trustedKey[0] } : {}) }, setExit);
      }
      if (o.previous !== undefined) throw new UsageError('--previous needs --bundle DIR');
      await runLogVerify(o, setExit);
    });

    registerWitness(audit, setExit, withCommon, withLog, auditConfig);

    withCommon(
      audit
        .command('checkpoint')
        .description('Sign a checkpoint of the current tree, store it, and write it to the checkpoint file')
        .option('--key <file>', 'signing key (default [audit] key_file, else the per-user key, created if missing)')
        .option('--out <file>', 'also write the checkpoint here (default [audit] checkpoint_file)'),
    ).action(async (o: CommonFlags & { key?: string; out?: string }) => {
      await withLog(o, { keyFile: o.key, checkpointFile: o.out }, async (log) => {
        const cp = await log.checkpoint();
        process.stdout.write(cp.note);
        if (cp.file) process.stderr.write(`bulwark: checkpoint written to ${cp.file}\n`);
      });
      setExit(ExitCode.Pass);
    });

    withCommon(
      audit
        .command('rotate-key')
        .description('Hand checkpoint signing to a new key: a rotation statement signed by both keys is appended, then a checkpoint with the new key')
        .option('--key <file>', 'current signing key (default: BULWARK_AUDIT_KEY, [audit] key_file or sign_command, else the per-user key)')
        .option('--new-key <file>', 'the new signing key (default: a new key is generated)')
        .option('--out <file>', 'where the generated new key goes (default: the current key file, whose old key is kept as <file>.retired-<keyid>)')
        .option('--name <name>', 'name of the generated key', 'bulwark-audit'),
    ).action(async (o: CommonFlags & { key?: string; newKey?: string; out?: string; name: string }) => {
      if (o.newKey !== undefined && o.out !== undefined) throw new UsageError('use --new-key FILE or --out FILE, not both');
      await withLog(o, { keyFile: o.key, mustExist: true }, async (log) => {
        const currentFile = log.signingKeyFile();
        const oldId = log.signingKey().keyId.toString('hex');
        if (o.newKey !== undefined) {
          const next = localSigner(loadSignerKey(o.newKey));
          const res = await log.rotateKey(next);
          process.stdout.write(
            `key rotation recorded as entry ${res.index}; checkpoint ${res.checkpoint.treeSize} signed with ${next.verifier.text}\n` +
              `sign with ${o.newKey} from now on (set [audit] key_file or BULWARK_AUDIT_KEY to it)\n`,
          );
          return;
        }
        const target = o.out ?? currentFile;
        if (target === undefined)
          throw new UsageError('the current key is not a key file (BULWARK_AUDIT_KEY or sign_command): pass --out FILE or --new-key FILE');
        const staged = `${target}.next`;
        const generated = writeKeyPair(staged, { name: o.name });
        try {
          const res = await log.rotateKey(localSigner(loadSignerKey(staged)));
          if (o.out === undefined) {
            const retired = `${target}.retired-${oldId}`;
            renameSync(target, retired);
            if (existsSync(publicKeyPathFor(target))) renameSync(publicKeyPathFor(target), publicKeyPathFor(retired));
          }
          renameSync(staged, target);
          renameSync(publicKeyPathFor(staged), publicKeyPathFor(target));
          process.stdout.write(
            `key rotation recorded as entry ${res.index}; checkpoint of ${res.checkpoint.treeSize} entries signed with the new key\n` +
              `new key:    ${target}\npublic key: ${publicKeyPathFor(target)}\n${generated.verifierKey}\n`,
          );
        } catch (e) {
          rmSync(staged, { force: true });
          rmSync(publicKeyPathFor(staged), { force: true });
          throw e;
        }
      });
      setExit(ExitCode.Pass);
    });

    withCommon(
      audit
        .command('proof')
        .description('Print the inclusion proof of one entry against a checkpoint (default: the newest stored one)')
        .requiredOption('--index <n>', 'entry index')
        .option('--checkpoint <file>', 'prove against this checkpoint')
        .option('--trusted-key <file>', "check the checkpoint's signature with this verifier key")
        .option('--json', 'print as JSON'),
    ).action(async (o: CommonFlags & { index: string; checkpoint?: string; trustedKey?: string; json?: boolean }) => {
      const index = parseIndex(o.index);
      const trusted = o.trustedKey !== undefined ? loadVerifierKey(o.trustedKey) : undefined;
      await withLog(o, { mustExist: true }, async (log) => {
        let note: string | null = null;
        if (o.checkpoint) note = readText(o.checkpoint, 'checkpoint file');
        else {
          const cps = await log.store.listCheckpoints();
          note = cps.length ? cps[cps.length - 1]!.note : null;
        }
        let treeSize: number;
        let root: Uint8Array;
        if (note !== null) {
          let body;
          try {
            body = trusted ? openCheckpoint(note, [trusted]) : parseCheckpointBody(parseNote(note).text);
          } catch (e) {
            if (trusted) throw new BulwarkError(`checkpoint: ${(e as Error).message}`, ExitCode.Internal);
            throw new UsageError(`checkpoint: ${(e as Error).message}`);
          }
          if (body.origin !== log.origin) throw new UsageError(`checkpoint is for origin ${JSON.stringify(body.origin)}, not ${JSON.stringify(log.origin)}`);
          treeSize = body.treeSize;
          root = body.rootHash;
        } else {
          treeSize = await log.size();
          root = await log.rootAt(treeSize);
        }
        if (index >= treeSize) throw new UsageError(`--index ${index} is not in the checkpointed tree of ${treeSize} entries`);
        const entry = await log.store.getEntry(index);
        if (!entry) throw new UsageError(`entry ${index} is not in the log`);
        const proof = await log.inclusionProof(index, treeSize);
        const leaf = entry.leafHash;
        let valid = true;
        try {
          verifyInclusion(index, treeSize, leaf, proof, root);
        } catch {
          valid = false;
        }
        const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');
        const result = {
          index,
          treeSize,
          leafHash: b64(leaf),
          proof: proof.map(b64),
          root: b64(root),
          valid,
          checkpoint: note,
          entry: Buffer.from(entry.bytes).toString('utf8'),
        };
        if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else {
          process.stdout.write(
            [
              `entry ${index} in tree of ${treeSize}${note === null ? ' (no checkpoint yet: current tree, unsigned)' : ''}`,
              `leaf hash: ${result.leafHash}`,
              `root:      ${result.root}`,
              `proof (${proof.length} hashes, leaf to root):`,
              ...result.proof.map((p) => `  ${p}`),
              `entry: ${result.entry}`,
              valid ? 'proof verifies against the root' : 'PROOF DOES NOT VERIFY against the root',
            ].join('\n') + '\n',
          );
        }
        if (!valid) {
          process.stderr.write('bulwark: the stored entry does not match the checkpoint (run bulwark audit verify)\n');
          setExit(ExitCode.Internal);
        } else setExit(ExitCode.Pass);
      });
    });

    const record = audit.command('record').description('Append an event to the audit log');
    withCommon(
      record
        .command('deploy')
        .description('Record a deployment (for deployment correlation) and sign a checkpoint')
        .requiredOption('--commit <sha>', 'deployed commit (hex)')
        .requiredOption('--env <name>', 'environment name')
        .option('--url <url>', 'deployment URL')
        .option('--actor <id>', 'who deployed')
        .option('--run <id>', 'related Bulwark run id')
        .option('--key <file>', 'checkpoint signing key'),
    ).action(async (o: CommonFlags & { commit: string; env: string; url?: string; actor?: string; run?: string; key?: string }) => {
      const input: EntryInput = {
        kind: 'deploy',
        commit: o.commit.toLowerCase(),
        env: o.env,
        ...(o.url !== undefined ? { url: o.url } : {}),
        ...(o.actor !== undefined ? { actor: o.actor } : {}),
        ...(o.run !== undefined ? { run_id: o.run } : {}),
      };
      await withLog(o, { keyFile: o.key }, async (log) => {
        log.loadSigningKey(); // a missing key must fail before the deploy is appended, not after
        let res;
        try {
          res = await log.append(input);
        } catch (e) {
          if (e instanceof EntryError) throw new UsageError(e.message.replace(/^invalid deploy entry: /, 'deploy: --'));
          throw e;
        }
        const cp = await log.checkpoint();
        process.stdout.write(`recorded deploy as entry ${res.index}; checkpoint at size ${cp.treeSize}\n`);
      });
      setExit(ExitCode.Pass);
    });

    withCommon(
      audit
        .command('show')
        .description('List entries, oldest first')
        .option('--run <id>', 'only this run')
        .option('--kind <kind>', 'only this entry kind')
        .option('--since <time>', 'ISO date/time, or a duration back from now (30m, 24h, 7d)')
        .option('--limit <n>', 'at most this many entries')
        .option('--json', 'print JSON (one array of {index, leafHash, entry})'),
    ).action(async (o: CommonFlags & { run?: string; kind?: string; since?: string; limit?: string; json?: boolean }) => {
      if (o.kind !== undefined && !(ENTRY_KINDS as string[]).includes(o.kind)) {
        throw new UsageError(`--kind ${JSON.stringify(o.kind)} is not an entry kind (${ENTRY_KINDS.join(', ')})`);
      }
      const sinceMs = o.since !== undefined ? parseSince(o.since) : undefined;
      const limit = o.limit !== undefined ? parseIndex(o.limit) : undefined;
      await withLog(o, { mustExist: true }, async (log) => {
        const rows = await log.store.queryEntries({ runId: o.run, kind: o.kind, sinceMs, limit });
        const items = rows.map((r) => {
          let entry: Entry | null = null;
          try {
            entry = decodeEntry(r.bytes);
          } catch {
            entry = null;
          }
          return { index: r.index, leafHash: Buffer.from(r.leafHash).toString('hex'), entry, raw: entry ? undefined : Buffer.from(r.bytes).toString('utf8') };
        });
        if (o.json) {
          process.stdout.write(JSON.stringify(items, null, 2) + '\n');
        } else {
          for (const it of items) {
            if (!it.entry) process.stdout.write(`${it.index}\t(invalid entry bytes; run bulwark audit verify)\n`);
            else process.stdout.write(`${it.index}\t${it.entry.time}\t${it.entry.kind}\t${summarize(it.entry)}\n`);
          }
          if (items.length === 0) process.stderr.write('bulwark: no matching entries\n');
        }
      });
      setExit(ExitCode.Pass);
    });
    registerEvidence(audit, setExit);
  }
}
