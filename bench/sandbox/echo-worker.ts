// The benchmark's worker: answers `ping` over the fd-3 channel with the CPU time this process has
// used so far (user + system, ms; it includes the launcher's work before execve) and when this Node
// process started (performance.timeOrigin, epoch ms) and answered (ms after that), so the bench can
// split the start time into "before Node runs" and "inside Node"; then exits when the parent closes
// the channel.
import { z } from 'zod';
import { connectToParent } from '../../src/worker/channel.js';

connectToParent().handle('ping', z.unknown(), () => {
  const u = process.cpuUsage();
  return { pong: true, cpuMs: (u.user + u.system) / 1000, origin: performance.timeOrigin, readyMs: performance.now() };
});
