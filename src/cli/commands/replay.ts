import type { Command } from 'commander';
import { formatReplay, replayRun, type ReplayFlags } from '../../app/replay.js';

/** `bulwark replay --run ID`: re-send a run's recorded model calls and compare the outputs. */
export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('replay')
    .description("Re-send a run's recorded model calls and compare each output with the recorded one (exit 0 all match, 1 some differ, 5 a call failed)")
    .requiredOption('--run <id>', 'run id whose llm_call entries are re-sent')
    .option('--config <file>', 'bulwark.toml for [provider]/[audit] settings (default: ./bulwark.toml if present)')
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .option('--json', 'print JSON instead of text')
    .action(async (flags: ReplayFlags & { json?: boolean }) => {
      const out = await replayRun(flags);
      process.stdout.write(flags.json ? JSON.stringify(out, null, 2) + '\n' : formatReplay(out));
      setExit(out.exitCode);
    });
}
