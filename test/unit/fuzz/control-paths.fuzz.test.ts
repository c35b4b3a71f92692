import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../core/control/http-util.js';
import { resolveStatic } from '../../../core/control/static-files.js';

// The dashboard's static files are served by the control API: no URL path may resolve
// outside the dashboard folder, however it is encoded (test/integration/control/api.test.ts
// checks three by hand; this tries thousands).
describe('control API static paths', () => {
  const root = path.resolve('/opt/belay/dist/renderer');
  const piece = fc.constantFrom('..', '.', '/', '\\', '%2e', '%2E', '%2f', '%2F', '%5c', '%252e', '%00', '\u0000', 'etc', 'passwd', 'control.json', '~', '%c0%ae', '..%2f', '%2e%2e%2f', '....//', 'index.html', 'assets', ':', 'C:', '//');
  it('any path resolves inside the dashboard folder or is refused with 400/404', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 6 })), { maxLength: 16 }), (parts) => {
        const urlPath = `/${parts.join('')}`;
        try {
          const full = resolveStatic(root, urlPath);
          expect(full === root || full.startsWith(root + path.sep), `${urlPath} -> ${full}`).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(HttpError);
          expect([400, 404]).toContain((err as HttpError).status);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
