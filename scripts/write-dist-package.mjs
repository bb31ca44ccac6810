#!/usr/bin/env node
// Writes dist/package.json declaring the compiled files ES modules. Sandboxed workers may read
// dist/ but not the package root, so without this file Node cannot see the root package.json's
// "type": "module" and falls back to compiling every file as CommonJS first (measurably slower
// worker start, see docs/sandbox.md and docs/performance.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
mkdirSync(dist, { recursive: true });
writeFileSync(path.join(dist, 'package.json'), JSON.stringify({ type: 'module', private: true }, null, 2) + '\n');
