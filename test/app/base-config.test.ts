import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/domain/errors.js';
import { loadBaseConfig } from '../../src/app/base-config.js';
import { defaultReviewConfig } from '../../src/review/config.js';
import { protectedEditFindings } from '../../src/app/review.js';
import { acquireChange } from '../../src/review/acquire.js';
import { makeGitRepo } from '../helpers/git-repo.js';

describe('configuration from the base revision', () => {
  it('reads bulwark.toml, the topology and its prompts from the base, whatever the checkout holds', async () => {
    const repo = makeGitRepo();
    try {
      repo.writeAll({
        'bulwark.toml': 'topology = "ci/topology.toml"\n\n[review]\nfail_on = "medium"\n',
        'ci/topology.toml': '[[pipeline.stages]]\nname = "sec"\nprompt_file = "prompts/sec.md"\n',
        'ci/prompts/sec.md': 'BASE PROMPT\n',
      });
      const base = repo.commit('base');
      repo.checkout('pr', true);
      repo.writeAll({ 'bulwark.toml': 'topology = "ci/topology.toml"\n\n[review]\nfail_on = "none"\n', 'ci/prompts/sec.md': 'PR PROMPT\n' });
      repo.commit('pr edits config');
      const cfg = await loadBaseConfig({ repoDir: repo.dir, rev: base, version: '0.0.0' });
      try {
        assert.equal(cfg.review.fail_on, 'medium');
        assert.equal(cfg.topology?.stages[0]!.prompt, 'BASE PROMPT\n');
        assert.deepEqual(cfg.configPaths, ['bulwark.toml', 'ci/topology.toml', 'ci/prompts/sec.md']);
        assert.match(cfg.origin, /^base revision [0-9a-f]{12}$/);
        const atHead = await loadBaseConfig({ repoDir: repo.dir, rev: 'HEAD', version: '0.0.0' });
        assert.notEqual(atHead.contentHash, cfg.contentHash, 'the hash identifies the configuration');
        atHead.cleanup();
        const change = await acquireChange({ repoDir: repo.dir, base: 'main', head: 'pr', env: {} });
        const findings = protectedEditFindings(change, cfg.review, cfg.configPaths);
        assert.deepEqual(findings.map((f) => [f.file, f.category, f.severity, f.stage]).sort(), [
          ['bulwark.toml', 'bulwark-config', 'high', 'bulwark'],
          ['ci/prompts/sec.md', 'bulwark-config', 'high', 'bulwark'],
        ]);
      } finally {
        cfg.cleanup();
      }
    } finally {
      repo.cleanup();
    }
  });

  it('takes the allowed-signers file from the base, and none when its path leaves the copy or the base lacks it', async () => {
    const repo = makeGitRepo();
    try {
      repo.writeAll({
        'bulwark.toml': '[approvals]\nallowed_signers = "keys/allowed_signers"\n',
        'keys/allowed_signers': 'alice@bank.example ssh-ed25519 BASEKEY\n',
      });
      const base = repo.commit('base');
      repo.write('keys/allowed_signers', 'mallory@evil.example ssh-ed25519 PRKEY\n');
      repo.commit('pr edits the keys');
      const cfg = await loadBaseConfig({ repoDir: repo.dir, rev: base, version: '0.0.0' });
      try {
        const file = cfg.config.approvals!.allowed_signers!;
        assert.ok(path.isAbsolute(file) && readFileSync(file, 'utf8').includes('BASEKEY'), file);
        assert.ok(cfg.configPaths.includes('keys/allowed_signers'), 'an edit to it is a protected-config finding');
      } finally {
        cfg.cleanup();
      }
      for (const [name, toml] of [
        ['escapes', '../allowed_signers'],
        ['missing', 'nowhere/allowed_signers'],
      ] as const) {
        repo.write('bulwark.toml', `[approvals]\nallowed_signers = "${toml}"\n`);
        const rev = repo.commit(name);
        const c = await loadBaseConfig({ repoDir: repo.dir, rev, version: '0.0.0' });
        try {
          assert.equal(c.config.approvals!.allowed_signers, undefined, `${name}: no file, so no signed approval counts`);
        } finally {
          c.cleanup();
        }
      }
    } finally {
      repo.cleanup();
    }
  });

  it('uses defaults when the base has no bulwark.toml, and flags a PR that adds one', async () => {
    const repo = makeGitRepo();
    try {
      repo.write('a.txt', 'a\n');
      const base = repo.commit('base');
      repo.write('bulwark.toml', '[review]\nfail_on = "none"\n');
      repo.commit('add config');
      const cfg = await loadBaseConfig({ repoDir: repo.dir, rev: base, version: '0.0.0' });
      try {
        assert.deepEqual(cfg.review, defaultReviewConfig());
        assert.equal(cfg.topology, null);
        assert.equal(cfg.config.file, null);
        const change = await acquireChange({ repoDir: repo.dir, base, head: 'HEAD', env: {} });
        assert.equal(protectedEditFindings(change, cfg.review, cfg.configPaths).length, 1);
      } finally {
        cfg.cleanup();
      }
    } finally {
      repo.cleanup();
    }
  });

  it('names the base file in errors (invalid [review] value, missing prompt)', async () => {
    const repo = makeGitRepo();
    try {
      repo.write('bulwark.toml', '[review]\nfail_on = "sometimes"\n');
      const bad = repo.commit('bad');
      await assert.rejects(
        loadBaseConfig({ repoDir: repo.dir, rev: bad, version: '0' }),
        (err: unknown) => err instanceof UsageError && /bulwark\.toml:2: .*fail_on/.test((err as Error).message),
      );
      repo.writeAll({ 'bulwark.toml': 'topology = "t.toml"\n', 't.toml': '[[pipeline.stages]]\nname = "s"\nprompt_file = "missing.md"\n' });
      const missing = repo.commit('missing prompt');
      await assert.rejects(
        loadBaseConfig({ repoDir: repo.dir, rev: missing, version: '0' }),
        (err: unknown) => err instanceof UsageError && /missing\.md/.test((err as Error).message),
      );
    } finally {
      repo.cleanup();
    }
  });
});
