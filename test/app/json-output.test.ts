import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { writeJson } from '../../src/cli/json-output.js';
import { jsonPieces } from '../../src/domain/json-pieces.js';
import { within } from '../../src/domain/within.js';

/** A small deterministic generator, so a failure can be reproduced from its seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = ['', 'a', 'line\nbreak', 'tab\t"quote" \\ back', 'src.m1.f → src.m2.g', 'ünïcødé 🙂', '\u2028\u2029', '\u0000\u001f'];
const ATOMS: unknown[] = [0, -0, 1.5, -7, 1e21, NaN, Infinity, true, false, null, undefined, () => 1, Symbol('s'), new Date(0)];

/** A value of every kind JSON.stringify treats apart: nested objects and arrays, omitted members, toJSON, empty containers. */
function valueOf(rnd: () => number, depth: number): unknown {
  const pick = rnd();
  if (depth > 4 || pick < 0.3) return rnd() < 0.5 ? STRINGS[Math.floor(rnd() * STRINGS.length)] : ATOMS[Math.floor(rnd() * ATOMS.length)];
  const n = Math.floor(rnd() * 6);
  if (pick < 0.6) return Array.from({ length: n }, () => valueOf(rnd, depth + 1));
  const o: Record<string, unknown> = rnd() < 0.1 ? (Object.create(null) as Record<string, unknown>) : {};
  for (let i = 0; i < n; i++) o[rnd() < 0.2 ? STRINGS[i % STRINGS.length]! : `k${i}`] = valueOf(rnd, depth + 1);
  if (rnd() < 0.1) o.custom = { toJSON: (key: string) => (key === 'custom' ? { by: 'key' } : undefined) };
  if (rnd() < 0.1) o.gone = { toJSON: () => undefined };
  return o;
}

describe('JSON in pieces', () => {
  it('joins to exactly what JSON.stringify writes, at every indentation and split depth', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const value = rnd() < 0.9 ? { flagged: true, paths: Array.from({ length: 20 }, () => valueOf(rnd, 1)), more: valueOf(rnd, 0) } : valueOf(rnd, 0);
      for (const space of [0, 2, 4, 12])
        for (const splitDepth of [0, 1, 2, 3, 6]) {
          const expected = JSON.stringify(value, null, space);
          const pieces = [...jsonPieces(value, { space, splitDepth, pieceChars: 40 })];
          assert.equal(
            pieces.length === 0 ? undefined : Buffer.concat(pieces).toString('utf8'),
            expected,
            `seed ${seed}, space ${space}, split depth ${splitDepth}`,
          );
        }
    }
  });

  it('hands out pieces of about the size asked for, however long the whole', () => {
    const value = { paths: Array.from({ length: 20_000 }, (_, i) => ({ changed: `f${i}`, nodes: [`a${i}`, `b${i}`, 'c → d'] })) };
    const pieces = [...jsonPieces(value, { space: 2, pieceChars: 4096 })];
    assert.ok(pieces.length > 100, `${pieces.length} pieces`);
    // a run is sized from the one before it, at most twice as many members
    for (const p of pieces) assert.ok(p.length <= 2 * 4096 + 200, `a piece of ${p.length} bytes`);
    assert.equal(Buffer.concat(pieces).toString('utf8'), JSON.stringify(value, null, 2));
  });

  it('writes what is not plain data as JSON.stringify does: boxed values, an array with its own toJSON, toJSON given its key once', () => {
    const keyed = { toJSON: (key: string) => `key=${key}` };
    const arrayX = Object.assign([1, 2], { toJSON: () => 'X' });
    const values: unknown[] = [
      { s: new String('ab'), n: new Number(5), b: [new Boolean(false)], m: new Map([[1, 2]]), r: /x/g },
      arrayX,
      [arrayX],
      { a: arrayX, inner: { a: [arrayX] } },
      { a: [keyed, keyed, keyed], b: keyed, c: { d: [keyed] } },
      [keyed, [keyed, keyed]],
      { d: { toJSON: () => new Date(0) } },
      { u: { toJSON: () => undefined }, list: [{ toJSON: () => undefined }] },
      // an array with a hole, and one of holes only
      { sparse: Object.assign(new Array<number>(3), { 0: 1, 2: 3 }), holes: new Array(3) },
      { '10': 1, '2': [2], b: 3 },
    ];
    for (const value of values)
      for (const space of [0, 1, 2, 10])
        for (const splitDepth of [1, 2, 3, 4])
          for (const pieceChars of [1, 3, 1024, NaN]) {
            const got = Buffer.concat([...jsonPieces(value, { space, splitDepth, pieceChars })]).toString('utf8');
            assert.equal(
              got,
              JSON.stringify(value, null, space),
              `${JSON.stringify(value)}, space ${space}, split depth ${splitDepth}, pieces of ${pieceChars}`,
            );
          }
  });

  it('fails as JSON.stringify fails: a cycle, a BigInt', () => {
    const cyclic: Record<string, unknown> = { a: [1] };
    cyclic.self = { again: cyclic };
    assert.throws(() => [...jsonPieces(cyclic, { space: 2 })], TypeError);
    assert.throws(() => [...jsonPieces({ n: [1n] })], TypeError);
  });
});

/** A pipe's far end that reads slowly: every write is taken a little later, 16 KiB at a time. */
function slowReader(): { stream: Writable; text: () => string; mostWaiting: () => number } {
  const chunks: Buffer[] = [];
  let most = 0;
  const stream = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, done) {
      most = Math.max(most, stream.writableLength);
      chunks.push(chunk);
      setImmediate(done);
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), mostWaiting: () => most };
}

describe('writeJson', () => {
  it('writes JSON.stringify(value, null, 2) and a line break, waiting for a slow reader rather than queueing the whole text', async () => {
    const value = { flagged: true, paths: Array.from({ length: 300_000 }, (_, i) => ({ root: `r${i % 9}`, nodes: [`src.m${i}.f`, 'x → y', `g${i}`] })) };
    const expected = JSON.stringify(value, null, 2) + '\n';
    assert.ok(expected.length > 24 * 1024 * 1024, `${expected.length}`);
    const r = slowReader();
    await writeJson(r.stream, value);
    await new Promise<void>((resolve) => r.stream.end(resolve));
    assert.equal(r.text(), expected);
    // at most 8 MiB and the piece being written wait in this process, never the whole text
    assert.ok(r.mostWaiting() <= 10 * 1024 * 1024, `${r.mostWaiting()} bytes waited at once`);
  });

  it('fails, not hangs, when the reader goes away', async () => {
    const stream = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        setImmediate(() => done(new Error('EPIPE: the reader went away')));
      },
    });
    stream.on('error', () => undefined);
    await assert.rejects(writeJson(stream, { paths: Array.from({ length: 200_000 }, (_, i) => `p${i}`) }), /EPIPE|closed/);
  });

  it('fails, not hangs, on a stream destroyed before it or while it waits, even one that says nothing when destroyed', async () => {
    const value = { paths: Array.from({ length: 200_000 }, (_, i) => `p${i}`) };
    const gone = new Writable({ write: (_c, _e, done) => done() });
    gone.destroy();
    await assert.rejects(writeJson(gone, value), /destroyed/);
    // no close event, no error event: only a write's callback says it was destroyed
    const silent = new Writable({ emitClose: false, highWaterMark: 1024, write: (_c, _e, done) => setTimeout(done, 5) });
    const writing = writeJson(silent, value);
    setTimeout(() => silent.destroy(), 20);
    await assert.rejects(
      within(writing, 5000).then((r) => r ?? Promise.reject(new Error('writeJson hung'))),
      /destroyed/,
    );
  });
});
