// Runs the belay CLI from the TypeScript sources in a real process (stdin, env, exit code), for the siem CLI tests.
import { main } from '../../core/cli/main.js';

process.exitCode = await main(process.argv);
