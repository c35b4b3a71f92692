import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { belayPaths } from '../../../core/paths.js';
import { ensureCa, startLeafKeyGeneration } from '../../../core/proxy/ca.js';
import { installEcdsaLeafCertificates } from '../../../core/proxy/leaf-certificates.js';
import { withLoopbackListen } from '../../../core/proxy/loopback.js';
import { getLocal } from '../../../core/proxy/mockttp-lean.js';

// The engine makes the site certificates' key (and imports the CA key) as soon as the CA is
// known, so that it is ready when the proxy's modules are loaded (core/engine.ts). That only
// helps while the proxy's server takes the issuer made then: if it made a key of its own,
// start-up would make two, and this test says so.
describe('leaf-certificate key made ahead of the proxy', () => {
  afterEach(() => vi.restoreAllMocks());

  it("mockttp's server starts with the key begun earlier and makes none of its own", async () => {
    const ca = await ensureCa(belayPaths(mkdtempSync(path.join(os.tmpdir(), 'belay-leaf-key-'))));
    installEcdsaLeafCertificates();
    await startLeafKeyGeneration(ca);
    const generateKey = vi.spyOn(globalThis.crypto.subtle, 'generateKey');
    const server = getLocal({ https: { cert: ca.cert, key: ca.key } });
    await withLoopbackListen(() => server.start(0));
    try {
      expect(generateKey).not.toHaveBeenCalled();
    } finally {
      await server.stop();
    }
  });

  it('a CA that cannot be read is left for the proxy to report', async () => {
    await expect(startLeafKeyGeneration({ cert: 'not a certificate', key: 'not a key' })).resolves.toBeUndefined();
  });
});
