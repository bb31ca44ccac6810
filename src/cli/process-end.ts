/**
 * How the CLI process ends once its command has returned. By default Node waits for the event
 * loop to empty, so a handle some library left open (a timer, a pool's connection) keeps a
 * finished run waiting, and then tears the JavaScript heap down. A command whose action leaves
 * nothing running once it returns (no server, no child it waits for, no write in flight) asks for
 * the process to end as soon as its output has reached the operating system. (The teardown it
 * skips measured within noise for a gate run here: what this buys is that no handle holds it.)
 */

let endWhenDone = false;

/** Called by such a command: its action awaited everything it started. */
export function endPromptlyWhenDone(): void {
  endWhenDone = true;
}

/** Resolves once everything written to `stream` so far has been handed to the operating system (or failed). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  // a file or a terminal is written synchronously; a pipe is not (Node 20 on Linux too): its data
  // may still be queued here, and exiting now would lose it
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * Sets the process's exit code; when the command asked for it, also ends the process once its
 * output has been written, without waiting for the heap's teardown.
 */
export async function endProcess(code: number): Promise<void> {
  process.exitCode = code;
  if (!endWhenDone) return;
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
