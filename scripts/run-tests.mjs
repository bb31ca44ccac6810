#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// `npm test -- audit sandbox` limits the run to test/audit and test/sandbox.
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const testRoot = path.join(root, 'dist', 'test');
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

let files = walk(testRoot);
if (filters.length > 0) {
  files = files.filter((f) => filters.some((flt) => path.relative(testRoot, f).startsWith(flt)));
}
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  cwd: root,
  // Each test is a fresh machine with a temporary home: let runs create their per-user audit key
  // even under CI=true (the tests of that refusal set their own environment).
  env: { ...process.env, BULWARK_AUDIT_GENERATE_KEY: '1' },
});
process.exit(res.status ?? 1);
