import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { UsageError, exitCodes } from './errors.js';

/**
 * The `belay` command line. Thin: each command group lives in commands/<name>.ts and
 * calls core services or the running Belay's control API.
 */
export function buildProgram(): Command {
  const program = new Command('belay')
    .description('Belay guards your AI dev copilots: a local proxy, an MCP relay, approvals and an audit log.')
    .option('--data-dir <dir>', 'data folder (default: $BELAY_HOME or the OS app-data folder)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureHelp({ sortSubcommands: true });

  // --data-dir works before or after the subcommand and wins over BELAY_HOME for this run.
  program.hook('preAction', (_root, action) => {
    const dir = action.optsWithGlobals().dataDir as string | undefined;
    if (dir) process.env.BELAY_HOME = path.resolve(dir);
  });

  registerCommands(program);
  for (const cmd of allCommands(program)) cmd.exitOverride();
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are not errors; every other commander error is a usage error.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return exitCodes.usage;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`belay: ${err.message}\n`);
    return exitCodes.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`belay: ${message}\n`);
  if (process.env.BELAY_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return exitCodes.failure;
}
