import { mkdtempSync, rmSync } from 'node:fs';

/**
 * Temporary folders that must not outlive the process: a stage's scratch (written from the pull
 * request's content), the copy of the base revision's configuration, mutants' work trees. Whoever
 * makes one removes it when done; when the process ends without unwinding (a second SIGTERM or
 * SIGINT exits at once, or any other `process.exit`), one exit hook removes what is left. Only a
 * SIGKILL of this process still leaves them.
 */
const live = new Set<string>();
let hooked = false;

/** `mkdtemp(prefix)`, removed at exit unless `removeTempDir` removed it before. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(prefix);
  live.add(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', removeLeftTempDirs);
  }
  return dir;
}

export function removeTempDir(dir: string): void {
  live.delete(dir);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Temporary folders made here and not removed yet (tests check that a run leaves none). */
export function liveTempDirs(): string[] {
  return [...live];
}

function removeLeftTempDirs(): void {
  for (const dir of live) {
    try {
      // a sandboxed worker being killed by the launcher's own exit hook may still be writing into
      // its scratch: the retries outlast it, and it cannot make the folder again once it is gone
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    } catch {
      // the process is exiting: nothing left to report it to
    }
  }
  live.clear();
}
