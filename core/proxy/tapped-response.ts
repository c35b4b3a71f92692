import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ClientResponse } from './tool-use-gate.js';

export interface ResponseTap {
  head(status: number, headers: Record<string, string | string[] | undefined>): void;
  data(chunk: Uint8Array): void;
}

/**
 * The client's response on Belay's fast lane, seen as it is written: what mockttp's
 * response events report on its own path (the head, then each chunk), reported here at
 * the moment it is written instead, so the flow observes exactly what the client gets.
 */
export class TappedResponse implements ClientResponse {
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
    this.seen(chunk);
    return this.res.write(chunk);
  }

  end(chunk?: string | Uint8Array): this {
    if (chunk !== undefined) this.seen(chunk);
    this.res.end(chunk);
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

  private seen(chunk: string | Uint8Array): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.byteLength) this.tap.data(bytes);
  }
}

function lowerCased(headers: OutgoingHttpHeaders | undefined): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value === undefined ? undefined : Array.isArray(value) ? value : String(value);
  return out;
}
