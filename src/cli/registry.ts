import type { CommandModule } from './command-module.js';
// One import per subsystem; each owns its file under ./commands/.
import * as auditCommands from './commands/audit.js';
import * as evidenceCommands from './commands/evidence.js';
import * as gateCommands from './commands/gate.js';
import * as reviewCommands from './commands/review.js';
import * as pipelineCommands from './commands/run.js';
import * as sandboxCommands from './commands/sandbox.js';

export const commandModules: CommandModule[] = [
  auditCommands,
  gateCommands,
  reviewCommands,
  pipelineCommands,
  evidenceCommands,
  sandboxCommands,
];
