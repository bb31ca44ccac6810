// required, not imported: importing the 9 MB CommonJS compiler as an ES module makes Node scan it
// for named exports first (about 0.3 s of every run that needs TypeScript)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');

/** Where the in-memory copy of the repository lives for the compiler (never a real directory). */
export const VIRTUAL_ROOT = '/__bulwark_repo__/';

export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowJs: true,
  checkJs: false,
  jsx: ts.JsxEmit.Preserve,
  noEmit: true,
  skipLibCheck: true,
  types: [],
  noResolve: false,
  allowImportingTsExtensions: true,
  resolveJsonModule: false,
  // the ES library only: DOM/webworker declarations are large and never resolve to repository code
  lib: ['lib.es2022.d.ts'],
  // the library files are TypeScript's own: by default each of the ~60 references between them is
  // first looked up as an `@typescript/lib-*` package in node_modules directories
  libReplacement: false,
};
