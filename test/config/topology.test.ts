import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadTopology } from '../../src/pipeline/topology.js';
import { UsageError } from '../../src/domain/errors.js';

const SEED = `[[pipeline.stages]]
name = "static-analysis"
prompt_file = "prompts/static.md"

[[pipeline.stages]]
name = "security-review"
prompt_file = "prompts/security.md"
depends_on = ["static-analysis"]

[[pipeline.stages]]
name = "summary"
prompt_file = "prompts/summary.md"
depends_on = ["static-analysis", "security-review"]
`;

const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function fixture(topology: string, extraFiles: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-topo-'));
  roots.push(dir);
  mkdirSync(path.join(dir, 'prompts'));
  for (const p of ['static', 'security', 'summary']) writeFileSync(path.join(dir, 'prompts', `${p}.md`), `You are the ${p} reviewer.\n`);
  for (const [name, text] of Object.entries(extraFiles)) writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, 'topology.toml');
  writeFileSync(file, topology);
  return file;
}

function errorOf(file: string): string {
  try {
    loadTopology(file);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected the topology to be rejected');
}

describe('topology loader', () => {
  it('loads the seed topology exactly as written', () => {
    const file = fixture(SEED);
    const t = loadTopology(file);
    assert.deepEqual(
      t.stages.map((s) => [s.name, s.dependsOn]),
      [
        ['static-analysis', []],
        ['security-review', ['static-analysis']],
        ['summary', ['static-analysis', 'security-review']],
      ],
    );
    assert.equal(t.stages[1]!.prompt, 'You are the security reviewer.\n');
    assert.deepEqual(t.stages[0]!.tools, ['read_file', 'list_dir', 'grep', 'show_file']);
    assert.equal(t.stages[2]!.line, 10);
  });

  it('applies [pipeline] defaults and per-stage overrides', () => {
    const file = fixture(`[pipeline]
name = "payments"
provider = "openai"
model = "m-default"
temperature = 0.2
timeout_seconds = 60
max_parallel = 2

[[pipeline.stages]]
name = "a"
prompt_file = "prompts/static.md"
model = "m-special"
max_turns = 3
tools = ["read_file"]
timeout_seconds = 10
`);
    const t = loadTopology(file);
    assert.equal(t.name, 'payments');
    assert.equal(t.maxParallel, 2);
    assert.equal(t.timeoutSeconds, 60);
    const a = t.stages[0]!;
    assert.equal(a.provider, 'openai');
    assert.equal(a.model, 'm-special');
    assert.equal(a.temperature, 0.2);
    assert.equal(a.maxTurns, 3);
    assert.equal(a.timeoutSeconds, 10);
    assert.deepEqual(a.tools, ['read_file']);
  });

  it('names file, line, stage and a suggestion for an unknown key', () => {
    const file = fixture(SEED.replace('depends_on = ["static-analysis"]\n', 'depends_om = ["static-analysis"]\n'));
    const msg = errorOf(file);
    assert.match(msg, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8: `));
    assert.match(msg, /stage "security-review"/);
    assert.match(msg, /unknown key "pipeline\.stages\[1\]\.depends_om" \(did you mean "depends_on"\?\)/);
  });

  it('reports a cycle as a path', () => {
    const file = fixture(
      SEED.replace(
        'name = "static-analysis"\nprompt_file = "prompts/static.md"\n',
        'name = "static-analysis"\nprompt_file = "prompts/static.md"\ndepends_on = ["summary"]\n',
      ),
    );
    const msg = errorOf(file);
    assert.match(msg, /:1: stage "static-analysis": dependency cycle static-analysis → summary → (security-review → )?static-analysis/);
  });

  it('rejects an unknown depends_on with a suggestion', () => {
    const msg = errorOf(fixture(SEED.replace('depends_on = ["static-analysis"]', 'depends_on = ["static-analysys"]')));
    assert.match(msg, /:8: stage "security-review": depends_on names unknown stage "static-analysys" \(did you mean "static-analysis"\?\)/);
  });

  it('rejects duplicate names', () => {
    const msg = errorOf(fixture(SEED.replace('name = "summary"', 'name = "static-analysis"')));
    assert.match(msg, /:11: stage "static-analysis": duplicate stage name/);
  });

  it('rejects a missing prompt file', () => {
    const msg = errorOf(fixture(SEED.replace('prompts/summary.md', 'prompts/nope.md')));
    assert.match(msg, /:12: stage "summary": prompt_file "prompts\/nope\.md" not found/);
  });

  it('rejects a prompt_file escaping by ..', () => {
    const msg = errorOf(fixture(SEED.replace('prompts/summary.md', '../outside.md')));
    assert.match(msg, /stage "summary": prompt_file "\.\.\/outside\.md" escapes the topology's folder/);
  });

  it('rejects a prompt_file escaping by a symlink', () => {
    const file = fixture(SEED);
    const outside = mkdtempSync(path.join(tmpdir(), 'bulwark-outside-'));
    roots.push(outside);
    writeFileSync(path.join(outside, 'secret.md'), 'not a prompt');
    rmSync(path.join(path.dirname(file), 'prompts', 'summary.md'));
    symlinkSync(path.join(outside, 'secret.md'), path.join(path.dirname(file), 'prompts', 'summary.md'));
    const msg = errorOf(file);
    assert.match(msg, /stage "summary": prompt_file "prompts\/summary\.md" escapes the topology's folder through a symlink/);
  });

  it('reports invalid TOML with its line and wrong value types with the value', () => {
    assert.match(errorOf(fixture('[[pipeline.stages]]\nname = "a\n')), /:2: invalid TOML/);
    const msg = errorOf(fixture(SEED.replace('name = "summary"', 'name = "summary"\nmax_turns = "many"')));
    assert.match(msg, /:12: stage "summary": pipeline\.stages\[2\]\.max_turns: .*\(value "many"\)/);
  });

  it('rejects an empty topology and a bad tool name', () => {
    assert.match(errorOf(fixture('[pipeline]\nname = "x"\n')), /pipeline\.stages/);
    const msg = errorOf(fixture(SEED.replace('name = "summary"', 'name = "summary"\ntools = ["shell"]')));
    assert.match(msg, /stage "summary".*tools/);
  });
});
