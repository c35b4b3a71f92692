import type { Command } from 'commander';
import { connectControl } from '../../control/client.js';
import { PauseSwitch } from '../../pipeline/pause.js';
import { parsePositiveInt } from '../parse.js';

/**
 * `belay pause` / `belay resume`: the kill switch. Written to the data folder directly, so
 * it works whether or not Belay is running, and every mcp-wrap relay sees it at once;
 * a running Belay is told too so its tray and dashboard update.
 */
export function register(program: Command): void {
  program
    .command('pause')
    .description('Refuse all LLM and MCP traffic until `belay resume` (plain web traffic keeps flowing).')
    .option('--minutes <n>', 'resume by itself after this many minutes', parsePositiveInt)
    .action(async (opts: { minutes?: number }) => {
      const state = new PauseSwitch().pause({ by: 'cli', minutes: opts.minutes });
      await tellRunning((c) => c.pause(opts.minutes));
      process.stdout.write(state.until ? `Belay is paused until ${new Date(state.until).toLocaleString()}: LLM and MCP traffic is refused.\n` : 'Belay is paused: LLM and MCP traffic is refused until `belay resume`.\n');
    });

  program
    .command('resume')
    .description('End a pause: traffic is judged by policy again.')
    .action(async () => {
      const was = new PauseSwitch().resume();
      await tellRunning((c) => c.resume());
      process.stdout.write(was ? 'Belay resumed: traffic is judged by policy again.\n' : 'Belay was not paused.\n');
    });
}

async function tellRunning(fn: (c: NonNullable<Awaited<ReturnType<typeof connectControl>>>) => Promise<unknown>): Promise<void> {
  const client = await connectControl();
  if (!client) return;
  try {
    await fn(client);
  } catch (err) {
    // The file is the source of truth and is already written; the running Belay will see it.
    process.stderr.write(`belay: the running Belay did not acknowledge (${(err as Error).message}); the switch is set anyway.\n`);
  }
}
