import type { Command } from 'commander';
import { dbLocation, loadEvidenceConfig, type EvidenceFlags } from '../../app/evidence-config.js';
import { writeOutputFile } from '../../app/output-file.js';
import { htmlReportOfRun } from '../../app/run-report.js';
import { resolveDbLocation } from '../../audit/locations.js';
import { ExitCode, UsageError } from '../../domain/errors.js';

/** `bulwark report --run ID --format html`: one self-contained HTML file of a recorded run. */
export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('report')
    .description('Write the self-contained HTML report of a recorded run (inline CSS and SVG, no script)')
    .requiredOption('--run <id>', 'the run (its id as printed by review/run, or from the console)')
    .option('--format <format>', 'output format (html)', 'html')
    .option('--output <file>', 'write here instead of standard output')
    .option('--repo <dir>', 'a clone of the reviewed repository, for code excerpts (default: .)', '.')
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .option('--config <file>', 'bulwark.toml (default: ./bulwark.toml)')
    .action(async (o: EvidenceFlags & { run: string; format: string; output?: string; repo: string }) => {
      if (o.format !== 'html') throw new UsageError(`--format ${o.format} is not supported (html)`);
      const cfg = loadEvidenceConfig(o);
      const text = await htmlReportOfRun({ location: resolveDbLocation(dbLocation(o), cfg.audit.db), runId: o.run, repoDir: o.repo });
      if (o.output) writeOutputFile('--output', o.output, text);
      else process.stdout.write(text);
      setExit(ExitCode.Pass);
    });
}
