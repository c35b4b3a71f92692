/** A link that opens an event on the dashboard's review page. Never carries the API token. */
export function dashboardEventLink(controlUrl: string): (eventId: string) => string {
  const base = controlUrl.replace(/\/+$/, '');
  return (id) => `${base}/#tab=review&event=${encodeURIComponent(id)}`;
}
