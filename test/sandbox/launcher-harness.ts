/** Shared helpers for the launcher tests: world-readable temp dirs and a run-to-completion wrapper. */
import { chmodSync, mkdtempSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSandboxed, type SpawnSandboxedOptions } from '../../src/sandbox/launcher.js';
import type { SandboxPolicy } from '../../src/sandbox/policy.js';
import { removedAtExit } from '../helpers/temp-dir.js';

/** A temp dir the sandbox uid can traverse (mkdtemp makes 0700), so denials come from Landlock, not DAC. */
export function openTempDir(prefix: string): string {
  const dir = removedAtExit(realpathSync(mkdtempSync(path.join(os.tmpdir(), `bulwark-${prefix}-`))));
  chmodSync(dir, 0o755);
  return dir;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  degraded: string[];
  timedOut: boolean;
}

/** Runs a command in the sandbox to completion, collecting stdout/stderr. */
export async function runSandboxed(policy: SandboxPolicy, command: string, args: string[], opts: SpawnSandboxedOptions = {}): Promise<RunResult> {
  const sp = await spawnSandboxed(policy, command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let stdout = '';
  let stderr = '';
  sp.child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  sp.child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    if (sp.child.exitCode !== null || sp.child.signalCode !== null) resolve([sp.child.exitCode, sp.child.signalCode]);
    else sp.child.once('close', (c, s) => resolve([c, s]));
  });
  return { code, signal, stdout, stderr, degraded: sp.degraded, timedOut: sp.timedOut() };
}

/** Runs a Node snippet in the sandbox; the snippet prints one JSON object on stdout. */
export async function runNode(
  policy: SandboxPolicy,
  source: string,
  opts: SpawnSandboxedOptions = {},
): Promise<RunResult & { json: Record<string, unknown> | undefined }> {
  const r = await runSandboxed(policy, process.execPath, ['-e', source], opts);
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { ...r, json };
}
