import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { writePrivateFileAtomically } from '../../src/gate/private-file.js';

describe('private atomic writes', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-private-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('replace the file whole, mode 0600, and never write through a symlink planted at the temporary name', () => {
    const file = path.join(dir, 'pack.json');
    writeFileSync(file, 'old');
    const target = path.join(dir, 'elsewhere');
    writeFileSync(target, 'untouched');
    symlinkSync(target, `${file}.${process.pid}.tmp`);
    writePrivateFileAtomically(file, 'new');
    assert.equal(readFileSync(file, 'utf8'), 'new');
    assert.equal((statSync(file).mode & 0o777).toString(8), '600');
    assert.equal(readFileSync(target, 'utf8'), 'untouched');
    assert.deepEqual(readdirSync(dir).sort(), ['elsewhere', 'pack.json']);
  });

  it('leave nothing behind when the rename fails', () => {
    // a directory holding a file where the file should go: the rename over it fails
    const occupied = path.join(dir, 'occupied');
    mkdirSync(occupied);
    writeFileSync(path.join(occupied, 'child'), '');
    assert.throws(() => writePrivateFileAtomically(occupied, 'data'));
    assert.deepEqual(readdirSync(dir).sort(), ['elsewhere', 'occupied', 'pack.json']);
  });
});
