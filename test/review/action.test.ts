import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/sandbox/package-paths.js';

/** Text of every `run:` script block (indented continuation lines after `run: |`, or the one-liner). */
function runBlocks(yaml: string): string[] {
  const lines = yaml.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:- )?run:\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    if (m[2] !== '|' && m[2] !== '>') {
      out.push(m[2]!);
      continue;
    }
    const indent = m[1]!.length;
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i]!.trim() === '' || lines[i]!.search(/\S/) > indent); i++) body.push(lines[i]!);
    i--;
    out.push(body.join('\n'));
  }
  return out;
}

describe('GitHub Action and documented workflow', () => {
  const action = readFileSync(path.join(packageRoot, 'action.yml'), 'utf8');
  const workflow = readFileSync(path.join(packageRoot, 'examples/github/bulwark-review.yml'), 'utf8');

  it('action.yml runs the CLI from the action path and never splices expressions into scripts', () => {
    assert.match(action, /^runs:\n\s+using: composite/m);
    assert.match(action, /node "\$GITHUB_ACTION_PATH\/bin\/bulwark\.js"/);
    const scripts = runBlocks(action);
    assert.ok(scripts.length >= 2);
    for (const s of scripts) assert.ok(!s.includes('${{'), `expression inside a run script: ${s}`);
    for (const out of ['exit-code', 'sarif-file']) assert.match(action, new RegExp(`^  ${out}:`, 'm'));
  });

  it('the workflow is fork-safe: base checkout, head fetched as data, least privilege, one run per PR', () => {
    assert.match(workflow, /^on:\n\s+pull_request_target:/m);
    assert.match(workflow, /ref: \$\{\{ github\.event\.pull_request\.base\.sha \}\}/);
    assert.match(workflow, /persist-credentials: false/);
    assert.ok(!/ref: .*head/.test(workflow), 'the PR head is never checked out');
    assert.match(workflow, /git fetch [^\n]*refs\/pull\/\$\{PR_NUMBER\}\/head/);
    assert.match(workflow, /^permissions:\n\s+contents: read\n/m);
    assert.ok(!/:\s*write-all|contents: write/.test(workflow));
    assert.match(workflow, /^concurrency:\n\s+group: .*pull_request\.number/m);
    for (const s of runBlocks(workflow)) assert.ok(!s.includes('${{'), `expression inside a run script: ${s}`);
  });
});
