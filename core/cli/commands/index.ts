import type { Command } from 'commander';

/**
 * The explicit, ordered list of command groups. Each module registers its own
 * subcommands; add a line here when you add a group.
 */
export function registerCommands(program: Command): void {
  void program;
}
