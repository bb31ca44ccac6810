import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import { globTest } from '../../src/gate/glob.js';

describe('glob tests', () => {
  it('match what picomatch matches (dot files, braces, negation, extglobs, lists)', () => {
    const globs = [
      '**/.git/**',
      '**/*.d.ts',
      '**/node_modules/**',
      '**/.pnp.*',
      '**/*.min.{js,mjs,cjs}',
      '!src/**',
      'src/!(x).ts',
      'a/**/b',
      '*.ts',
      '[a-c].d',
      'Foo.*',
      '**',
    ];
    const paths = [
      '.git/config',
      'a/.git/x',
      'x.d.ts',
      'src/a.d.ts',
      'node_modules/a/b.js',
      'a/node_modules/b.js',
      '.pnp.cjs',
      'x/.pnp.loader.mjs',
      'a.min.js',
    ];
    paths.push('b/c.min.cjs', 'src/a.ts', 'lib/a.ts', 'src/x.ts', 'a/b', 'a/x/y/b', 'a.ts', '.a.ts', 'b.d', 'Foo.bar', 'Foo.bar.baz', 'README', '');
    let matched = 0;
    for (const g of globs) {
      const want = picomatch(g, { dot: true });
      const got = globTest(g);
      for (const p of paths) {
        assert.equal(got(p), want(p), `${g} on ${JSON.stringify(p)}`);
        if (want(p)) matched++;
      }
    }
    assert.ok(matched > 30);
    const list = globs.slice(0, 5);
    for (const p of paths) assert.equal(globTest(list)(p), picomatch(list, { dot: true })(p), `the list on ${p}`);
  });
});
