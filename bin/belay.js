#!/usr/bin/env -S node --max-semi-space-size=8
// The `belay` command. The TypeScript sources are compiled to dist/ by `npm install`
// (the prepare script) or `npm run build`.
// The flag on the first line caps V8's young generation at 8 MB per semi-space (16 MB by
// default): about 10 MB less RSS for `belay serve` after start and 20 MB under load, for
// about 1 % more time in young-generation GC (bench/RESULTS.md, Findings, item 7; 4 MB
// saves a few MB more but doubles the collections). V8 reads it only at start, hence the
// shebang (`env -S`; npm's Windows shims read it too). `node bin/belay.js` runs without it.
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
