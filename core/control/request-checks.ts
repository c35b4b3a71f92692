import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-util.js';

/**
 * The checks every request passes before it reaches a route. Order matters: Host and
 * Origin first, so a DNS-rebinding or cross-site page learns nothing (not even whether
 * its token guess was right).
 */

/** DNS rebinding: a hostile page whose name now points at 127.0.0.1 still sends its own name as Host. */
export function checkHost(req: IncomingMessage, port: number): void {
  const host = (req.headers.host ?? '').toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    throw new HttpError(403, `Refused: Host "${host}" is not this Belay (use http://127.0.0.1:${port}).`);
  }
}

/** Cross-site calls: browsers send Origin (and Sec-Fetch-Site) on cross-origin requests; only our own page may call. */
export function checkOrigin(req: IncomingMessage, port: number): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
    throw new HttpError(403, `Refused: requests from origin "${origin}" are not allowed.`);
  }
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw new HttpError(403, 'Refused: cross-site request.');
  }
}

/** Bearer token, compared in constant time. */
export function checkToken(req: IncomingMessage, token: string): void {
  const auth = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(auth);
  if (!m) throw new HttpError(401, 'Missing control token: send "Authorization: Bearer <token>" (the token is in control.json in the Belay data folder).');
  const given = Buffer.from(m[1]);
  const want = Buffer.from(token);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new HttpError(401, 'Wrong control token: Belay may have restarted; read the new one from control.json.');
  }
}

/**
 * CSRF: an HTML form can only post urlencoded, multipart or text/plain bodies without a
 * CORS preflight, so every write must say it is JSON.
 */
export function checkJsonContentType(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, `Writes must send Content-Type: application/json (got "${type || 'none'}").`);
  }
}
