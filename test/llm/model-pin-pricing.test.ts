import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelMatches, normalizeReturnedModel } from '../../src/llm/model-pin.js';
import { costOf, priceFor } from '../../src/llm/pricing.js';

describe('returned model names', () => {
  it('reduces file paths to the file name and keeps hub ids whole', () => {
    assert.equal(normalizeReturnedModel('/home/ops/models/qwen2.5-coder-7b-q4_k_m.gguf'), 'qwen2.5-coder-7b-q4_k_m.gguf');
    assert.equal(normalizeReturnedModel('./models/llama.gguf'), 'llama.gguf');
    assert.equal(normalizeReturnedModel('C:\\models\\mistral.gguf'), 'mistral.gguf');
    assert.equal(normalizeReturnedModel('Qwen/Qwen2.5-Coder-32B-Instruct'), 'Qwen/Qwen2.5-Coder-32B-Instruct');
    assert.equal(normalizeReturnedModel('gpt-4.1-mini-2025-04-14'), 'gpt-4.1-mini-2025-04-14');
  });

  it('accepts an alias resolved to its dated snapshot, Ollama :latest and a model file of the requested name; nothing else', () => {
    assert.ok(modelMatches('gpt-4.1-mini', 'gpt-4.1-mini-2025-04-14'));
    assert.ok(modelMatches('claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'));
    assert.ok(modelMatches('llama3.1', 'llama3.1:latest'));
    assert.ok(modelMatches('qwen2.5-coder-7b-q4_k_m', '/srv/qwen2.5-coder-7b-q4_k_m.gguf'));
    assert.ok(modelMatches('Qwen/Qwen2.5-Coder-7B', 'qwen/qwen2.5-coder-7b'));
    assert.ok(!modelMatches('gpt-4.1', 'gpt-4.1-mini-2025-04-14'), 'another model of the family');
    assert.ok(!modelMatches('gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini-2025-08-01'), 'another snapshot than the pinned one');
    assert.ok(!modelMatches('qwen2.5-coder', '/srv/qwen2.5-coder-7b-q4_k_m.gguf'), 'a size/quantisation the name does not say');
    assert.ok(!modelMatches('llama3.1:8b', 'llama3.1:70b'));
  });
});

describe('price table', () => {
  const table = [
    { model: 'm', input_per_mtok: 3, output_per_mtok: 15 },
    { model: 'm', provider: 'bedrock' as const, input_per_mtok: 4, output_per_mtok: 20, cached_input_per_mtok: 0.4 },
  ];
  it("prefers the provider's own row, then the requested name, then the returned one", () => {
    assert.equal(priceFor(table, 'bedrock', 'm')?.input_per_mtok, 4);
    assert.equal(priceFor(table, 'openai', 'm')?.input_per_mtok, 3);
    assert.equal(priceFor(table, 'openai', 'alias', 'm')?.input_per_mtok, 3);
    assert.equal(priceFor(table, 'openai', 'other'), undefined);
    assert.equal(priceFor(undefined, 'openai', 'm'), undefined);
  });
  it('prices cached prompt tokens at the cached price, else at the input price', () => {
    assert.equal(costOf({ input: 1_000_000, output: 1_000_000, cachedInput: 500_000 }, table[1]!), 0.5 * 4 + 0.5 * 0.4 + 20);
    assert.equal(costOf({ input: 1_000_000, output: 0, cachedInput: 500_000 }, table[0]!), 3);
  });
});
