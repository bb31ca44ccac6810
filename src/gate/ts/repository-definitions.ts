import { VIRTUAL_ROOT } from './compiler.js';
import type { InvokedParams } from './invoked-params.js';
import type { TsFileFacts } from './model.js';
import type { Definition, DefinitionKind } from '../types.js';

/** Every definition of the repository, from the files' syntax facts (the first of an id wins). */
export interface RepositoryDefinitions {
  defs: Definition[];
  idKinds: Map<string, DefinitionKind>;
  /** Functions and methods by their last name segment. */
  byShortName: Map<string, string[]>;
  /** Only names some repository definition (or a property holding a function) carries can resolve to one: the checker is skipped for the rest. */
  knownNames: Set<string>;
  /** The parameters functions with a body an outline may blank invoke (see invoked-params.ts). */
  invokes: Map<string, InvokedParams>;
  /** Files that could not be analysed, in file order. */
  unparsable: { file: string; reason: string }[];
}

export function collectDefinitions(all: readonly string[], facts: Map<string, TsFileFacts>): RepositoryDefinitions {
  const defs: Definition[] = [];
  const idKinds = new Map<string, DefinitionKind>();
  const byShortName = new Map<string, string[]>();
  const unparsable: { file: string; reason: string }[] = [];
  const invokes = new Map<string, InvokedParams>();
  for (const f of all) {
    const fact = facts.get(f)!;
    if (fact.error) {
      unparsable.push({ file: f.slice(VIRTUAL_ROOT.length), reason: fact.error });
      continue;
    }
    for (const [id, params, rest] of fact.invokes) if (!invokes.has(id)) invokes.set(id, { params: new Set(params), rest });
    const file = f.slice(VIRTUAL_ROOT.length);
    // indexed, not destructured: no iterator per definition (a warm run of a large repository goes over every one)
    for (const def of fact.defs) {
      const id = def[0];
      const kind = def[1];
      const startLine = def[2];
      const endLine = def[3];
      const had = idKinds.get(id);
      // a function or method wins an id over a data binding of the same name, whichever comes
      // first (`static charge;` in the class, `Billing.charge = function …` after it)
      if (had !== undefined && !(had === 'binding' && (kind === 'function' || kind === 'method'))) continue;
      idKinds.set(id, kind);
      if (had !== undefined) {
        const at = defs.findIndex((d) => d.id === id);
        defs.splice(at, 1);
      }
      defs.push({ id, kind, file, startLine, endLine });
      if (kind === 'function' || kind === 'method') {
        const short = id.slice(id.lastIndexOf('.') + 1);
        let l = byShortName.get(short);
        if (!l) byShortName.set(short, (l = []));
        l.push(id);
      }
    }
  }
  const knownNames = new Set<string>();
  for (const id of idKinds.keys()) knownNames.add(id.slice(id.lastIndexOf('.') + 1));
  for (const f of all) for (const n of facts.get(f)!.props) knownNames.add(n);
  return { defs, idKinds, byShortName, knownNames, invokes, unparsable };
}

/** Whether an id names a function or method (what calls resolve to). */
export const isCallable = (idKinds: Map<string, DefinitionKind>, id: string): boolean => idKinds.get(id) === 'function' || idKinds.get(id) === 'method';
