import { createReadStream, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { HttpError } from './http-util.js';

/**
 * Serves the built dashboard (dist/renderer). The page holds no data: everything comes
 * from /api with the token, so the files themselves need no token. The CSP allows only
 * our own scripts, styles and API (no inline script, no eval, no framing).
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const pageSecurityHeaders: Record<string, string> = {
  'Content-Security-Policy': PAGE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** Resolves a URL path inside root; refuses anything that would leave it. */
export function resolveStatic(root: string, urlPath: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    throw new HttpError(400, 'Bad URL encoding.');
  }
  if (decoded.includes('\0')) throw new HttpError(400, 'Bad path.');
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = path.resolve(root, rel);
  const base = path.resolve(root);
  if (full !== base && !full.startsWith(base + path.sep)) throw new HttpError(404, 'Not found.');
  return full;
}

export function serveStatic(root: string | undefined, urlPath: string, res: ServerResponse, headOnly: boolean): void {
  if (!root) {
    res.writeHead(404, { ...pageSecurityHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('The dashboard is not built: run `npm run build`. The API is at /api.\n');
    return;
  }
  let file = resolveStatic(root, urlPath);
  let st = statSafe(file);
  // Unknown paths without an extension are dashboard routes: serve the app.
  if (!st && path.extname(file) === '') {
    file = path.join(root, 'index.html');
    st = statSafe(file);
  }
  if (!st || !st.isFile()) throw new HttpError(404, 'Not found.');
  const ext = path.extname(file).toLowerCase();
  res.writeHead(200, {
    ...pageSecurityHeaders,
    'Content-Type': types[ext] ?? 'application/octet-stream',
    'Content-Length': st.size,
    // Built assets have content hashes in their names; the html must always be fresh.
    'Cache-Control': ext === '.html' ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  if (headOnly) {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', (err) => res.destroy(err))
    .pipe(res);
}

function statSafe(file: string) {
  try {
    return statSync(file);
  } catch {
    // Missing file: the caller answers 404.
    return undefined;
  }
}
