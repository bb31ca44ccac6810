import { createRequire } from 'node:module';
import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { ParseFailure, firstErrorLine } from './parse-failure.js';

/** Languages parsed with tree-sitter (TypeScript/JavaScript use the TypeScript compiler instead). */
export type TreeSitterLanguage = 'python' | 'go' | 'java';

const require = createRequire(import.meta.url);
const grammarPackage: Record<TreeSitterLanguage, string> = {
  python: 'tree-sitter-python',
  go: 'tree-sitter-go',
  java: 'tree-sitter-java',
};

let initialized: Promise<void> | undefined;
const parsers = new Map<TreeSitterLanguage, Promise<Parser>>();

/** One parser per language, created lazily; the .wasm grammars ship inside the grammar packages. */
export function parserFor(language: TreeSitterLanguage): Promise<Parser> {
  let p = parsers.get(language);
  if (!p) {
    p = (async () => {
      initialized ??= Parser.init();
      await initialized;
      const pkg = grammarPackage[language];
      const wasm = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), `${pkg}.wasm`);
      const lang = await Language.load(wasm);
      const parser = new Parser();
      parser.setLanguage(lang);
      return parser;
    })();
    parsers.set(language, p);
  }
  return p;
}

/**
 * Parses `text` and hands the syntax tree's root to `read`, freeing the tree afterwards (it lives in
 * wasm memory). A file that does not parse cleanly is a ParseFailure: the gate fails closed on it.
 */
export async function withSyntaxTree<T>(language: TreeSitterLanguage, text: string, read: (root: Node) => T): Promise<T> {
  const parser = await parserFor(language);
  const tree = parser.parse(text);
  if (!tree) throw new ParseFailure('tree-sitter returned no tree');
  try {
    const root = tree.rootNode;
    if (root.hasError) throw new ParseFailure(`syntax error near line ${firstErrorLine(root)}`);
    return read(root);
  } finally {
    tree.delete();
  }
}
