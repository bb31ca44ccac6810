import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { InternalError } from '../../domain/errors.js';
import { OUTPUT_FORMATS, renderReport, type OutputFormat } from '../../review/render.js';
import { shouldColor } from '../../review/render-terminal.js';
import { renderVerbose } from '../../review/render-verbose.js';
import { runReview } from '../../app/review.js';
import { writeOutputFile } from '../../app/output-file.js';
import { htmlReportOfRun } from '../../app/run-report.js';

interface ReviewFlags {
  repo: string;
  base?: string;
  head?: string;
  diff?: string;
  githubEvent?: string;
  format: OutputFormat | 'html';
  output?: string;
  result?: string;
  quiet?: boolean;
  verbose?: boolean;
  failOn?: string;
  minConfidence?: string;
  auditDb?: string;
  github?: boolean;
  gitlab?: boolean;
  force?: boolean;
  full?: boolean;
  config?: string;
}

/** Writes via a temp file and rename so a reader never sees half an output. */
export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('review')
    .description('Review a change (local git, a patch, or a CI pull-request event) and decide: 0 pass, 1 blocking findings, 2 approval required, 3-5 errors')
    .option('--repo <dir>', 'repository checkout', '.')
    .option('--base <ref>', 'base revision (default: the PR base, else origin/HEAD, origin/main, main or master)')
    .option('--head <ref>', 'head revision (default: the PR head, else HEAD)')
    .option('--diff <file>', "review a unified diff from a file ('-' for standard input) instead of git")
    .option('--github-event <file>', 'GitHub pull_request event JSON (default: $GITHUB_EVENT_PATH on pull_request events)')
    .addOption(
      new Option('--format <format>', 'output format (html: the self-contained report, rendered from the audit log)')
        .choices([...OUTPUT_FORMATS, 'html'])
        .default('terminal'),
    )
    .option('--output <file>', 'write the output to a file instead of standard output')
    .option('--result <file>', 'also write the JSON result (what --format json prints) to a file, e.g. for CI to read the run id and counts')
    .addOption(new Option('--quiet', 'print only the result (and errors): no stage progress').conflicts('verbose'))
    .option('--verbose', "also print per-stage timings, provider/model, tokens and every file's coverage (on standard error)")
    .addOption(
      new Option('--fail-on <severity>', 'lowest severity that blocks (overrides [review] fail_on)').choices([
        'critical',
        'high',
        'medium',
        'low',
        'info',
        'none',
      ]),
    )
    .option('--min-confidence <x>', 'hide findings below this confidence, 0..1 (overrides [review] min_confidence)')
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .option('--github', 'publish to GitHub: summary comment, inline review comments, check run "bulwark"')
    .option('--gitlab', 'publish to the GitLab merge request: summary note, inline discussions, commit status "bulwark" (token: GITLAB_TOKEN)')
    .option('--force', 'review even when this head SHA and configuration were already reviewed')
    .option('--full', 'review the whole change, not only the commits since the last review of this PR in the audit log')
    .option('--config <file>', 'bulwark.toml to use instead of the one in the base revision')
    .action(async (flags: ReviewFlags) => {
      const result = await runReview({
        repoDir: flags.repo,
        ...(flags.base !== undefined ? { base: flags.base } : {}),
        ...(flags.head !== undefined ? { head: flags.head } : {}),
        ...(flags.diff !== undefined ? { diff: flags.diff, stdin: () => readFileSync(0) } : {}),
        ...(flags.githubEvent !== undefined ? { githubEvent: flags.githubEvent } : {}),
        ...(flags.config !== undefined ? { configFile: flags.config } : {}),
        ...(flags.auditDb !== undefined ? { auditDb: flags.auditDb } : {}),
        ...(flags.failOn !== undefined ? { failOn: flags.failOn } : {}),
        ...(flags.minConfidence !== undefined ? { minConfidence: flags.minConfidence } : {}),
        github: Boolean(flags.github),
        gitlab: Boolean(flags.gitlab),
        force: Boolean(flags.force),
        full: Boolean(flags.full),
        env: process.env,
        ...(flags.quiet ? { progress: null } : {}),
        verbose: Boolean(flags.verbose),
        outputs: [
          ...(flags.output !== undefined ? [{ flag: '--output', file: flags.output }] : []),
          ...(flags.result !== undefined ? [{ flag: '--result', file: flags.result }] : []),
        ],
      });
      if (result.skipped) {
        process.stderr.write(`bulwark: ${result.skipped.message}\n`);
        setExit(result.skipped.exitCode);
        return;
      }
      const report = result.report!;
      const stream = flags.output ? null : process.stdout;
      const text =
        flags.format === 'html'
          ? await htmlReportOfRun({ location: result.auditLocation!, runId: report.runId, ...(flags.diff === undefined ? { repoDir: flags.repo } : {}) })
          : renderReport(report, flags.format, { color: stream ? shouldColor(stream) : false });
      if (flags.output) writeOutputFile('--output', flags.output, text);
      else process.stdout.write(text);
      if (flags.result) writeOutputFile('--result', flags.result, renderReport(report, 'json'));
      if (flags.verbose && result.stats) process.stderr.write(renderVerbose(result.stats, report.coverage));
      if (result.publishError) throw new InternalError(result.publishError);
      setExit(result.exitCode);
    });
}
