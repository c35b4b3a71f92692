/**
 * Splits a byte stream into newline-delimited lines (stdio MCP framing) without copying
 * more than needed: a chunk holding whole lines is sliced in place, and only a line that
 * spans chunks is concatenated. A line is kept whole however long it is, because a
 * message must be read whole to be judged (a 10 MB tool result is one line).
 */
export class LineSplitter {
  private parts: Buffer[] = [];

  /** Returns the complete lines in `chunk` (without their '\n'), keeping any tail for later. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    let nl = chunk.indexOf(10);
    while (nl !== -1) {
      const piece = chunk.subarray(start, nl);
      if (this.parts.length) {
        this.parts.push(piece);
        lines.push(Buffer.concat(this.parts));
        this.parts = [];
      } else {
        lines.push(piece);
      }
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this.parts.push(chunk.subarray(start));
    return lines;
  }

  /** What is left after the stream ended without a final newline. */
  flush(): Buffer | undefined {
    if (!this.parts.length) return undefined;
    const rest = Buffer.concat(this.parts);
    this.parts = [];
    return rest;
  }
}
