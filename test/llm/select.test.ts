import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { providersDigest, resolveProviders } from '../../src/llm/select.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-select-'));
let ollama: http.Server;
let ollamaUrl: string;
before(async () => {
  // a fake Ollama answering /api/tags
  ollama = http.createServer((req, res) => {
    res.writeHead(req.url === '/api/tags' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ models: [{ name: 'qwen2.5-coder:7b' }, { name: 'llama3.1:8b' }] }));
  });
  await new Promise<void>((r) => ollama.listen(0, '127.0.0.1', r));
  ollamaUrl = `http://127.0.0.1:${(ollama.address() as AddressInfo).port}`;
});
after(() => {
  ollama.close();
  rmSync(dir, { recursive: true, force: true });
});

const dead = 'http://127.0.0.1:9';

describe('provider selection', () => {
  it('BULWARK_PROVIDER picks the default provider when [provider] default is unset; the configuration wins; a wrong name is a usage error', async () => {
    const keys = { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o' };
    const byEnv = await resolveProviders({ config: {}, configDir: dir, env: { ...keys, BULWARK_PROVIDER: 'openai', BULWARK_MODEL: 'm-1' }, ollamaUrl: dead });
    assert.equal(byEnv.defaultName, 'openai');
    assert.equal(byEnv.byName.get('openai')!.defaultModel, 'm-1');
    const configured = await resolveProviders({
      config: { default: 'anthropic' },
      configDir: dir,
      env: { ...keys, BULWARK_PROVIDER: 'openai' },
      ollamaUrl: dead,
    });
    assert.equal(configured.defaultName, 'anthropic');
    await assert.rejects(
      resolveProviders({ config: {}, configDir: dir, env: { ...keys, BULWARK_PROVIDER: 'gpt' }, ollamaUrl: dead }),
      (e: Error) => e.name === 'UsageError' && /BULWARK_PROVIDER "gpt"/.test(e.message),
    );
  });

  it('explicit config first, then ANTHROPIC_API_KEY, then OPENAI_*, then local Ollama', async () => {
    const both = await resolveProviders({ config: {}, configDir: dir, env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o' }, ollamaUrl: dead });
    assert.equal(both.defaultName, 'anthropic');
    const explicit = await resolveProviders({
      config: { default: 'openai' },
      configDir: dir,
      env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o' },
      ollamaUrl: dead,
    });
    assert.equal(explicit.defaultName, 'openai');
    const baseOnly = await resolveProviders({ config: {}, configDir: dir, env: { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' }, ollamaUrl: dead });
    assert.equal(baseOnly.defaultName, 'openai');
    const local = await resolveProviders({ config: {}, configDir: dir, env: {}, ollamaUrl });
    assert.equal(local.defaultName, 'ollama');
    assert.equal(local.byName.get('ollama')!.defaultModel, 'qwen2.5-coder:7b');
    const none = await resolveProviders({ config: {}, configDir: dir, env: {}, ollamaUrl: dead });
    assert.equal(none.defaultName, null);
    assert.equal(none.byName.size, 0);
  });

  it('digests which providers, endpoints and default models a run uses, never its keys', async () => {
    const digest = async (env: Record<string, string>): Promise<string> =>
      providersDigest(await resolveProviders({ config: {}, configDir: dir, env, ollamaUrl: dead }));
    const a = await digest({ OPENAI_API_KEY: 'key-1', OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' });
    assert.equal(await digest({ OPENAI_API_KEY: 'key-2', OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' }), a, 'a rotated key is the same reviewer');
    assert.notEqual(await digest({ OPENAI_API_KEY: 'key-1', OPENAI_BASE_URL: 'http://127.0.0.1:9000/v1' }), a, 'another endpoint is not');
    assert.notEqual(await digest({ OPENAI_API_KEY: 'key-1', OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', BULWARK_MODEL: 'other' }), a, 'nor another model');
  });

  it('reads a key file relative to the config and reports it for the sandbox deny list', async () => {
    writeFileSync(path.join(dir, 'anthropic.key'), 'sk-ant-from-file\n');
    const r = await resolveProviders({ config: { anthropic: { api_key_file: 'anthropic.key', model: 'claude-x' } }, configDir: dir, env: {}, ollamaUrl: dead });
    assert.equal(r.defaultName, 'anthropic');
    assert.deepEqual(r.keyFiles, [path.join(dir, 'anthropic.key')]);
    assert.equal(r.byName.get('anthropic')!.defaultModel, 'claude-x');
    await assert.rejects(
      resolveProviders({ config: { openai: { api_key_file: 'missing.key' } }, configDir: dir, env: {} }),
      /api_key_file .*missing\.key: cannot read \(ENOENT\)/,
    );
  });

  it('a configured default without its key leaves the stages to report it (not a config error)', async () => {
    const r = await resolveProviders({ config: { default: 'anthropic' }, configDir: dir, env: {}, ollamaUrl: dead, probeOllama: false });
    assert.equal(r.defaultName, 'anthropic');
    assert.equal(r.byName.has('anthropic'), false);
  });
});
