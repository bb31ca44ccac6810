import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { LlmGateway } from '../../src/llm/gateway.js';
import { OpenAiProvider } from '../../src/llm/providers/openai.js';
import { StageWorker } from '../../src/pipeline/stage-runner.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stage worker lifecycle', () => {
  it('an aborted stage is killed and cleaned up: no process, no scratch dir', async () => {
    const server = await startFakeOpenAi({ respond: () => ({ type: 'hang' }) });
    try {
      const entries: EntryInput[] = [];
      const gateway = new LlmGateway({
        providers: new Map([['openai', new OpenAiProvider({ apiKey: 'k', baseURL: server.url })]]),
        audit: { append: async (e) => entries.push(e), putBlob: async () => 'sha256:' + '1'.repeat(64) },
        runId: 'r',
        maxRetries: 0,
      });
      const repo = mkdtempSync(path.join(tmpdir(), 'bulwark-sw-'));
      dirs.push(repo);
      const w = StageWorker.start('s', {
        runId: 'r',
        gateway,
        audit: { append: async (e: EntryInput) => entries.push(e) },
        provider: 'openai',
        params: { model: 'm', maxTokens: 100 },
        repo: null,
        readRoots: [],
        timeoutSeconds: 60,
      });
      const pid = (await w.pid())!;
      assert.ok(alive(pid));
      const ctrl = new AbortController();
      const running = w.run({ stage: 's', prompt: 'p', tools: [], maxTurns: 2, repoRoot: null, readRoots: [], revisions: false, context: {} }, ctrl.signal);
      // wait until the model call is in flight, then hit the deadline
      for (let i = 0; i < 200 && server.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(server.requests.length, 1);
      ctrl.abort();
      await assert.rejects(running, /aborted/);
      await w.dispose();
      assert.equal(alive(pid), false, 'worker process is gone');
      const scratch = (w as unknown as { scratch: string }).scratch;
      assert.equal(existsSync(scratch), false, 'scratch dir removed');
      const call = entries.find((e) => e.kind === 'llm_call');
      assert.ok(call && call.kind === 'llm_call' && call.error_class === 'aborted');
    } finally {
      await server.close();
    }
  });
});
