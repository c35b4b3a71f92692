import type { Command } from 'commander';
import { UsageError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('mcp-wrap')
    .description('Run a stdio MCP server through Belay\'s guard (what `belay clients protect` writes into client configs).')
    .requiredOption('--server <name>', 'the server\'s name in the client config (shown in prompts and the audit log)')
    .option('--client <id>', 'the copilot that runs it: claude-desktop, claude-code, cursor, vscode, windsurf', 'unknown')
    .argument('<command>', 'the real server command (put `--` before it)')
    .argument('[args...]', 'its arguments')
    .usage('--server NAME [--client CLIENT] -- COMMAND [ARGS...]')
    .action(async (command: string, args: string[], opts: { server: string; client: string }) => {
      if (!opts.server.trim()) throw new UsageError('--server needs a name.');
      const { runMcpWrap } = await import('../../stdio/run.js');
      const code = await runMcpWrap({ server: opts.server, client: opts.client, command, args });
      // stdin stays open until the copilot closes it; the server is gone, so we are done.
      process.exit(code);
    });
}
