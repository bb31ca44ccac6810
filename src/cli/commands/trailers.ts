import { type Command, Option } from 'commander';
import { loadEvidenceConfig, withEvidenceLog, type EvidenceFlags } from '../../app/evidence-config.js';
import { runTrailers } from '../../audit/incident.js';
import { ExitCode } from '../../domain/errors.js';

/** `bulwark trailers --run ID`: commit trailers attributing a commit to the run that reviewed it. */
export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('trailers')
    .description('Print commit trailers (Reviewed-by-Agent: bulwark run <id>, change hash, gate, approvers) for a run')
    .requiredOption('--run <id>', 'the Bulwark run')
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .addOption(new Option('--db <location>').hideHelp())
    .option('--config <file>', 'bulwark.toml (default: ./bulwark.toml)')
    .action(async (o: EvidenceFlags & { run: string }) => {
      const cfg = loadEvidenceConfig(o);
      const trailers = await withEvidenceLog(o, cfg, (log) => runTrailers(log.store, o.run));
      process.stdout.write(trailers.join('\n') + '\n');
      setExit(ExitCode.Pass);
    });
}
