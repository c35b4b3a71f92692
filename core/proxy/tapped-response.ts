import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ClientResponse } from './tool-use-gate.js';

export interface ResponseTap {
  head(status: number, headers: Record<string, string | string[] | undefined>): void;
  data(chunk: Uint8Array): void;
}

/**
 * The client's response on Belay's fast lane, seen as it is written: what mockttp's
 * response events report on its own path (the head, then each chunk), reported here for
 * exactly the bytes written, so the flow observes what the client gets.
 *
 * Chunks are reported once they are on their way, in a later turn of the event loop, not
 * in the call that writes them. The flow's observer parses each one (an SSE event of an LLM
 * answer: about 130 µs on a slow machine, its code cold between events 10 ms apart), and
 * Node's response only hands a written chunk to the socket after the current call returns
 * (it corks the socket until the next tick): a parse in that call delayed every event by
 * its own length (bench/RESULTS.md, item 23). Nothing the observer finds can hold bytes
 * back (the tool-use gate holds before it writes). `settle()` reports what is still
 * pending, so the flow's end has seen every chunk.
 */
export class TappedResponse implements ClientResponse {
  private unreported: Uint8Array[] = [];
  private reportScheduled = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly tap: ResponseTap,
  ) {}

  get headersSent(): boolean {
    return this.res.headersSent;
  }
  get writableEnded(): boolean {
    return this.res.writableEnded;
  }
  get destroyed(): boolean {
    return this.res.destroyed;
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    this.res.writeHead(status, headers);
    this.tap.head(status, lowerCased(headers));
    return this; // chained as `writeHead(...).end(...)`, which must land here too
  }

  write(chunk: string | Uint8Array): boolean {
    const accepted = this.res.write(chunk);
    this.reportLater(chunk);
    return accepted;
  }

  end(chunk?: string | Uint8Array): this {
    this.res.end(chunk);
    if (chunk !== undefined) this.reportLater(chunk);
    return this;
  }

  destroy(error?: Error): this {
    this.res.destroy(error);
    return this;
  }

  on(event: 'close', listener: () => void): this {
    this.res.on(event, listener);
    return this;
  }

  once(event: 'close', listener: () => void): this {
    this.res.once(event, listener);
    return this;
  }

  /** Reports every chunk written and not reported yet, in order. */
  settle(): void {
    const chunks = this.unreported;
    this.unreported = [];
    for (const chunk of chunks) this.tap.data(chunk);
  }

  private reportLater(chunk: string | Uint8Array): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.byteLength === 0) return;
    this.unreported.push(bytes);
    if (this.reportScheduled) return;
    this.reportScheduled = true;
    // setImmediate: after this turn's ticks, where the corked chunk reaches the socket.
    setImmediate(() => {
      this.reportScheduled = false;
      this.settle();
    });
  }
}

function lowerCased(headers: OutgoingHttpHeaders | undefined): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value === undefined ? undefined : Array.isArray(value) ? value : String(value);
  return out;
}
