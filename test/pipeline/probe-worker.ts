/**
 * Test worker: started with a stage's sandbox policy, reports what it can see of secrets — its
 * environment and the files through which another process's memory/environment is visible.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { z } from 'zod';
import { connectToParent } from '../../src/worker/channel.js';

const parent = connectToParent();
parent.handle('probe', z.object({ paths: z.array(z.string()) }), ({ paths }) => {
  const reads: Record<string, string> = {};
  for (const p of paths) {
    try {
      reads[p] = 'READ:' + readFileSync(p).toString('latin1');
    } catch (err) {
      reads[p] = (err as NodeJS.ErrnoException).code ?? 'ERROR';
    }
  }
  let procListing: string;
  try {
    procListing = readdirSync('/proc').slice(0, 5).join(',');
  } catch (err) {
    procListing = (err as NodeJS.ErrnoException).code ?? 'ERROR';
  }
  return { env: process.env, reads, procListing, ppid: process.ppid };
});
void parent.closed.then(() => process.exit(0));
