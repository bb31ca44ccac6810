import type { CommandModule } from './command-module.js';
// One import per subsystem; each owns its file under ./commands/.

export const commandModules: CommandModule[] = [
];
