/** Runs the real CLI in a child process, and reads back what a run appended to its audit log. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { decodeEntry, openAuditLog, type Entry } from '../../src/audit/index.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';

export const BIN = path.join(packageRoot, 'bin', 'bulwark.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: loopback servers answering the child live in the test's own process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, stdin?: Buffer, cwd?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/**
 * The environment of a CLI child that keeps all its state under `home` (audit log, key, caches)
 * and talks to a loopback OpenAI-compatible server: nothing of the caller's own environment leaks in.
 */
export function isolatedEnv(home: string, openAiUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_STATE_HOME: path.join(home, 'state'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openAiUrl,
    NO_COLOR: '1',
    ...extra,
  };
}

/** Every entry of an existing audit log, decoded, in order. */
export async function auditEntries(db: string): Promise<Entry[]> {
  const log = await openAuditLog({ location: db, mustExist: true });
  try {
    const out: Entry[] = [];
    const size = await log.size();
    for await (const batch of log.store.readEntries(0, size)) for (const e of batch) out.push(decodeEntry(e.bytes));
    return out;
  } finally {
    await log.close();
  }
}
