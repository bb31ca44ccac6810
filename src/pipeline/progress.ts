import type { PipelineProgress, StageResult } from './run.js';

/**
 * Stage progress: on a TTY one line per stage, redrawn in place (running → done with time /
 * failed); elsewhere (CI logs) plain append-only lines.
 */
export function createProgressReporter(stageNames: readonly string[], out: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): PipelineProgress {
  const seconds = (ms?: number): string => (ms !== undefined ? `${(ms / 1000).toFixed(1)} s` : '');
  const describe = (r: StageResult): string =>
    r.status === 'done'
      ? `done in ${seconds(r.durationMs)} (${r.findings.length} finding${r.findings.length === 1 ? '' : 's'})`
      : r.status === 'not_run'
        ? `not run: ${r.reason ?? ''}`
        : `${r.status === 'timed_out' ? 'timed out' : 'failed'}${r.durationMs !== undefined ? ` after ${seconds(r.durationMs)}` : ''}: ${r.reason ?? ''}`;
  if (!out.isTTY) {
    return {
      stageStarted: (name) => out.write(`stage ${name}: running\n`),
      stageFinished: (r) => out.write(`stage ${r.name}: ${describe(r)}\n`),
    };
  }
  const width = Math.max(...stageNames.map((n) => n.length));
  const state = new Map<string, string>(stageNames.map((n) => [n, '\x1b[2mwaiting\x1b[0m']));
  let drawn = false;
  const draw = (): void => {
    if (drawn) out.write(`\x1b[${stageNames.length}A`);
    for (const n of stageNames) out.write(`\x1b[2K  ${n.padEnd(width)}  ${state.get(n)}\n`);
    drawn = true;
  };
  draw();
  return {
    stageStarted: (name) => {
      state.set(name, '\x1b[36mrunning…\x1b[0m');
      draw();
    },
    stageFinished: (r) => {
      const colour = r.status === 'done' ? '\x1b[32m' : r.status === 'not_run' ? '\x1b[33m' : '\x1b[31m';
      state.set(r.name, `${colour}${describe(r)}\x1b[0m`);
      draw();
    },
  };
}
