/**
 * The dashboard URL with the token in the fragment: a fragment is never sent to the
 * server, so the token stays out of request lines, proxies' logs and Referer headers;
 * the page moves it to sessionStorage and strips it from the address bar.
 */
export function dashboardUrl(control: { url: string; token: string }): string {
  return `${control.url}/#token=${encodeURIComponent(control.token)}`;
}
