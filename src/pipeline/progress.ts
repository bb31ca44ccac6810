import { colorMode, type TerminalMode } from '../domain/terminal.js';
import type { PipelineProgress, StageResult } from './run.js';

export interface ProgressOptions extends Partial<TerminalMode> {
  /** Add each stage's provider, model and tokens to its line. */
  verbose?: boolean;
  /** The environment `colorMode` reads for what `color` and `redraw` leave unset (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Stage progress: where the terminal can redraw (a TTY, not TERM=dumb) one line per stage,
 * redrawn in place (running → done with time / failed); elsewhere (CI logs, dumb terminals)
 * plain append-only lines without cursor movement. Colour and redraw default to what
 * `colorMode` decides for this process's environment and the stream.
 */
export function createProgressReporter(
  stageNames: readonly string[],
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  opts: ProgressOptions = {},
): PipelineProgress {
  const auto = colorMode(opts.env ?? process.env, out.isTTY === true);
  const color = opts.color ?? auto.color;
  const redraw = opts.redraw ?? auto.redraw;
  const paint = (code: string, s: string): string => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const seconds = (ms?: number): string => (ms !== undefined ? `${(ms / 1000).toFixed(1)} s` : '');
  const details = (r: StageResult): string => {
    if (!opts.verbose) return '';
    const parts: string[] = [];
    if (r.provider) parts.push(r.model ? `${r.provider}/${r.model}` : r.provider);
    if (r.tokens !== undefined) parts.push(`${r.tokens} tokens`);
    return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
  };
  const describe = (r: StageResult): string =>
    (r.status === 'done'
      ? `done in ${seconds(r.durationMs)} (${r.findings.length} finding${r.findings.length === 1 ? '' : 's'})`
      : r.status === 'not_run'
        ? `not run: ${r.reason ?? ''}`
        : `${r.status === 'timed_out' ? 'timed out' : 'failed'}${r.durationMs !== undefined ? ` after ${seconds(r.durationMs)}` : ''}: ${r.reason ?? ''}`) +
    details(r);
  const statusColour = (r: StageResult): string => (r.status === 'done' ? '32' : r.status === 'not_run' ? '33' : '31');
  if (!redraw) {
    return {
      stageStarted: (name) => out.write(`stage ${name}: ${paint('36', 'running')}\n`),
      stageFinished: (r) => out.write(`stage ${r.name}: ${paint(statusColour(r), describe(r))}\n`),
    };
  }
  const width = Math.max(...stageNames.map((n) => n.length));
  const state = new Map<string, string>(stageNames.map((n) => [n, paint('2', 'waiting')]));
  let drawn = false;
  const draw = (): void => {
    if (drawn) out.write(`\x1b[${stageNames.length}A`);
    for (const n of stageNames) out.write(`\x1b[2K  ${n.padEnd(width)}  ${state.get(n)}\n`);
    drawn = true;
  };
  draw();
  return {
    stageStarted: (name) => {
      state.set(name, paint('36', 'running…'));
      draw();
    },
    stageFinished: (r) => {
      state.set(r.name, paint(statusColour(r), describe(r)));
      draw();
    },
  };
}
