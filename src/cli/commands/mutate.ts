/** `bulwark mutate`: parse flags, call app/mutate, render, set the exit code. */
import { Option, type Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { MUTATION_FORMATS, renderMutation, type MutationFormat } from '../../mutation/render.js';
import { mutateExitCode, runMutate, type MutateFlags } from '../../app/mutate.js';

function positiveInt(flag: string) {
  return (v: string) => {
    if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`${flag} expects a positive whole number, got '${v}'`);
    return Number(v);
  };
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('mutate')
    .description(
      'Mutation testing of a change: mutants on its changed lines, the tests run against each inside the OS sandbox; ' +
        'exit 1 when surviving mutants in gate-flagged code push the score below [mutation] min_score or mutants could not be judged',
    )
    .option('--repo <dir>', 'git repository', '.')
    .option('--base <ref>', 'base revision (default: origin/HEAD, origin/main, origin/master, main or master)')
    .option('--head <ref>', 'head revision', 'HEAD')
    .addOption(new Option('--format <format>', 'output format').choices([...MUTATION_FORMATS]).default('terminal'))
    .option('--config <file>', 'bulwark.toml to use (default: bulwark.toml of the base revision)')
    .option('--audit-db <location>', 'append the run to this audit log (SQLite path or postgres:// URL)')
    .option('--test-command <cmd>', 'test command, run by /bin/sh in the copied work tree (default: [mutation] test_command, else detected)')
    .addOption(new Option('--max-mutants <n>', 'at most this many mutants').argParser(positiveInt('--max-mutants')))
    .addOption(new Option('--workers <n>', 'parallel workers (default: the number of cores)').argParser(positiveInt('--workers')))
    .option('--quiet', 'no progress lines on stderr')
    .action(async (flags: MutateFlags & { format: MutationFormat }) => {
      const { report } = await runMutate(flags);
      process.stdout.write(renderMutation(report, flags.format));
      setExit(mutateExitCode(report));
    });
}
