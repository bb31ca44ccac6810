/**
 * How text may be written to a terminal, decided in one place for every coloured or redrawn
 * output (the review's terminal format, stage progress), by the common conventions:
 *
 * - `NO_COLOR` set and non-empty: no colour (https://no-color.org), whatever else is set;
 * - `FORCE_COLOR` set, non-empty and not `0`: colour even without a TTY (CI logs that render it);
 * - `TERM=dumb`: no colour and no cursor movement (editors' shells, simple pagers);
 * - otherwise colour and in-place redraw only on a TTY.
 *
 * Redrawing moves the cursor, which only makes sense on a real, capable terminal: forcing colour
 * into a log file never turns it on.
 */
export interface TerminalMode {
  /** ANSI colour (SGR) sequences may be written. */
  color: boolean;
  /** Cursor-movement sequences may be written (lines redrawn in place). */
  redraw: boolean;
}

export function colorMode(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): TerminalMode {
  const dumb = env.TERM === 'dumb';
  const redraw = isTTY && !dumb;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return { color: false, redraw };
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return { color: true, redraw };
  return { color: redraw, redraw };
}
