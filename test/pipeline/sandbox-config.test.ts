/**
 * The [sandbox] table of bulwark.toml reaches stage workers, and every worker event that matters
 * (degraded layers, the launcher's timeout kill) lands in the audit log. Real launcher, real SQLite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Entry } from '../../src/audit/index.js';
import { loadTopology } from '../../src/pipeline/topology.js';
import { resolveProviders } from '../../src/llm/select.js';
import { runPipeline, type RunPipelineOptions } from '../../src/pipeline/run.js';
import { stagePolicy } from '../../src/pipeline/stage-runner.js';
import type { Change } from '../../src/domain/change.js';
import type { SandboxConfig } from '../../src/sandbox/config.js';
import { spawnSandboxed } from '../../src/sandbox/launcher.js';
import type { SandboxPolicy } from '../../src/sandbox/policy.js';
import type { SandboxSpawner } from '../../src/sandbox/worker-host.js';
import type { Responder } from '../helpers/fake-llm-server.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { scriptedReviewer } from '../helpers/fake-reviewer.js';
import type { GitRepo } from '../helpers/git-repo.js';
import { paymentsRepo, tempAudit, writeTopology } from './fixtures.js';

const HOSTILE_WORKER = fileURLToPath(new URL('./hostile-stage-worker.js', import.meta.url));

const ONE_STAGE = `[[pipeline.stages]]\nname = "static-analysis"\nprompt_file = "prompts/static.md"\n`;

let repo: GitRepo;
let change: Change;
const cleanups: (() => unknown)[] = [];
before(async () => {
  ({ repo, change } = await paymentsRepo());
  cleanups.push(() => repo.cleanup());
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function runOne(respond: Responder, extra: Partial<RunPipelineOptions>): Promise<{ status: string; reasons: string[]; entries: Entry[] }> {
  const topo = writeTopology(ONE_STAGE);
  cleanups.push(topo.cleanup);
  const server = await startFakeOpenAi({ respond });
  cleanups.push(() => server.close());
  const audit = await tempAudit();
  cleanups.push(() => audit.cleanup());
  const providers = await resolveProviders({
    config: {},
    configDir: topo.dir,
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
    probeOllama: false,
  });
  const result = await runPipeline({
    topology: loadTopology(topo.file),
    change,
    audit: audit.audit,
    runId: 'run-sbx',
    providers,
    providerConfig: { max_retries: 0, timeout_seconds: 30 },
    ...extra,
  });
  return { status: result.status, reasons: result.stages.map((s) => s.reason ?? ''), entries: await audit.entries() };
}

/** The real launcher, recording the policy each worker was started with. */
function recordingSpawner(policies: SandboxPolicy[], degraded: string[] = []): SandboxSpawner {
  return async (policy, command, args, opts) => {
    policies.push(policy);
    const r = await spawnSandboxed(policy, command, args, opts);
    return { ...r, degraded: [...r.degraded, ...degraded] };
  };
}

describe('[sandbox] table applied to stage workers', () => {
  it('stagePolicy folds in uid/gid, limits, allow_degraded, extra read and deny paths; timeout_seconds caps the wall clock', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'bulwark-sp-'));
    cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
    const cfg: SandboxConfig = {
      uid: 65533,
      gid: 65532,
      allow_degraded: true,
      timeout_seconds: 45,
      extra_read_paths: ['/opt/toolchain'],
      deny_paths: ['/etc/bulwark/keys'],
      limits: { open_files: 256, processes: 64, cpu_seconds: 120, file_size_bytes: 1 << 20 },
    };
    const p = stagePolicy({ readRoots: ['/srv/repo'], scratchDir: scratch, timeoutSeconds: 310, denyPaths: ['/var/keys/a.key'], sandbox: cfg });
    assert.equal(p.uid, 65533);
    assert.equal(p.gid, 65532);
    assert.equal(p.allowDegraded, true);
    assert.equal(p.timeoutSeconds, 45, 'the operator ceiling wins over the run deadline');
    assert.deepEqual(p.limits, { openFiles: 256, processes: 64, cpuSeconds: 120, fileSizeBytes: 1 << 20 });
    assert.ok(p.readPaths.includes('/srv/repo') && p.readPaths.includes('/opt/toolchain'));
    assert.deepEqual(p.denyPaths, ['/var/keys/a.key', '/etc/bulwark/keys']);
    assert.deepEqual(
      p.writePaths.filter((w) => w !== '/dev/null'),
      [scratch],
    );
    assert.deepEqual(p.endpoints, []);
    assert.deepEqual(p.envAllow, []);
    // a shorter run deadline stays; an explicit flag beats the file
    assert.equal(stagePolicy({ readRoots: [], scratchDir: scratch, timeoutSeconds: 20, sandbox: cfg }).timeoutSeconds, 20);
    assert.equal(stagePolicy({ readRoots: [], scratchDir: scratch, timeoutSeconds: 20, allowDegraded: false, sandbox: cfg }).allowDegraded, false);
    // without a table: the defaults
    const d = stagePolicy({ readRoots: [], scratchDir: scratch, timeoutSeconds: 20 });
    assert.equal(d.uid, 65534);
    assert.equal(d.allowDegraded, false);
  });

  it('runPipeline starts its workers with the table applied (uid/gid/limits reach the real launcher)', async () => {
    const policies: SandboxPolicy[] = [];
    const r = await runOne(scriptedReviewer({ readFirst: false }), {
      sandboxConfig: { uid: 65533, gid: 65533, limits: { open_files: 300, cpu_seconds: 90 } },
      spawn: recordingSpawner(policies),
    });
    assert.equal(r.status, 'ok', r.reasons.join('; '));
    assert.equal(policies.length, 1);
    assert.equal(policies[0]!.uid, 65533);
    assert.equal(policies[0]!.gid, 65533);
    assert.equal(policies[0]!.limits.openFiles, 300);
    assert.equal(policies[0]!.limits.cpuSeconds, 90);
  });

  it('[sandbox] timeout_seconds stops a stage; the launcher kill is recorded as a sandbox_denial', async () => {
    const r = await runOne(() => ({ type: 'hang' }), { sandboxConfig: { timeout_seconds: 2 } });
    assert.equal(r.status, 'failed');
    const denial = r.entries.find((e) => e.kind === 'sandbox_denial' && e.layer === 'launcher' && e.operation === 'timeout');
    assert.ok(denial, `sandbox_denial timeout in ${JSON.stringify(r.entries.map((e) => e.kind))}`);
    assert.equal(denial.kind === 'sandbox_denial' && denial.stage, 'static-analysis');
  });
});

describe('worker events in the audit log', () => {
  it('a degraded worker appends a sandbox_denial (degraded) and an override entry', async () => {
    const r = await runOne(scriptedReviewer({ readFirst: false }), {
      allowDegradedSandbox: true,
      spawn: recordingSpawner([], ['landlock: simulated missing layer']),
    });
    assert.equal(r.status, 'ok', r.reasons.join('; '));
    const denial = r.entries.find((e) => e.kind === 'sandbox_denial' && e.operation === 'degraded');
    assert.ok(denial && denial.kind === 'sandbox_denial');
    assert.equal(denial.layer, 'launcher');
    assert.equal(denial.run_id, 'run-sbx');
    assert.match(denial.detail ?? '', /landlock: simulated/);
    const override = r.entries.find((e) => e.kind === 'override');
    assert.ok(override && override.kind === 'override', 'override entry');
    assert.equal(override.what, 'sandbox_degraded');
    assert.equal(override.run_id, 'run-sbx');
    assert.match(override.reason, /static-analysis.*landlock: simulated/);
    // both are on record before the stage's result
    const finished = r.entries.findIndex((e) => e.kind === 'stage_finished');
    assert.ok(r.entries.indexOf(override) < finished);
  });

  it('a hostile worker: denied egress, an unserved method and a protocol violation are all on record; the stage fails', async () => {
    const r = await runOne(scriptedReviewer({ readFirst: false }), { workerScript: HOSTILE_WORKER });
    assert.equal(r.status, 'failed');
    const egress = r.entries.find((e) => e.kind === 'egress');
    assert.ok(egress && egress.kind === 'egress', `egress entry in ${JSON.stringify(r.entries.map((e) => e.kind))}`);
    assert.equal(egress.decision, 'deny');
    assert.equal(egress.host, 'exfil.example.com');
    assert.equal(egress.stage, 'static-analysis');
    const denials = r.entries.filter((e) => e.kind === 'sandbox_denial');
    assert.ok(
      denials.some((d) => d.kind === 'sandbox_denial' && d.operation === 'rejected_request' && d.target === 'secrets.read'),
      JSON.stringify(denials),
    );
    assert.ok(
      denials.some((d) => d.kind === 'sandbox_denial' && d.operation === 'protocol_violation' && d.layer === 'channel'),
      JSON.stringify(denials),
    );
  });
});
