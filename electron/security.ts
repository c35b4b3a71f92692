import type { BrowserWindowConstructorOptions, Session, WebContents, WebPreferences } from 'electron';

/**
 * Window and web-contents hardening, in one place so every window gets the same rules:
 * sandboxed, isolated renderers with no Node; navigation only within Belay's own
 * origin; no new windows; links out only to allow-listed http(s) sites; no permissions.
 */

/** The only webPreferences Belay windows use. */
export function secureWebPreferences(preload?: string): WebPreferences {
  return {
    ...(preload ? { preload } : {}),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

export function windowOptions(opts: Omit<BrowserWindowConstructorOptions, 'webPreferences'>, preload?: string): BrowserWindowConstructorOptions {
  return { ...opts, webPreferences: secureWebPreferences(preload) };
}

/** Hosts a Belay window may send the user to in their browser. */
export const EXTERNAL_ALLOW_LIST = ['github.com', 'docs.anthropic.com', 'code.visualstudio.com', 'cursor.com', 'docs.cursor.com', 'modelcontextprotocol.io'];

/** http(s) only, no credentials in the URL, host on the allow-list (or a subdomain of one). */
export function isAllowedExternal(raw: string, allow: readonly string[] = EXTERNAL_ALLOW_LIST): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.username || url.password) return false;
  const host = url.hostname.toLowerCase();
  return allow.some((a) => host === a || host.endsWith(`.${a}`));
}

/** True when `raw` is a page of Belay's own control server (same origin). */
export function isOwnOrigin(raw: string, controlUrl: string): boolean {
  try {
    return new URL(raw).origin === new URL(controlUrl).origin;
  } catch {
    return false;
  }
}

/**
 * Applied to every web contents Electron creates: blocks navigation away from Belay,
 * refuses new windows (allow-listed links open in the user's browser instead), refuses
 * webviews.
 */
export function hardenWebContents(contents: WebContents, controlUrl: () => string | undefined, openExternal: (url: string) => void): void {
  const guardNavigation = (event: { preventDefault(): void }, url: string) => {
    const own = controlUrl();
    if (own && isOwnOrigin(url, own)) return;
    event.preventDefault();
    if (isAllowedExternal(url)) openExternal(url);
  };
  contents.on('will-navigate', guardNavigation);
  contents.on('will-redirect', guardNavigation);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** No camera, microphone, notifications-from-pages, geolocation…: the dashboard needs none. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
