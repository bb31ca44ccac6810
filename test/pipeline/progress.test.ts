import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgressReporter } from '../../src/pipeline/progress.js';

function sink(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { isTTY: boolean; text: string };
  w.isTTY = isTTY;
  w.text = '';
  return w;
}

/* eslint-disable no-control-regex -- the colours and cursor moves are ANSI escape sequences, which start with ESC */
const CURSOR_MOVE = /\x1b\[\d*[ABCDK]/;
const SGR = /\x1b\[\d+m/;

describe('stage progress', () => {
  it('plain lines in CI', () => {
    const out = sink(false);
    const p = createProgressReporter(['a', 'b'], out, { env: {} });
    p.stageStarted!('a');
    p.stageFinished!({ name: 'a', status: 'done', durationMs: 1234, markdown: '', findings: [] });
    p.stageFinished!({ name: 'b', status: 'not_run', reason: 'dependency "a" failed', markdown: '', findings: [] });
    assert.equal(out.text, 'stage a: running\nstage a: done in 1.2 s (0 findings)\nstage b: not run: dependency "a" failed\n');
  });

  it('redraws one line per stage on a TTY', () => {
    const out = sink(true);
    const p = createProgressReporter(['static', 'summary'], out, { env: { TERM: 'xterm-256color' } });
    p.stageStarted!('static');
    p.stageFinished!({ name: 'static', status: 'failed', durationMs: 500, reason: 'HTTP 500', markdown: '', findings: [] });
    // cursor moves up over the two stage lines before each redraw
    assert.equal(out.text.split('\x1b[2A').length - 1, 2);
    const last = out.text.split('\x1b[2A').pop()!;
    assert.match(last, /static\s+\x1b\[31mfailed after 0\.5 s: HTTP 500/);
    assert.match(last, /summary\s+\x1b\[2mwaiting/);
  });

  it('TERM=dumb on a TTY: plain lines, no cursor movement and no colour', () => {
    const out = sink(true);
    const p = createProgressReporter(['a'], out, { env: { TERM: 'dumb' } });
    p.stageStarted!('a');
    p.stageFinished!({ name: 'a', status: 'done', durationMs: 100, markdown: '', findings: [] });
    assert.equal(out.text, 'stage a: running\nstage a: done in 0.1 s (0 findings)\n');
  });

  it('NO_COLOR on a TTY: redrawn in place without colour', () => {
    const out = sink(true);
    const p = createProgressReporter(['a'], out, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    p.stageStarted!('a');
    assert.match(out.text, CURSOR_MOVE);
    assert.doesNotMatch(out.text, SGR);
  });

  it('FORCE_COLOR without a TTY: coloured plain lines, never cursor movement', () => {
    const out = sink(false);
    const p = createProgressReporter(['a'], out, { env: { FORCE_COLOR: '1' } });
    p.stageStarted!('a');
    p.stageFinished!({ name: 'a', status: 'failed', durationMs: 100, reason: 'boom', markdown: '', findings: [] });
    assert.match(out.text, /^stage a: \x1b\[36mrunning\x1b\[0m\nstage a: \x1b\[31mfailed after 0\.1 s: boom\x1b\[0m\n$/);
    assert.doesNotMatch(out.text, CURSOR_MOVE);
    // FORCE_COLOR=0 forces nothing
    const off = sink(false);
    createProgressReporter(['a'], off, { env: { FORCE_COLOR: '0' } }).stageStarted!('a');
    assert.equal(off.text, 'stage a: running\n');
  });

  it('verbose lines name the provider, model and tokens of each stage', () => {
    const out = sink(false);
    const p = createProgressReporter(['a'], out, { env: {}, verbose: true });
    p.stageFinished!({ name: 'a', status: 'done', durationMs: 2000, markdown: '', findings: [], provider: 'openai', model: 'gpt-x', tokens: 240 });
    assert.equal(out.text, 'stage a: done in 2.0 s (0 findings) [openai/gpt-x, 240 tokens]\n');
    const quiet = sink(false);
    createProgressReporter(['a'], quiet, { env: {} }).stageFinished!({
      name: 'a',
      status: 'done',
      durationMs: 2000,
      markdown: '',
      findings: [],
      provider: 'openai',
      model: 'gpt-x',
      tokens: 240,
    });
    assert.equal(quiet.text, 'stage a: done in 2.0 s (0 findings)\n');
  });
});
