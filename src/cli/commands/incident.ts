import { type Command, Option } from 'commander';
import { loadEvidenceConfig, withEvidenceLog, type EvidenceFlags } from '../../app/evidence-config.js';
import { formatIncidentText, incidentReport } from '../../audit/incident.js';
import { ExitCode } from '../../domain/errors.js';

/** `bulwark incident report --commit SHA [--json]`: the commit's runs, prompts, gate, approvals, deploys in time order. */
export function register(program: Command, setExit: (code: number) => void): void {
  const incident = program.command('incident').description('Incident investigation from the audit log');
  incident
    .command('report')
    .description('Runs, prompt hashes, gate decision, approvals and deployments of a commit, in time order')
    .requiredOption('--commit <sha>', 'commit id (at least 7 hex digits)')
    .option('--json', 'print JSON instead of text')
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .addOption(new Option('--db <location>').hideHelp())
    .option('--config <file>', 'bulwark.toml (default: ./bulwark.toml)')
    .action(async (o: EvidenceFlags & { commit: string; json?: boolean }) => {
      const cfg = loadEvidenceConfig(o);
      const report = await withEvidenceLog(o, cfg, (log) => incidentReport(log.store, o.commit));
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatIncidentText(report));
      setExit(ExitCode.Pass);
    });
}
