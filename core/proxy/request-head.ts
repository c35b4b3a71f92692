import type * as mockttp from 'mockttp';
import type { RequestHead } from './analyzer.js';

/** The parts of a request URL the proxy reads, parsed once per distinct URL. */
export interface UrlParts {
  protocol: string;
  host: string;
  /** The explicit port, if the URL names one. */
  port?: number;
  path: string;
}

/**
 * Route matching, flow tracking, analysis and the broker each read a request's URL, and
 * copilots send the same few URLs over and over: parsing each once (a WHATWG URL parse
 * costs more than the rest of a route match) is kept in a small map, emptied when full.
 * It lives in memory only, as the URLs themselves already do.
 */
const parsed = new Map<string, UrlParts>();
const MAX_PARSED = 512;

export function urlParts(url: string): UrlParts {
  let parts = parsed.get(url);
  if (!parts) {
    const u = new URL(url);
    parts = { protocol: u.protocol, host: u.hostname, port: u.port ? Number(u.port) : undefined, path: `${u.pathname}${u.search}` };
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(url, parts);
  }
  return parts;
}

/**
 * The request line and headers of a mockttp request in the shape protocol analysis, the
 * broker and the route matchers read. One place, so every part of the proxy sees the same
 * host, port and path for a request.
 */
export function requestHead(req: Pick<mockttp.Request, 'method' | 'url' | 'headers'>): Omit<RequestHead, 'client' | 'id'> {
  const { host, port, path } = urlParts(req.url);
  return { method: req.method, url: req.url, host, port, path, headers: req.headers };
}
