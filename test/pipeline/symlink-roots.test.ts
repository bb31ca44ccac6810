/**
 * Read roots come from the touched zones and shared paths, i.e. from folders of the checkout the
 * change under review controls. A change that turns one of them (or a folder above one) into a
 * symlink must not get the link's target granted. Each case commits the symlink in the PR branch
 * of a real git repository, runs the real pipeline through the real launcher (uid 65534), has the
 * "model" read a secret through the link, and checks the policy, the tool results and the log.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Entry } from '../../src/audit/index.js';
import { acquireChange } from '../../src/review/acquire.js';
import { resolveProviders } from '../../src/llm/select.js';
import { loadTopology } from '../../src/pipeline/topology.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { spawnSandboxed } from '../../src/sandbox/launcher.js';
import type { SandboxPolicy } from '../../src/sandbox/policy.js';
import type { SandboxSpawner } from '../../src/sandbox/worker-host.js';
import type { FakeAction, Responder } from '../helpers/fake-openai.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { conversationOf } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { tempAudit, writeTopology } from './fixtures.js';

const ONE_STAGE = `[[pipeline.stages]]\nname = "static-analysis"\nprompt_file = "prompts/static.md"\n`;
const SECRET = 'OUTSIDE-SECRET-7f3a9c';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A directory outside the repository the sandbox uid (65534) can read: without the fix, reads through a link succeed. */
function outsideDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-outside-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'secret.txt'), `${SECRET}\n`, { mode: 0o644 });
  mkdirSync(path.join(dir, 'payments'), { mode: 0o755 });
  writeFileSync(path.join(dir, 'payments', 'secret.txt'), `${SECRET}\n`, { mode: 0o644 });
  return realpathSync(dir);
}

const BASE = {
  'src/payments/charge.js': 'export function charge(a, cents) {\n  return a.debit(cents);\n}\n',
  'libs/common/util.js': 'export const id = (x) => x;\n',
  'docs/notes.md': 'internal notes\n',
  'README.md': '# demo\n',
};

/** main: BASE; feature (the PR): `link` replaced by a symlink to `target`, committed with git. */
async function repoWithLink(link: string, target: string): Promise<{ repo: GitRepo; change: Awaited<ReturnType<typeof acquireChange>> }> {
  const repo = makeGitRepo('bulwark-symroot-');
  cleanups.push(() => repo.cleanup());
  chmodSync(repo.dir, 0o755);
  repo.writeAll(BASE);
  repo.commit('base');
  repo.checkout('feature', true);
  repo.write('README.md', '# demo, changed\n');
  rmSync(path.join(repo.dir, link), { recursive: true, force: true });
  mkdirSync(path.dirname(path.join(repo.dir, link)), { recursive: true });
  symlinkSync(target, path.join(repo.dir, link));
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', `turn ${link} into a link`);
  assert.equal(repo.git('ls-files', '-s', '--', link).split(' ')[0], '120000', `${link} is committed as a symlink`);
  const change = await acquireChange({ repoDir: repo.dir, base: 'main', head: 'feature', env: {} });
  return { repo, change };
}

interface Call {
  name: string;
  arguments: Record<string, unknown>;
}

/** A "model" steered into calling `calls` first; it records what the tools answered. */
function steered(calls: Call[], results: string[]): Responder {
  return (req): FakeAction => {
    const conv = conversationOf(req.body);
    if (conv.turns === 0) return { type: 'reply', toolCalls: calls };
    results.push(...conv.lastToolResults);
    return { type: 'reply', toolCalls: [{ name: 'submit_review', arguments: { summary_markdown: 'done', findings: [] } }] };
  };
}

interface Outcome {
  status: string;
  reasons: string[];
  policy: SandboxPolicy;
  toolResults: string[];
  entries: Entry[];
}

async function run(repo: GitRepo, change: Awaited<ReturnType<typeof acquireChange>>, readScope: string[] | undefined, calls: Call[]): Promise<Outcome> {
  const topo = writeTopology(ONE_STAGE);
  cleanups.push(topo.cleanup);
  const toolResults: string[] = [];
  const server = await startFakeOpenAi({ respond: steered(calls, toolResults) });
  cleanups.push(() => server.close());
  const audit = await tempAudit();
  cleanups.push(() => audit.cleanup());
  const providers = await resolveProviders({
    config: {},
    configDir: topo.dir,
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
    probeOllama: false,
  });
  const policies: SandboxPolicy[] = [];
  const spawn: SandboxSpawner = (policy, command, args, opts) => {
    policies.push(policy);
    return spawnSandboxed(policy, command, args, opts);
  };
  const result = await runPipeline({
    topology: loadTopology(topo.file),
    change,
    ...(readScope ? { gate: { readScope } } : {}),
    audit: audit.audit,
    runId: 'run-symroot',
    providers,
    providerConfig: { max_retries: 0, timeout_seconds: 30 },
    repoDir: repo.dir,
    spawn,
  });
  assert.equal(policies.length, 1);
  return { status: result.status, reasons: result.stages.map((s) => s.reason ?? ''), policy: policies[0]!, toolResults, entries: await audit.entries() };
}

function within(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir + '/');
}

/** What the launcher grants is each rule path's realpath: `dir` must be neither in nor above one (the scratch dir is gone by now). */
function assertNotGranted(policy: SandboxPolicy, dir: string): void {
  for (const p of [...policy.readPaths, ...policy.execPaths]) {
    const real = realpathSync(p);
    assert.ok(!within(dir, real) && !within(real, dir), `${dir} is reachable through granted path ${p} (${real})`);
  }
}

function refusals(entries: Entry[]): Extract<Entry, { kind: 'sandbox_denial' }>[] {
  return entries.filter((e): e is Extract<Entry, { kind: 'sandbox_denial' }> => e.kind === 'sandbox_denial' && e.operation === 'read_root_refused');
}

function assertNoSecret(o: Outcome, expected: number): void {
  assert.equal(o.toolResults.length, expected, `tool results: ${JSON.stringify(o.toolResults)}`);
  for (const r of o.toolResults) assert.ok(!r.includes(SECRET), `the secret reached the model: ${r}`);
}

const readSecretCalls = (dir: string): Call[] => [
  { name: 'read_file', arguments: { path: `${dir}/secret.txt` } },
  { name: 'list_dir', arguments: { path: dir } },
  { name: 'grep', arguments: { pattern: 'SECRET', path: dir } },
];

describe('read roots through symlinks committed in the change', () => {
  it('a shared path turned into a link to an outside folder is not granted; the other zone still is', async () => {
    const outside = outsideDir();
    const { repo, change } = await repoWithLink('libs/common', outside);
    const o = await run(
      repo,
      change,
      ['src/payments/**', 'libs/common/**'],
      [{ name: 'read_file', arguments: { path: 'src/payments/charge.js' } }, ...readSecretCalls('libs/common')],
    );
    assert.equal(o.status, 'ok', o.reasons.join('; '));
    assertNotGranted(o.policy, outside);
    assert.ok(o.policy.readPaths.includes(path.join(realpathSync(repo.dir), 'src', 'payments')), 'the zone that is a real folder is still granted');
    assertNoSecret(o, 4);
    assert.match(o.toolResults[0]!, /debit/, 'the real zone is readable');
    for (const r of o.toolResults.slice(1)) assert.match(r, /outside the folders this stage may read/);
    const refused = refusals(o.entries);
    assert.equal(refused.length, 1, JSON.stringify(refused));
    assert.equal(refused[0]!.target, 'libs/common');
    assert.equal(refused[0]!.run_id, 'run-symroot');
    assert.match(refused[0]!.detail ?? '', /libs\/common is a symbolic link/);
    // on record before the stage ran
    assert.ok(o.entries.indexOf(refused[0]!) < o.entries.findIndex((e) => e.kind === 'stage_started'));
  });

  it('the zone root itself a link: refused, and the stage runs with no repository access at all (never the target)', async () => {
    const outside = outsideDir();
    const { repo, change } = await repoWithLink('src/payments', outside);
    const o = await run(repo, change, ['src/payments/**'], readSecretCalls('src/payments'));
    assert.equal(o.status, 'ok', o.reasons.join('; '));
    assertNotGranted(o.policy, outside);
    assertNotGranted(o.policy, realpathSync(repo.dir));
    assertNoSecret(o, 3);
    for (const r of o.toolResults) assert.match(r, /no readable folders of the repository/);
    const refused = refusals(o.entries);
    assert.deepEqual(
      refused.map((e) => e.target),
      ['src/payments'],
    );
    assert.match(refused[0]!.detail ?? '', /src\/payments is a symbolic link/);
  });

  it('a parent of the zone root a link: refused (the walk starts at the repository root)', async () => {
    const outside = outsideDir();
    const { repo, change } = await repoWithLink('src', outside);
    const o = await run(repo, change, ['src/payments/**'], readSecretCalls('src/payments'));
    assert.equal(o.status, 'ok', o.reasons.join('; '));
    assertNotGranted(o.policy, outside);
    assertNoSecret(o, 3);
    const refused = refusals(o.entries);
    assert.deepEqual(
      refused.map((e) => e.target),
      ['src/payments'],
    );
    assert.match(refused[0]!.detail ?? '', /^src is a symbolic link/);
  });

  it('a link to another folder inside the repository is refused as well (a link never widens the scope)', async () => {
    const { repo, change } = await repoWithLink('libs/common', '../docs');
    const o = await run(repo, change, ['libs/common/**'], [{ name: 'read_file', arguments: { path: 'libs/common/notes.md' } }]);
    assert.equal(o.status, 'ok', o.reasons.join('; '));
    assertNotGranted(o.policy, path.join(realpathSync(repo.dir), 'docs'));
    assert.equal(o.toolResults.length, 1);
    assert.doesNotMatch(o.toolResults[0]!, /internal notes/);
    assert.deepEqual(
      refusals(o.entries).map((e) => e.target),
      ['libs/common'],
    );
  });

  it('a link deeper inside a granted zone: the zone is granted, the tools refuse the link for read, list and grep', async () => {
    const outside = outsideDir();
    const { repo, change } = await repoWithLink('src/payments/vendor', outside);
    const o = await run(
      repo,
      change,
      ['src/payments/**'],
      [
        ...readSecretCalls('src/payments/vendor'),
        { name: 'read_file', arguments: { path: 'src/payments/vendor/payments/secret.txt' } },
        // the walk of the zone must not descend into the linked folder
        { name: 'grep', arguments: { pattern: 'SECRET|debit', path: 'src/payments' } },
      ],
    );
    assert.equal(o.status, 'ok', o.reasons.join('; '));
    assertNotGranted(o.policy, outside);
    assert.ok(o.policy.readPaths.includes(path.join(realpathSync(repo.dir), 'src', 'payments')));
    assertNoSecret(o, 5);
    for (const r of o.toolResults.slice(0, 4)) assert.match(r, /goes through a symlink \("src\/payments\/vendor"\) that leads outside/);
    assert.match(o.toolResults[4]!, /^src\/payments\/charge\.js:2: /);
    assert.deepEqual(refusals(o.entries), [], 'the root itself is fine');
  });
});
