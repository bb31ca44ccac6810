#!/usr/bin/env node
// Thin shim: the CLI is compiled to dist/ by `npm ci` (prepare script).
import { endProcess, main } from '../dist/src/cli/main.js';
main(process.argv).then(endProcess);
