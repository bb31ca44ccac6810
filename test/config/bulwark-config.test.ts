import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadBulwarkConfig, parseBulwarkConfig } from '../../src/app/config.js';
import { UsageError } from '../../src/domain/errors.js';

const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'bulwark-cfg-'));
  roots.push(d);
  return d;
}

describe('bulwark.toml loader', () => {
  it('loads topology and [provider] and resolves paths against the file', () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'bulwark.toml'),
      `topology = ".bulwark/topology.toml"\n\n[provider]\ndefault = "openai"\ntoken_budget = 50000\n\n[provider.openai]\nbase_url = "http://127.0.0.1:8000/v1"\nmodel = "qwen"\n`,
    );
    const cfg = loadBulwarkConfig(dir);
    assert.equal(cfg.topologyFile, path.join(dir, '.bulwark/topology.toml'));
    assert.equal(cfg.provider.default, 'openai');
    assert.equal(cfg.provider.openai?.model, 'qwen');
    assert.equal(cfg.provider.token_budget, 50000);
  });

  it('uses defaults when the repository has no bulwark.toml', () => {
    const cfg = loadBulwarkConfig(tmp());
    assert.equal(cfg.file, null);
    assert.equal(cfg.topologyFile, undefined);
  });

  it('names file, line, key and suggestion for an unknown key in a nested table', () => {
    const text = `topology = "t.toml"\n\n[provider]\ndefault = "anthropic"\n\n[provider.anthropic]\napi_key_evn = "MY_KEY"\n`;
    assert.throws(
      () => parseBulwarkConfig(text, '/repo/bulwark.toml'),
      (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.equal(err.message, '/repo/bulwark.toml:7: unknown key "provider.anthropic.api_key_evn" (did you mean "api_key_env"?)');
        return true;
      },
    );
  });

  it('names an unknown top-level table with a suggestion', () => {
    assert.throws(() => parseBulwarkConfig('[provders]\n', '/r/bulwark.toml'), /\/r\/bulwark\.toml:1: unknown key "provders" \(did you mean "provider"\?\)/);
  });

  it('names the value of a bad field', () => {
    assert.throws(
      () => parseBulwarkConfig('[provider]\n\n\ndefault = "gpt"\n', '/r/bulwark.toml'),
      /\/r\/bulwark\.toml:4: provider\.default: .*\(value "gpt"\)/,
    );
  });

  it('keeps the topology inside the repository', () => {
    assert.throws(
      () => parseBulwarkConfig('topology = "../elsewhere.toml"\n', '/r/bulwark.toml'),
      /\/r\/bulwark\.toml:1: topology "\.\.\/elsewhere\.toml" must stay inside/,
    );
  });

  it('fails on an explicitly named file that does not exist', () => {
    assert.throws(() => loadBulwarkConfig(path.join(tmp(), 'nope.toml')), /cannot read config \(ENOENT\)/);
  });
});
