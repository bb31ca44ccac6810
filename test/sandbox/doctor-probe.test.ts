import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeReport } from '../../src/sandbox/doctor.js';

describe("doctor: the probe's report", () => {
  it('is the JSON object a clean exit printed', () => {
    assert.deepEqual(probeReport(0, null, '{"readAllowed":"OK"}', ''), { readAllowed: 'OK' });
  });

  it('a clean exit that printed nothing says so, with what stderr held', () => {
    assert.throws(() => probeReport(0, null, '', ''), /^Error: the probe exited with 0 but its report is not JSON \(0 bytes on stdout, nothing on stderr\): /);
    assert.throws(() => probeReport(0, null, '{"a":', 'warning: low memory\nmore'), /\(5 bytes on stdout, stderr: warning: low memory\)/);
  });

  it('a report that is not an object is refused', () => {
    assert.throws(() => probeReport(0, null, '[1]', ''), /not an object/);
    assert.throws(() => probeReport(0, null, 'null', ''), /not an object/);
  });

  it('a failed or killed probe names its end, whatever it printed', () => {
    assert.throws(() => probeReport(1, null, '{}', 'Error: boom\n  at x'), /^Error: the probe exited with 1 \(2 bytes on stdout, stderr: Error: boom\)$/);
    assert.throws(() => probeReport(null, 'SIGKILL', '', ''), /^Error: the probe was killed by SIGKILL \(0 bytes on stdout, nothing on stderr\)$/);
  });

  it("keeps terminal control sequences in the probe's stderr out of the message", () => {
    assert.throws(
      () => probeReport(2, null, '', '\u001b[31mred\u001b[0m'),
      (e: Error) => !e.message.includes('\u001b') && e.message.includes('red'),
    );
  });
});
