import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { openDatabase } from '../../audit/database.js';
import { formatInventory } from '../../inventory/format.js';
import { Inventory } from '../../inventory/inventory.js';
import { belayPaths } from '../../paths.js';

/** `belay inventory`: the MCP servers and tools each copilot uses, read from the audit database. */
export function register(program: Command): Command {
  const inventory = program
    .command('inventory')
    .description('List the MCP servers each copilot talks to and their tools: calls, pins, changed descriptions.')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const file = belayPaths().database;
      if (!existsSync(file)) {
        process.stdout.write(opts.json ? '[]\n' : `${formatInventory([]).join('\n')}\n`);
        return;
      }
      const db = openDatabase(file);
      try {
        const entries = new Inventory(db).list();
        process.stdout.write(opts.json ? `${JSON.stringify(entries, null, 2)}\n` : `${formatInventory(entries).join('\n')}\n`);
      } finally {
        db.close();
      }
    });

  inventory
    .command('accept <client> <server> <tool>')
    .description("Accept a tool's changed description/schema as its new pin (see `belay inventory` for the names).")
    .action((client: string, server: string, tool: string) => {
      const file = belayPaths().database;
      if (!existsSync(file)) throw new Error(`No Belay database at ${file}: nothing to accept. Start Belay first, or check --data-dir.`);
      const db = openDatabase(file);
      try {
        const inv = new Inventory(db);
        if (inv.approveChange(client, server, tool)) {
          process.stdout.write(`Accepted the current version of ${tool} on ${server} for ${client}.\n`);
        } else if (inv.pinOf(client, server, tool) === undefined) {
          process.stderr.write(`belay: no tool "${tool}" on server "${server}" for client "${client}". Run \`belay inventory\` to see the exact names.\n`);
          process.exitCode = 1;
        } else {
          process.stdout.write(`${tool} on ${server} for ${client} has no pending change: nothing to accept.\n`);
        }
      } finally {
        db.close();
      }
    });
  return inventory;
}
