import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { packageRoot } from '../../src/sandbox/package-paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'bulwark-demo-test-'));
chmodSync(tmp, 0o755);
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run demo', () => {
  it('reviews the prepared change with a scripted model when no provider is configured', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, TMPDIR: tmp, BULWARK_OLLAMA_URL: 'http://127.0.0.1:9' };
    const res = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(packageRoot, 'dist', 'examples', 'payments-demo', 'run-demo.js')], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /demo model: scripted responses, no real LLM/);
    assert.match(res.out, /stage security-review: done in/);
    assert.match(res.out, /gate: human approval required/);
    assert.match(res.out, /process_payment → payments\.fees\.compute_fee/);
    assert.match(res.out, /CRITICAL .*payments\/processor\.py:19/);
    assert.match(res.out, /\tllm_call\t/);
    assert.match(res.out, /^OK /m);
  });
});
