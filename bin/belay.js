#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
// The `belay` command. The TypeScript sources are compiled to dist/ by `npm install`
// (the prepare script) or `npm run build`.
// The first line caps V8's young generation at 4 MB per semi-space (16 MB by default):
// about 20 MB less RSS for `belay serve` after start and 30 MB under load, for about 2 %
// more time in young-generation GC (8 MB: 10 MB more at the peak, which sat at the goal).
// MALLOC_ARENA_MAX=2 keeps glibc from giving each of Node's threads its own malloc arena
// (about 5 MB less under load; other C libraries ignore it). See bench/RESULTS.md,
// Findings, item 7. Both are read only at start, hence the shebang (`env -S`; npm's
// Windows shims read it too); `npm start` and `npm run serve` read them from this line
// (scripts/belay-launch.js). `node bin/belay.js` runs without them.
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
