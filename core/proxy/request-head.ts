import type * as mockttp from 'mockttp';
import type { RequestHead } from './analyzer.js';

/**
 * The request line and headers of a mockttp request in the shape protocol analysis, the
 * broker and the route matchers read. One place, so every part of the proxy sees the same
 * host, port and path for a request.
 */
export function requestHead(req: Pick<mockttp.Request, 'method' | 'url' | 'headers'>): Omit<RequestHead, 'client' | 'id'> {
  const url = new URL(req.url);
  return {
    method: req.method,
    url: req.url,
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: `${url.pathname}${url.search}`,
    headers: req.headers,
  };
}
