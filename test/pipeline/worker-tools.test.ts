import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runAgent } from '../../src/worker/agent-loop.js';
import { ToolError, Tools } from '../../src/worker/tools.js';
import type { CompletionRequest, CompletionResult } from '../../src/llm/types.js';

const root = mkdtempSync(path.join(tmpdir(), 'bulwark-tools-'));
const outside = mkdtempSync(path.join(tmpdir(), 'bulwark-outside-'));
after(() => [root, outside].forEach((d) => rmSync(d, { recursive: true, force: true })));
mkdirSync(path.join(root, 'src', 'pay'), { recursive: true });
mkdirSync(path.join(root, 'docs'));
mkdirSync(path.join(root, '.git'));
writeFileSync(path.join(root, '.git', 'config'), '[remote] url = https://token@example\n');
writeFileSync(path.join(root, 'src', 'pay', 'charge.js'), 'line one\nconst amount = parseFloat(x);\nline three\n');
writeFileSync(path.join(root, 'docs', 'notes.md'), 'parseFloat is bad\n');
writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET\n');
symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'src', 'leak.txt'));

describe('worker tools', () => {
  const tools = new Tools({ repoRoot: root, readRoots: [root] });

  it('reads files with line numbers and ranges', async () => {
    assert.equal(
      await tools.run('read_file', { path: 'src/pay/charge.js', start_line: 2, end_line: 2 }),
      '2\tconst amount = parseFloat(x);\n(1 more lines; use start_line)',
    );
    assert.match(await tools.run('read_file', { path: './src/pay/charge.js' }), /^1\tline one\n2\t/);
  });

  it('lists directories without .git', async () => {
    assert.equal(await tools.run('list_dir', { path: '.' }), 'docs/\nsrc/');
  });

  it('greps with paths relative to the repository', async () => {
    assert.equal(await tools.run('grep', { pattern: 'parseFloat' }), 'docs/notes.md:1: parseFloat is bad\nsrc/pay/charge.js:2: const amount = parseFloat(x);');
    assert.equal(await tools.run('grep', { pattern: 'parseFloat', path: 'src' }), 'src/pay/charge.js:2: const amount = parseFloat(x);');
  });

  for (const [args, re] of [
    [{ path: '../' + path.basename(outside) + '/secret.txt' }, /leaves the repository/],
    [{ path: path.join(outside, 'secret.txt') }, /must be relative/],
    [{ path: '.git/config' }, /inside \.git/],
    [{ path: 'src/leak.txt' }, /through a symlink/],
    [{ path: 'nope.txt' }, /does not exist/],
  ] as const) {
    it(`refuses read_file ${JSON.stringify(args.path)}`, async () => {
      await assert.rejects(tools.run('read_file', args), (e: unknown) => e instanceof ToolError && re.test(e.message));
    });
  }

  it('narrows reads to the zones it was given', async () => {
    const zoned = new Tools({ repoRoot: root, readRoots: [path.join(root, 'src')] });
    assert.match(await zoned.run('read_file', { path: 'src/pay/charge.js' }), /parseFloat/);
    await assert.rejects(zoned.run('read_file', { path: 'docs/notes.md' }), /outside the folders this stage may read/);
  });
});

describe('worker tools and symlinks', () => {
  // A second checkout: the first one's listings are asserted exactly above.
  const repo = mkdtempSync(path.join(tmpdir(), 'bulwark-tools-links-'));
  const away = mkdtempSync(path.join(tmpdir(), 'bulwark-outside-'));
  after(() => [repo, away].forEach((d) => rmSync(d, { recursive: true, force: true })));
  mkdirSync(path.join(repo, 'src', 'pay'), { recursive: true });
  writeFileSync(path.join(repo, 'src', 'pay', 'charge.js'), 'const amount = parseFloat(x);\n');
  mkdirSync(path.join(away, 'common'));
  writeFileSync(path.join(away, 'secret.txt'), 'TOP SECRET\n');
  writeFileSync(path.join(away, 'common', 'secret.txt'), 'TOP SECRET\n');
  symlinkSync(away, path.join(repo, 'shared'));
  symlinkSync(away, path.join(repo, 'lib'));
  symlinkSync(away, path.join(repo, 'src', 'vendor'));
  symlinkSync('pay', path.join(repo, 'src', 'alias'));
  const refused = (e: unknown): boolean => e instanceof ToolError && !e.message.includes('TOP SECRET');

  it('a read root that is itself a symlink is not used: read, list and grep through it are refused', async () => {
    const tools = new Tools({ repoRoot: repo, readRoots: [path.join(repo, 'src'), path.join(repo, 'shared')] });
    await assert.rejects(
      tools.run('read_file', { path: 'shared/secret.txt' }),
      (e: unknown) => refused(e) && /outside the folders this stage may read/.test((e as Error).message),
    );
    await assert.rejects(tools.run('list_dir', { path: 'shared' }), refused);
    await assert.rejects(tools.run('grep', { pattern: 'SECRET', path: 'shared' }), refused);
    assert.match(await tools.run('read_file', { path: 'src/pay/charge.js' }), /parseFloat/);
  });

  it('a read root below a symlinked folder is not used', async () => {
    const tools = new Tools({ repoRoot: repo, readRoots: [path.join(repo, 'lib', 'common')] });
    await assert.rejects(
      tools.run('read_file', { path: 'lib/common/secret.txt' }),
      (e: unknown) => refused(e) && /no readable folders/.test((e as Error).message),
    );
    await assert.rejects(tools.run('list_dir', { path: 'lib/common' }), refused);
  });

  it('a link inside a granted root that leads outside it is refused by every tool; grep does not descend into it', async () => {
    const tools = new Tools({ repoRoot: repo, readRoots: [path.join(repo, 'src')] });
    const through = (e: unknown): boolean => refused(e) && /goes through a symlink \("src\/vendor"\) that leads outside/.test((e as Error).message);
    await assert.rejects(tools.run('read_file', { path: 'src/vendor/secret.txt' }), through);
    await assert.rejects(tools.run('read_file', { path: 'src/vendor/common/secret.txt' }), through);
    await assert.rejects(tools.run('list_dir', { path: 'src/vendor' }), through);
    await assert.rejects(tools.run('grep', { pattern: 'SECRET', path: 'src/vendor' }), through);
    assert.equal(await tools.run('grep', { pattern: 'SECRET|parseFloat', path: 'src' }), 'src/pay/charge.js:1: const amount = parseFloat(x);');
  });

  it('a link that stays inside the read roots is followed', async () => {
    const tools = new Tools({ repoRoot: repo, readRoots: [path.join(repo, 'src')] });
    assert.match(await tools.run('read_file', { path: 'src/alias/charge.js' }), /parseFloat/);
  });
});

describe('agent loop', () => {
  const tools = new Tools({ repoRoot: root, readRoots: [root] });
  const input = {
    stage: 's',
    prompt: 'Review.',
    tools: ['read_file' as const],
    maxTurns: 4,
    repoRoot: root,
    readRoots: [root],
    revisions: false,
    context: { change: { files: [] } },
  };
  const res = (r: Partial<CompletionResult>): CompletionResult => ({
    text: '',
    toolCalls: [],
    stopReason: 'end',
    model: 'm',
    usage: { inputTokens: 1, outputTokens: 1 },
    ...r,
  });

  it('runs tools, feeds results back and returns the submitted review', async () => {
    const seen: CompletionRequest[] = [];
    const script = [
      res({
        toolCalls: [
          { id: 't1', name: 'read_file', arguments: { path: 'src/pay/charge.js' } },
          { id: 't2', name: 'grep', arguments: { pattern: 'x' } },
        ],
      }),
      res({
        toolCalls: [
          {
            id: 't3',
            name: 'submit_review',
            arguments: {
              summary_markdown: 'ok',
              findings: [{ file: 'src/pay/charge.js', line: 2, severity: 'high', category: 'correctness', message: 'float money', confidence: 0.9 }],
            },
          },
        ],
      }),
    ];
    const out = await runAgent(input, { tools, complete: async (r) => (seen.push(structuredClone(r)), script[seen.length - 1]!) });
    assert.equal(out.turns, 2);
    assert.deepEqual(out.findings, [
      { file: 'src/pay/charge.js', line: 2, severity: 'high', category: 'correctness', message: 'float money', confidence: 0.9, stage: 's' },
    ]);
    const second = seen[1]!.messages;
    assert.equal(second[0]!.role, 'user');
    assert.equal((JSON.parse(second[0]!.role === 'user' ? second[0]!.content : '{}') as { stage?: string }).stage, 's');
    const toolMsgs = second.filter((m) => m.role === 'tool');
    assert.match(toolMsgs[0]!.role === 'tool' ? toolMsgs[0]!.content : '', /parseFloat/);
    // grep was not granted to this stage
    assert.deepEqual(toolMsgs[1], { role: 'tool', toolCallId: 't2', name: 'grep', content: 'tool "grep" is not available to this stage', isError: true });
    assert.deepEqual(
      seen[0]!.tools.map((t) => t.name),
      ['read_file', 'submit_review'],
    );
  });

  it('gives the model a chance to fix an invalid submission', async () => {
    let n = 0;
    const out = await runAgent(input, {
      tools,
      complete: async (r) => {
        n++;
        if (n === 1)
          return res({
            toolCalls: [
              {
                id: 'a',
                name: 'submit_review',
                arguments: { summary_markdown: 'x', findings: [{ file: 'f', line: -1, severity: 'high', category: 'c', message: 'm', confidence: 1 }] },
              },
            ],
          });
        const last = r.messages[r.messages.length - 1]!;
        assert.ok(last.role === 'tool' && last.isError && /invalid/.test(last.content));
        return res({ toolCalls: [{ id: 'b', name: 'submit_review', arguments: { summary_markdown: 'fixed', findings: [] } }] });
      },
    });
    assert.equal(out.markdown, 'fixed');
  });
});

describe('read roots from the gate read scope', () => {
  it('maps globs to their static folders and falls back to the checkout', async () => {
    const { readRootsFor } = await import('../../src/pipeline/run.js');
    assert.deepEqual(readRootsFor('/r', undefined), ['/r']);
    assert.deepEqual(readRootsFor('/r', []), ['/r']);
    assert.deepEqual(readRootsFor('/r', ['payments/**', 'payments/core/*.py', 'lib/shared/**']), ['/r/payments', '/r/lib/shared']);
    assert.deepEqual(readRootsFor('/r', ['**/*.py']), ['/r']);
    assert.deepEqual(readRootsFor('/r', ['../x/**']), ['/r']);
  });
});

describe('conversation size limit', () => {
  it('elides the oldest tool results first', async () => {
    const { elideOldToolResults } = await import('../../src/worker/agent-loop.js');
    const big = 'x'.repeat(1000);
    const messages = [
      { role: 'user' as const, content: 'ctx' },
      { role: 'tool' as const, toolCallId: 'a', name: 'read_file', content: big },
      { role: 'tool' as const, toolCallId: 'b', name: 'read_file', content: big },
      { role: 'tool' as const, toolCallId: 'c', name: 'read_file', content: big },
    ];
    elideOldToolResults(messages, 2500);
    assert.match(messages[1]!.content, /^\(elided/);
    assert.equal(messages[2]!.content, big);
    assert.equal(messages[3]!.content, big);
  });
});
