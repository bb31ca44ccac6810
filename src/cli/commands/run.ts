import { Option, type Command } from 'commander';
import { runTopology, type RunFlags } from '../../app/run.js';
import { renderVerbose } from '../../review/render-verbose.js';

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('Run any topology on a change: exit 0 done, 1 high/critical findings, 5 a stage failed or no provider')
    .requiredOption('--topology <file>', 'topology TOML ([[pipeline.stages]] ...)')
    .option('--input <file>', "change to review: a JSON change description or a unified diff ('-' = standard input); default: the git change of --repo")
    .option('--repo <dir>', 'repository checkout the stages may read (default: none for --input, else .)')
    .option('--config <file>', 'bulwark.toml for [provider]/[audit] settings (default: <repo>/bulwark.toml if present)')
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .option('--result <file>', 'JSON result file', 'bulwark-result.json')
    .option('--allow-degraded-sandbox', 'run even if a sandbox layer cannot be enforced (recorded in the audit log)')
    .addOption(new Option('--quiet', 'print only the summary (and errors): no stage progress, no result line').conflicts('verbose'))
    .option('--verbose', 'also print per-stage timings, provider/model and tokens (on standard error)')
    .action(async (flags: RunFlags) => {
      const out = await runTopology(flags);
      process.stdout.write(out.summaryMarkdown);
      if (!flags.quiet) process.stderr.write(`result: ${flags.result} · audit run id: ${out.runId} (${out.auditLocation})\n`);
      if (flags.verbose) process.stderr.write(renderVerbose(out.stats));
      setExit(out.exitCode);
    });
}
