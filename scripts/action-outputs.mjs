#!/usr/bin/env node
// The GitHub Action's outputs from a `bulwark review --result` file, as `name=value` lines for
// $GITHUB_OUTPUT: run-id, findings-count, gate (flagged | not-flagged | none).
// Prints nothing when there is no result file (a skipped re-review, or a run that failed before
// it had a result): those outputs stay empty and exit-code alone tells what happened.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file || !existsSync(file)) process.exit(0);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`bulwark action: cannot read the result ${file}: ${err.message}`);
  process.exit(1);
}
if (report?.schema !== 'bulwark.review/v1') {
  console.error(`bulwark action: ${file} is not a bulwark.review/v1 result`);
  process.exit(1);
}
// values are written one per line: anything but a plain token is refused rather than let a
// newline add an output
const runId = typeof report.runId === 'string' && /^[A-Za-z0-9_.:-]+$/.test(report.runId) ? report.runId : '';
const count = Number.isInteger(report.counts?.total) ? report.counts.total : '';
const gate = report.gate ? (report.gate.flagged === true ? 'flagged' : 'not-flagged') : 'none';
process.stdout.write(`run-id=${runId}\nfindings-count=${count}\ngate=${gate}\n`);
