import { Option, type Command } from 'commander';
import { UsageError } from '../domain/errors.js';

/** Where the audit log is and which bulwark.toml applies: the flags every evidence command shares. */
export function dbOptions(cmd: Command): Command {
  return cmd
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .addOption(new Option('--db <location>').hideHelp())
    .option('--config <file>', 'bulwark.toml (default: ./bulwark.toml)');
}

/** A positive whole number of days, or undefined when the flag was not given. */
export function parseDays(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`--${flag} "${v}" is not a positive number of days`);
  return Number(v);
}
