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

describe('stage progress', () => {
  it('plain lines in CI', () => {
    const out = sink(false);
    const p = createProgressReporter(['a', 'b'], out);
    p.stageStarted!('a');
    p.stageFinished!({ name: 'a', status: 'done', durationMs: 1234, markdown: '', findings: [] });
    p.stageFinished!({ name: 'b', status: 'not_run', reason: 'dependency "a" failed', markdown: '', findings: [] });
    assert.equal(out.text, 'stage a: running\nstage a: done in 1.2 s (0 findings)\nstage b: not run: dependency "a" failed\n');
  });

  it('redraws one line per stage on a TTY', () => {
    const out = sink(true);
    const p = createProgressReporter(['static', 'summary'], out);
    p.stageStarted!('static');
    p.stageFinished!({ name: 'static', status: 'failed', durationMs: 500, reason: 'HTTP 500', markdown: '', findings: [] });
    // cursor moves up over the two stage lines before each redraw
    assert.equal(out.text.split('\x1b[2A').length - 1, 2);
    const last = out.text.split('\x1b[2A').pop()!;
    /* eslint-disable no-control-regex -- the colours are ANSI escape sequences, which start with ESC */
    assert.match(last, /static\s+\x1b\[31mfailed after 0\.5 s: HTTP 500/);
    assert.match(last, /summary\s+\x1b\[2mwaiting/);
    /* eslint-enable no-control-regex */
  });
});
