// ESLint flat config. Type-aware rules run on the TypeScript sources (tsconfig.json's program);
// plain JavaScript (scripts/, bin/, this file) gets the untyped recommended rules.
// Formatting belongs to Prettier: eslint-config-prettier switches off every rule it would fight.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'build/', 'node_modules/', 'examples/payments-demo/repo/', 'test/gate/suites/'],
  },
  js.configs.recommended,
  {
    rules: {
      // a `let` read by a closure before its one assignment (a deny() helper that reports the path
      // parsed later, two peers wired to each other) cannot be a const
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits; every other promise must be handled
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Off: an `async` function without `await` is how a synchronous implementation of a
      // Promise-returning interface (the SQLite audit store, test fakes) turns a throw into a
      // rejection; dropping `async` to satisfy the rule would change that behaviour.
      '@typescript-eslint/require-await': 'off',
      // forwarding a caught error (typed unknown) as a rejection is the intent, not a bug
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  prettier,
);
