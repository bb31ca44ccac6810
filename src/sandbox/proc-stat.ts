import { readFileSync } from 'node:fs';

/**
 * The fields of `/proc/PID/stat` after the command name (state first, then the parent's pid, …;
 * `fields[19]` is the start time), or undefined when the process is gone or there is no /proc
 * (macOS). The command name in parentheses may hold spaces and parentheses: the fields start
 * after the last `)`.
 */
export function procStatFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
