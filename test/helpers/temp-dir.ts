import { rmSync } from 'node:fs';

/**
 * Temp folders a test file makes that need not outlive it are removed when its process exits
 * (each test file runs in a process of its own), whether or not the test that made one got to
 * its own cleanup.
 */
const made = new Set<string>();
let hooked = false;

export function removedAtExit(dir: string): string {
  made.add(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const d of made) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    });
  }
  return dir;
}
