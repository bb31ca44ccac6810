/**
 * `bulwark sandbox policy` prints the policy a stage worker of the repository really gets: the
 * policy handed to the sandbox spawner by a pipeline run with the same configuration, compared
 * field by field (only the scratch dir's random suffix differs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBulwarkConfig } from '../../src/app/config.js';
import { auditStoreFiles, resolveAuditConfigPaths } from '../../src/audit/config.js';
import { openAuditLog } from '../../src/audit/index.js';
import { resolveProviders } from '../../src/llm/select.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { loadTopology } from '../../src/pipeline/topology.js';
import { SandboxError } from '../../src/domain/errors.js';
import { describePolicy } from '../../src/sandbox/describe.js';
import { kernelFacts } from '../../src/sandbox/doctor.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import type { SandboxPolicy } from '../../src/sandbox/policy.js';
import type { GitRepo } from '../helpers/git-repo.js';
import { paymentsRepo, SEED_TOPOLOGY } from '../pipeline/fixtures.js';

const bin = path.join(packageRoot, 'bin', 'bulwark.js');

const CONFIG = `topology = "review/topology.toml"

[audit]
db = "state/audit.db"
key_file = "state/audit.key"

[provider]
default = "openai"

[provider.openai]
api_key_file = "keys/openai.key"
base_url = "http://127.0.0.1:9/v1"

[sandbox]
timeout_seconds = 45
extra_read_paths = ["/usr/share/zoneinfo"]
deny_paths = ["/etc/shadow"]

[sandbox.limits]
open_files = 200
`;

/** Scratch dirs differ only in their random suffix and stage name. */
const normalise = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v).replace(/bulwark-stage-[A-Za-z0-9_-]*?-[A-Za-z0-9]{6}(?=["/])/g, 'bulwark-stage-S-XXXXXX'));

describe('sandbox policy prints what stages get', () => {
  let repo: GitRepo;
  before(async () => {
    ({ repo } = await paymentsRepo());
    mkdirSync(path.join(repo.dir, 'review', 'prompts'), { recursive: true });
    for (const p of ['static', 'security', 'summary']) writeFileSync(path.join(repo.dir, 'review', 'prompts', `${p}.md`), `You review ${p}.\n`);
    writeFileSync(path.join(repo.dir, 'review', 'topology.toml'), `[pipeline]\ntimeout_seconds = 200\n\n${SEED_TOPOLOGY}`);
    mkdirSync(path.join(repo.dir, 'keys'));
    writeFileSync(path.join(repo.dir, 'keys', 'openai.key'), 'sk-test\n', { mode: 0o600 });
    writeFileSync(path.join(repo.dir, 'bulwark.toml'), CONFIG);
  });
  after(() => repo.cleanup());

  it('the printed policy equals the one the pipeline hands to the sandbox', async () => {
    const env = { ...process.env, BULWARK_AUDIT_DB: '' };
    const r = spawnSync(process.execPath, [bin, 'sandbox', 'policy', '--json', '--repo', repo.dir], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as unknown;

    // a real pipeline run with the same configuration; its spawner records the policy and stops
    const cfg = loadBulwarkConfig(repo.dir);
    const auditConfig = resolveAuditConfigPaths(cfg.audit, cfg.dir);
    const audit = await openAuditLog({ config: auditConfig });
    const policies: SandboxPolicy[] = [];
    try {
      const run = runPipeline({
        topology: loadTopology(cfg.topologyFile!),
        change: (await paymentsRepo()).change,
        audit,
        runId: 'run-policy',
        providers: await resolveProviders({ config: cfg.provider, configDir: cfg.dir, env: {}, probeOllama: false }),
        providerConfig: cfg.provider,
        repoDir: repo.dir,
        denyPaths: auditStoreFiles(audit.location, auditConfig),
        ...(cfg.sandbox ? { sandboxConfig: cfg.sandbox } : {}),
        spawn: async (policy) => {
          policies.push(policy);
          throw new SandboxError('recorded');
        },
      });
      // a sandbox that cannot start fails the run closed: here that is the recorder stopping it
      await assert.rejects(run, SandboxError);
    } finally {
      await audit.close();
    }
    assert.ok(policies.length >= 1, 'no stage reached the sandbox');
    const given = describePolicy(policies[0]!, kernelFacts());
    assert.deepEqual(normalise(printed), normalise(given));
    // and the things an auditor looks for are really there
    const text = JSON.stringify(printed);
    for (const p of [path.join(repo.dir, 'keys', 'openai.key'), path.join(repo.dir, 'state', 'audit.db'), '/etc/shadow'])
      assert.ok(text.includes(p), `${p} is not listed as never granted`);
  });
});
