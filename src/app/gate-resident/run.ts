import type { GateResult } from '../../gate/types.js';
import { finishGate, type PreparedGate } from '../gate-finish.js';
import type { GateFlags } from '../gate.js';
import { prepareGateResident } from './client.js';

/**
 * `bulwark gate --resident`: the deterministic layers from the repository's resident gate, the
 * classifier and the log in this process. When no resident gate can answer, this process
 * evaluates, as without --resident, and says why on stderr: the decision is the same either way.
 */
export async function runGateResident(flags: GateFlags, idleMs: number, warn: (line: string) => void): Promise<GateResult> {
  const outcome = await prepareGateResident(flags, { idleMs });
  let prepared: PreparedGate;
  if ('prepared' in outcome) prepared = outcome.prepared;
  else {
    warn(`no resident gate: ${outcome.fallback}; evaluating in this process`);
    prepared = await (await import('../gate.js')).prepareGate(flags);
  }
  return finishGate(flags, prepared);
}
