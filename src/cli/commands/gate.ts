import { Option, type Command } from 'commander';
import type { GateFlags } from '../../app/gate.js';
import type { EvidenceFlags } from '../../app/evidence-config.js';
import { ExitCode, UsageError } from '../../domain/errors.js';
import { renderGateText } from '../../gate/render.js';
import { writeJson } from '../json-output.js';
import { dbOptions } from '../options.js';
import { endPromptlyWhenDone } from '../process-end.js';

function registerGateStatus(gate: Command, setExit: (code: number) => void): void {
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
    // loaded here, not with the command: a gate decision never needs the evidence log or GitHub's client
    const [{ allowedSignersFile, loadEvidenceConfig, withEvidenceLog }, { approvalStatus }, { publishApprovalCheck }] = await Promise.all([
      import('../../app/evidence-config.js'),
      import('../../approval/status.js'),
      import('../../approval/github.js'),
    ]);
    const cfg = loadEvidenceConfig(o);
    const signers = allowedSignersFile(o.allowedSigners, cfg, false);
    const status = await withEvidenceLog(o, cfg, (log) =>
      approvalStatus({ store: log.store, runId: o.run, gate: cfg.gate, approvals: cfg.approvals, allowedSignersFile: signers }),
    );
    if (o.json) process.stdout.write(JSON.stringify(status, null, 2) + '\n');
    else {
      const lines = [`run ${status.runId}: ${!status.flagged ? 'not flagged' : status.approved ? 'approved' : 'approval required'}`];
      for (const z of status.zones) {
        lines.push(
          `  zone ${z.zone}: ${z.approvedBy.length}/${z.required} approvals${z.approvedBy.length ? ` (${z.approvedBy.join(', ')})` : ''}${z.missingGroups.length ? `; missing group ${z.missingGroups.join(', ')}` : ''}${z.rejectedBy.length ? `; rejected by ${z.rejectedBy.join(', ')}` : ''}`,
        );
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
      const summary = status.flagged
        ? status.approved
          ? `approved by ${[...new Set(status.zones.flatMap((z) => z.approvedBy))].join(', ') || 'policy'}`
          : status.reasons.join('; ')
        : 'not flagged';
      const res = await publishApprovalCheck({
        repository: o.githubRepo,
        headSha: head,
        approved: status.approved,
        summary,
        token,
        ...(o.apiUrl ? { apiUrl: o.apiUrl } : {}),
      });
      if (!o.json) process.stdout.write(`  github: ${res.kind} ${res.id} on ${head} set to ${status.approved ? 'success' : 'approval required'}\n`);
    }
    setExit(status.approved ? ExitCode.Pass : ExitCode.ApprovalRequired);
  });
}

function registerGateRoots(gate: Command, setExit: (code: number) => void): void {
  gate
    .command('roots')
    .description('What the configured regulated roots match; with --suggest, candidate roots found from the code, each with why')
    .option('--suggest', 'propose roots: money-operation names, SQL writes to money tables, payment SDK and host calls')
    .option('--repo <dir>', 'git repository', '.')
    .option('--config <file>', 'bulwark.toml whose roots to check (default: bulwark.toml at the top of the repository)')
    .option('--rev <ref>', 'revision to read (default HEAD)')
    .option('--json', 'print the report as JSON')
    .action(async function (this: Command) {
      const o = this.opts<{ repo: string; rev?: string; suggest?: boolean; json?: boolean; config?: string }>();
      const { renderRootsReport, rootsReport } = await import('../../app/gate-roots.js');
      const r = await rootsReport({
        repo: o.repo,
        ...(o.rev ? { rev: o.rev } : {}),
        suggest: Boolean(o.suggest),
        ...(o.config ? { configFile: o.config } : {}),
      });
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : renderRootsReport(r));
      setExit(ExitCode.Pass);
    });
}

/** --resident-idle in milliseconds: whole seconds, from one to a week. */
function residentIdleMs(value: string): number {
  const s = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(s) || s < 1 || s > 7 * 24 * 3600) {
    throw new UsageError(`--resident-idle: expected whole seconds from 1 to 604800, got ${JSON.stringify(value)}`);
  }
  return s * 1000;
}

/** A resident gate that cannot be reached here (a folder that is not private, no work tree) is the user's to fix: exit 3. */
async function asUsage<T>(f: () => Promise<T>): Promise<T> {
  const { ResidentUnavailable } = await import('../../app/gate-resident/place.js');
  try {
    return await f();
  } catch (err) {
    if (err instanceof ResidentUnavailable) throw new UsageError(`resident gate: ${err.message}`);
    throw err;
  }
}

function registerGateResident(gate: Command, setExit: (code: number) => void): void {
  const resident = gate.command('resident').description("the repository's resident gate (started by `bulwark gate --resident`): status, stop");
  resident
    .command('status')
    .description('Print whether a resident gate runs for the repository, and what it has served (exit 0 running, 1 none)')
    .option('--repo <dir>', 'git repository', '.')
    .option('--json', 'print the status as JSON')
    .action(async function (this: Command) {
      const o = this.opts<{ repo: string; json?: boolean }>();
      const { residentStatus } = await import('../../app/gate-resident/client.js');
      const s = await asUsage(() => residentStatus(o.repo));
      if (o.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      else if (!s) process.stdout.write('no resident gate runs for this repository\n');
      else {
        process.stdout.write(
          `resident gate pid ${s.pid} for ${s.repo}: ${s.served} evaluation${s.served === 1 ? '' : 's'} since ${s.startedAt}, idle ${s.idleSeconds} s, ${Math.round(s.rssBytes / 1048576)} MiB resident (peak ${Math.round(s.maxRssBytes / 1048576)} MiB)\n`,
        );
      }
      setExit(s ? ExitCode.Pass : ExitCode.BlockingFindings);
    });
  resident
    .command('stop')
    .description("Stop the repository's resident gate (exit 0 whether or not one ran)")
    .option('--repo <dir>', 'git repository', '.')
    .action(async function (this: Command) {
      const o = this.opts<{ repo: string }>();
      const { stopResident } = await import('../../app/gate-resident/client.js');
      process.stdout.write((await asUsage(() => stopResident(o.repo))) ? 'resident gate stopped\n' : 'no resident gate runs for this repository\n');
      setExit(ExitCode.Pass);
    });
}

/** Registers `bulwark gate` (a command that also accepts subcommands: `gate status`). */
export function register(program: Command, setExit: (code: number) => void): void {
  const gate = program
    .command('gate')
    .enablePositionalOptions()
    .description('decide whether a change needs human review (exit 0: no, 2: yes) from call paths to regulated code, zones, SQL and payment hosts')
    .option('--repo <dir>', 'git repository', '.')
    .option('--base <ref>', 'base revision (default: origin/HEAD, origin/main, origin/master, main or master)')
    .option('--head <ref>', 'head revision', 'HEAD')
    .option('--json', 'print the decision as JSON')
    .option('--config <file>', 'bulwark.toml to use (default: bulwark.toml of the base revision)')
    .option('--audit-db <location>', 'append the decision to this audit log (SQLite path or postgres:// URL)')
    .option('--cache-dir <dir>', 'parse cache directory (default: $XDG_CACHE_HOME/bulwark/gate)')
    .option('--no-cache', 'do not read or write the parse cache')
    .option('--resident', "evaluate in the repository's resident gate, started when none runs, for fast repeated runs (same decision)")
    .option('--resident-idle <seconds>', 'a resident gate this run starts exits after this long without a request', '1800')
    .addOption(new Option('--run-id <id>', 'run id recorded with the decision').hideHelp())
    .action(async (flags: GateFlags & { resident?: boolean; residentIdle: string }) => {
      const idleMs = residentIdleMs(flags.residentIdle);
      const warn = (line: string): boolean => process.stderr.write(`bulwark gate: ${line}\n`);
      const result = flags.resident
        ? await (await import('../../app/gate-resident/run.js')).runGateResident(flags, idleMs, warn)
        : await (await import('../../app/gate.js')).runGate(flags);
      if (flags.json) await writeJson(process.stdout, result);
      else process.stdout.write(renderGateText(result));
      // loud on stderr too: a gate whose roots match nothing sees no call paths at all
      if (result.rootsWarning) process.stderr.write(`bulwark gate: WARNING: ${result.rootsWarning}\n`);
      setExit(result.flagged ? ExitCode.ApprovalRequired : ExitCode.Pass);
      // everything the evaluation started (git, the classifier's worker, the log) has been awaited
      endPromptlyWhenDone();
    });
  registerGateStatus(gate, setExit);
  registerGateRoots(gate, setExit);
  registerGateResident(gate, setExit);
}
