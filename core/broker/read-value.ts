import readline from 'node:readline';

/**
 * Reads a key value without it ever being a command-line argument: from the named
 * environment variable, else from stdin (piped: everything up to EOF; a terminal: one
 * line, not echoed).
 */
export async function readKeyValue(opts: { fromEnv?: string; stdin?: NodeJS.ReadStream; stderr?: NodeJS.WriteStream; env?: NodeJS.ProcessEnv }): Promise<string> {
  const env = opts.env ?? process.env;
  if (opts.fromEnv) {
    const v = env[opts.fromEnv];
    if (v === undefined || v === '') throw new Error(`The environment variable ${opts.fromEnv} is not set or empty.`);
    return v.trim();
  }
  const stdin = opts.stdin ?? process.stdin;
  if (stdin.isTTY) return promptHidden(stdin, opts.stderr ?? process.stderr);
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}

function promptHidden(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write('Paste the key and press Enter (it is not shown): ');
    const rl = readline.createInterface({ input, output, terminal: true });
    // Swallow readline's echo of what is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
    rl.once('line', (line) => {
      rl.close();
      output.write('\n');
      resolve(line.trim());
    });
    rl.once('SIGINT', () => {
      rl.close();
      reject(new Error('Cancelled.'));
    });
  });
}
