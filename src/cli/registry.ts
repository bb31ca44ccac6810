import type { Command } from 'commander';

/** One top-level command: its name and summary are known up front; its module loads only when run. */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<{ register(program: Command, setExit: (code: number) => void): void }>;
}

/**
 * Every top-level command, one file each under ./commands/. Loading is lazy: a command's module
 * (and with it its subsystems and provider SDKs) is imported only when that command runs, so
 * `bulwark --version` or `bulwark gate` never pays for the model SDKs.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'review',
    summary: 'Review a change: gate, sandboxed pipeline, verdict, audit record (exit 0/1/2/3/4/5)',
    load: () => import('./commands/review.js'),
  },
  {
    name: 'run',
    summary: 'Run any topology on a change: exit 0 done, 1 high/critical findings, 5 a stage failed or no provider',
    load: () => import('./commands/run.js'),
  },
  { name: 'init', summary: 'Write bulwark.toml, a topology and prompts into a repository', load: () => import('./commands/init.js') },
  { name: 'gate', summary: 'Decide whether a change needs human review (exit 0: no, 2: yes); gate status', load: () => import('./commands/gate.js') },
  { name: 'callgraph', summary: "Print a repository's call graph as the gate sees it", load: () => import('./commands/callgraph.js') },
  {
    name: 'mutate',
    summary: "Mutation testing of a change's code inside the sandbox: score, survivors (exit 0 pass, 1 blocking)",
    load: () => import('./commands/mutate.js'),
  },
  { name: 'sandbox', summary: 'Run commands under the OS sandbox; check and print what it enforces', load: () => import('./commands/sandbox.js') },
  {
    name: 'audit',
    summary: 'Tamper-evident audit log: keys, verification, checkpoints, proofs, records, export, retention',
    load: () => import('./commands/audit.js'),
  },
  { name: 'approve', summary: 'Record a signed approval of a reviewed change, or import GitHub PR approvals', load: () => import('./commands/approve.js') },
  {
    name: 'replay',
    summary: "Re-send a run's recorded model calls and compare the outputs (exit 0 all match, 1 some differ, 5 a call failed)",
    load: () => import('./commands/replay.js'),
  },
  { name: 'incident', summary: 'Incident investigation from the audit log', load: () => import('./commands/incident.js') },
  { name: 'console', summary: 'Read-only web console over the audit log, for auditors and reviewers', load: () => import('./commands/console.js') },
  { name: 'report', summary: 'Self-contained HTML report of a recorded run', load: () => import('./commands/report.js') },
  { name: 'trailers', summary: 'Print commit trailers attributing a commit to the run that reviewed it', load: () => import('./commands/trailers.js') },
];
