import type { LogStore } from '../audit/store.js';
import type { VerifyReport } from '../audit/verify.js';
import type { VerifierKey } from '../audit/note.js';
import type { WitnessPolicy } from '../audit/witness/quorum.js';
import type { RunIndex } from './run-index.js';

/** What every page reads: the log (read-only), its in-memory index and the console's options. */
export interface ConsoleContext {
  store: LogStore;
  /** The log's location for display (no password). */
  location: string;
  index: RunIndex;
  /** A git work tree with the reviewed commits: code excerpts and stack-trace blame. */
  repoDir: string | null;
  /** Keys whose checkpoints verify trusts (the console never trusts a key by itself). */
  trustedKeys: VerifierKey[];
  /** Witnesses whose cosignatures verify requires on the newest checkpoint, when given. */
  witnesses: WitnessPolicy | null;
  /** Where `bulwark audit export` wrote the weekly evidence bundles. */
  evidenceDir: string | null;
  version: string;
  /** The newest verify result, and a verify in progress. */
  verify: { last: { at: string; report: VerifyReport } | null; running: Promise<void> | null; error: string | null };
}
