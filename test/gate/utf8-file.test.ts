import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readUtf8 } from '../../src/gate/utf8-file.js';

describe('reading a file as UTF-8 text', () => {
  it('gives what readFileSync(file, "utf8") gives, byte-order mark and malformed sequences included', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-utf8-'));
    try {
      const file = path.join(dir, 'text');
      // a BOM, ASCII, a lone continuation byte, a bad lead, a truncated 3-byte and 4-byte sequence, and a valid 4-byte one
      writeFileSync(file, Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0x41, 0xf0, 0x9f, 0x98, 0x20, 0xf0, 0x9f, 0x98, 0x80]));
      assert.equal(readUtf8(file), readFileSync(file, 'utf8'));
      assert.ok(readUtf8(file).includes('\ufffd') && readUtf8(file).endsWith('😀'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
