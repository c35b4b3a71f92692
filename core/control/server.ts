import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BelayPaths } from '../paths.js';
import { newToken, removeControlFile, writeControlFile } from './control-file.js';
import { HttpError, sendError } from './http-util.js';
import { LiveHub, type LiveHubOptions } from './live-hub.js';
import { checkHost, checkOrigin, checkToken } from './request-checks.js';
import { handleApi } from './routes.js';
import type { ControlServices } from './services.js';
import { pageSecurityHeaders, serveStatic } from './static-files.js';
import { buildStatus } from './status.js';

export { dashboardUrl } from './urls.js';

export interface ControlServerOptions {
  paths: BelayPaths;
  /** 0 or absent: any free port. */
  port?: number;
  /** Built dashboard folder (dist/renderer); absent: the API only. */
  staticDir?: string;
  live?: LiveHubOptions;
  /** Where unexpected errors go (a route error the client sees is also logged here). */
  log?: (message: string) => void;
}

export interface ControlServer {
  /** Base URL without the token, e.g. http://127.0.0.1:43117 */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * Starts the control API on 127.0.0.1 with a fresh token and writes control.json
 * (port, token, pid; mode 0600). Every request passes Host and Origin checks; /api
 * also needs the bearer token. See shared/api.ts for the routes.
 */
export async function startControlServer(services: ControlServices, opts: ControlServerOptions): Promise<ControlServer> {
  const token = newToken();
  const log = opts.log ?? ((m: string) => process.stderr.write(`belay control: ${m}\n`));
  let port = 0;
  let controlUrl = '';
  const hub = new LiveHub(services, () => buildStatus(services, controlUrl), { onError: (e) => log(String(e)), ...opts.live });

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (err instanceof HttpError) {
        sendError(res, err.status, err.message);
        return;
      }
      log(`${req.method} ${req.url?.split('?')[0]} failed: ${(err as Error)?.stack ?? String(err)}`);
      sendError(res, 500, `Belay could not answer: ${(err as Error)?.message ?? String(err)}`);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    checkHost(req, port);
    checkOrigin(req, port);
    const url = new URL(req.url ?? '/', controlUrl);
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      checkToken(req, token);
      const handled = await handleApi({ services, hub, controlUrl }, req, res, url);
      if (!handled) throw new HttpError(404, `No API route ${req.method} ${url.pathname}.`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      throw new HttpError(405, 'Only GET and HEAD are allowed outside /api.');
    }
    for (const [k, v] of Object.entries(pageSecurityHeaders)) res.setHeader(k, v);
    serveStatic(opts.staticDir, url.pathname, res, req.method === 'HEAD');
  }

  // Slow or idle connections must not pile up; the SSE stream and the long-poll ask
  // are server-driven so they are exempt from the request timeout (requestTimeout only
  // covers receiving the request).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxHeadersCount = 100;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  controlUrl = `http://127.0.0.1:${port}`;
  writeControlFile(opts.paths.control, { port, token, pid: process.pid, url: controlUrl, startedAt: new Date().toISOString() });

  let closed: Promise<void> | undefined;
  return {
    url: controlUrl,
    port,
    token,
    close() {
      closed ??= new Promise<void>((resolve) => {
        removeControlFile(opts.paths.control, token);
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
