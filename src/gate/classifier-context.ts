import { readTextsOf } from './blob-texts.js';
import { callIndexOf } from './call-index.js';
import { changedLineTexts, definitionText } from './signals.js';
import type { CallGraph, ChangedFunction, GateSignals } from './types.js';

/** What the classifier is shown: the changed definitions, one step of callers and callees, and the changed lines of other files. */
export interface ClassifierContext {
  changed: { id: string; file: string; text: string }[];
  callers: { id: string; file: string; calls: string; text: string }[];
  callees: { id: string; file: string; calledBy: string; text: string }[];
  /** Changed lines of files without definitions (configuration, SQL migrations). */
  otherChanges: { file: string; lines: string[] }[];
  signals: GateSignals;
}

const MAX_DEFS = 30;
const MAX_TEXT = 4000;
const MAX_LINES = 200;

const clip = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}\n… (clipped)` : s);

/**
 * Over the head graph and the diff (the texts of the definitions shown are read together, when the
 * graph reads its texts lazily); bounded so one large change cannot make an unbounded request.
 */
export function classifierContext(head: CallGraph, changedFunctions: ChangedFunction[], diffText: string, signals: GateSignals): ClassifierContext {
  const changedHead = changedFunctions.filter((c) => c.revision === 'head' && c.kind !== 'module');
  const changedIds = new Set(changedHead.map((c) => c.id));
  const changed = changedHead.slice(0, MAX_DEFS).map((c) => ({ id: c.id, file: c.file }));
  const callers: Omit<ClassifierContext['callers'][number], 'text'>[] = [];
  for (const [callee, ids] of callIndexOf(head).callersOf(changedIds)) {
    for (const id of ids) {
      const d = head.defs.get(id);
      if (!d || changedIds.has(id) || callers.length >= MAX_DEFS) continue;
      callers.push({ id, file: d.file, calls: callee });
    }
  }
  const callees: Omit<ClassifierContext['callees'][number], 'text'>[] = [];
  for (const c of changedHead) {
    for (const id of callIndexOf(head).calleesOf(c.id)) {
      const d = head.defs.get(id);
      if (!d || changedIds.has(id) || callees.length >= MAX_DEFS || callees.some((x) => x.id === id)) continue;
      callees.push({ id, file: d.file, calledBy: c.id });
    }
  }
  // the files shown, read together: a warm run has read only the changed ones
  const shown = new Set([...changed, ...callers, ...callees].map((x) => x.file));
  readTextsOf([...shown].flatMap((f) => head.files.get(f) ?? []));
  const withText = <T extends { id: string }>(x: T): T & { text: string } => ({ ...x, text: clip(definitionText(head, x.id)) });
  const withDefs = new Set(changedFunctions.map((c) => c.file));
  const otherChanges = changedLineTexts(diffText)
    .filter((f) => f.file && !withDefs.has(f.file))
    .slice(0, MAX_DEFS)
    .map((f) => ({ file: f.file, lines: f.lines.slice(0, MAX_LINES).map((l) => l.slice(0, 500)) }));
  return { changed: changed.map(withText), callers: callers.map(withText), callees: callees.map(withText), otherChanges, signals };
}
