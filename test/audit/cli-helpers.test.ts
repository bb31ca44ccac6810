import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSince, printable } from '../../src/cli/commands/audit.js';
import { UsageError } from '../../src/domain/errors.js';

describe('audit CLI helpers', () => {
  it('--since takes an ISO date/time or a duration back from now', () => {
    const now = Date.parse('2026-03-10T12:00:00.000Z');
    assert.equal(parseSince('30m', now), now - 30 * 60_000);
    assert.equal(parseSince('24h', now), now - 86_400_000);
    assert.equal(parseSince('7d', now), now - 7 * 86_400_000);
    assert.equal(parseSince('2026-03-01', now), Date.parse('2026-03-01'));
    assert.equal(parseSince('2026-03-01T08:00:00Z', now), Date.parse('2026-03-01T08:00:00Z'));
    for (const bad of ['yesterday', '7 days', '-1d', '2026-13-45', '']) assert.throws(() => parseSince(bad, now), UsageError, bad);
  });

  it('printable escapes C0, DEL, C1 and line separators and keeps other text', () => {
    assert.equal(printable('a\u001b[31mb\u0007c\u009bd\u2028é✓'), 'a\\u001b[31mb\\u0007c\\u009bd\\u2028é✓');
    assert.equal(printable('plain text'), 'plain text');
  });
});
