#!/usr/bin/env node
// The `belay` command. The TypeScript sources are compiled to dist/ by `npm install`
// (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/core/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('belay: not built yet. Run `npm run build` (or `npm install`) in the Belay folder first.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv);
// Commands that keep servers open (serve, mcp-wrap) exit on their own; the rest end here.
if (code !== undefined && code !== null) process.exitCode = code;
