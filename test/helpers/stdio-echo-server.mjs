// A minimal stdio JSON-RPC server for framing tests: answers each tools/call with the
// length of its arguments and, for {"echo": n}, a text of n bytes. Reads lines in linear
// time (the SDK's ReadBuffer re-concatenates per chunk, which makes 10 MB lines crawl).
let parts = [];
process.stdin.on('data', (chunk) => {
  let start = 0;
  let nl;
  while ((nl = chunk.indexOf(10, start)) !== -1) {
    parts.push(chunk.subarray(start, nl));
    const line = Buffer.concat(parts).toString('utf8');
    parts = [];
    start = nl + 1;
    const msg = JSON.parse(line);
    if (msg.id === undefined) continue;
    const args = msg.params?.arguments ?? {};
    const text = args.echo ? 'y'.repeat(args.echo) : `received ${JSON.stringify(args).length} bytes`;
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text }], isError: false } }) + '\n');
  }
  if (start < chunk.length) parts.push(chunk.subarray(start));
});
