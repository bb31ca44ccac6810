/**
 * The seccomp filter as the policy printer shows it, from native/sandbox-tables.json: the same
 * file the launcher's filter is generated from (src/sandbox/tables.ts), so the printout cannot
 * drift from what the launcher enforces.
 */
import { sandboxTables } from './tables.js';

export interface SyscallRule {
  names: string[];
  action: string;
  why: string;
}

/** Every rule of the table, then the foreign-ABI rule (the launcher kills those processes). */
export function seccompRules(): SyscallRule[] {
  const s = sandboxTables().seccomp;
  return [
    ...s.rules.map((r) => ({ names: [...r.syscalls], action: r.when ? `${r.errno} ${r.when.shown}` : r.errno, why: r.why })),
    { names: [s.foreignAbi.shown], action: 'kill process', why: s.foreignAbi.why },
  ];
}

/** Every syscall name the filter mentions (every architecture's; without the foreign-ABI pseudo entry). */
export function filteredSyscallNames(): string[] {
  return sandboxTables().seccomp.rules.flatMap((r) => r.syscalls);
}
