import path from 'node:path';
import { auditStoreFiles, resolveAuditConfigPaths } from '../audit/config.js';
import { resolveDbLocation } from '../audit/locations.js';
import { configuredKeyFiles } from '../llm/select.js';
import { checkReadRoots, readRootsFor } from '../pipeline/read-roots.js';
import { stagePolicy, stageScratchPrefix } from '../pipeline/stage-runner.js';
import { DEFAULT_RUN_TIMEOUT_SECONDS, loadTopology } from '../pipeline/topology.js';
import type { SandboxPolicy } from '../sandbox/policy.js';
import { loadBulwarkConfig } from './config.js';

/**
 * The policy a stage worker of this repository gets, built by the same call the pipeline makes
 * (`stagePolicy`) from the same inputs: the checkout as read root (a gate's zones can only narrow
 * it), a scratch dir, the topology's run deadline, the audit store's files and key files denied,
 * and the repository's [sandbox] table. Only the scratch dir's random suffix is shown as XXXXXX.
 */
export function effectiveStagePolicy(repoDir: string, stage = 'STAGE'): SandboxPolicy {
  const repo = path.resolve(repoDir);
  const config = loadBulwarkConfig(repo);
  const audit = config.audit ? resolveAuditConfigPaths(config.audit, config.dir) : undefined;
  const topology = config.topologyFile ? loadTopology(config.topologyFile) : undefined;
  return stagePolicy({
    readRoots: checkReadRoots(repo, readRootsFor(repo, undefined)).granted,
    scratchDir: `${stageScratchPrefix(stage)}XXXXXX`,
    timeoutSeconds: topology?.timeoutSeconds ?? DEFAULT_RUN_TIMEOUT_SECONDS,
    denyPaths: [...auditStoreFiles(resolveDbLocation(undefined, audit?.db), audit), ...configuredKeyFiles(config.provider, config.dir)],
    ...(config.sandbox ? { sandbox: config.sandbox } : {}),
  });
}
