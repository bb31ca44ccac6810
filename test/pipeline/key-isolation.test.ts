import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveProviders } from '../../src/llm/select.js';
import { stagePolicy } from '../../src/pipeline/stage-runner.js';
import { startSandboxedWorker } from '../../src/sandbox/worker-host.js';
import { distSrc } from '../../src/sandbox/package-paths.js';

const ENV_KEY = 'sk-ant-ENVSECRET-4f1d9c';
const FILE_KEY = 'sk-FILESECRET-88e2a1';
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tmp(prefix: string, mode = 0o755): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(d, mode);
  dirs.push(d);
  return d;
}

describe('API keys never reach a stage worker', () => {
  it('keys are absent from the worker environment, /proc and the key file (real launcher)', async () => {
    const repo = tmp('bulwark-keyrepo-');
    writeFileSync(path.join(repo, 'a.txt'), 'repo file\n');
    // world-readable on purpose: only the sandbox (Landlock deny) stands between the worker and it
    const keyDir = tmp('bulwark-keys-');
    const keyFile = path.join(keyDir, 'openai.key');
    writeFileSync(keyFile, FILE_KEY + '\n', { mode: 0o644 });
    const scratch = tmp('bulwark-scratch-');

    const saved = { a: process.env.ANTHROPIC_API_KEY, o: process.env.OPENAI_API_KEY };
    process.env.ANTHROPIC_API_KEY = ENV_KEY;
    process.env.OPENAI_API_KEY = ENV_KEY;
    try {
      const providers = await resolveProviders({
        config: { openai: { api_key_file: keyFile, base_url: 'http://127.0.0.1:9/v1' } },
        configDir: repo,
        probeOllama: false,
      });
      assert.ok(providers.byName.has('anthropic') && providers.byName.has('openai'));
      assert.deepEqual(providers.keyFiles, [keyFile]);
      const policy = stagePolicy({ readRoots: [repo], scratchDir: scratch, timeoutSeconds: 60, denyPaths: providers.keyFiles });
      assert.deepEqual(policy.envAllow, []);
      const worker = await startSandboxedWorker({ script: path.join(distSrc, '..', 'test', 'pipeline', 'probe-worker.js'), policy });
      try {
        const out = (await worker.request('probe', {
          paths: [keyFile, '/proc/self/environ', `/proc/${process.pid}/environ`, `/proc/${process.pid}/mem`, '/proc/1/environ', path.join(repo, 'a.txt')],
        })) as { env: Record<string, string>; reads: Record<string, string>; procListing: string };
        const envText = JSON.stringify(out.env);
        assert.ok(!envText.includes(ENV_KEY), 'env key not in the worker environment');
        assert.ok(!envText.includes(FILE_KEY));
        assert.equal(out.env.ANTHROPIC_API_KEY, undefined);
        assert.equal(out.env.OPENAI_API_KEY, undefined);
        for (const [p, r] of Object.entries(out.reads)) {
          if (p.endsWith('a.txt')) {
            assert.equal(r, 'READ:repo file\n', 'the checkout is readable (positive control)');
            continue;
          }
          assert.ok(!r.startsWith('READ:'), `${p} must not be readable, got ${r.slice(0, 40)}`);
          assert.ok(!r.includes(ENV_KEY) && !r.includes(FILE_KEY));
        }
        assert.ok(!out.procListing.includes(','), '/proc is not listable');
      } finally {
        worker.close();
        worker.kill();
        await worker.exited;
      }
    } finally {
      if (saved.a === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved.a;
      if (saved.o === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved.o;
    }
  });

  it('refuses to run when a key file lies inside what the worker may read', async () => {
    const repo = tmp('bulwark-keyrepo2-');
    const keyFile = path.join(repo, 'anthropic.key');
    writeFileSync(keyFile, FILE_KEY + '\n', { mode: 0o644 });
    const scratch = tmp('bulwark-scratch2-');
    const policy = stagePolicy({ readRoots: [repo], scratchDir: scratch, timeoutSeconds: 60, denyPaths: [keyFile] });
    await assert.rejects(startSandboxedWorker({ script: path.join(distSrc, '..', 'test', 'pipeline', 'probe-worker.js'), policy }), /never granted/);
  });
});
