import { createRequire } from 'node:module';

/**
 * `require` as seen from mockttp's own entry point: its internal modules ('./rules/...')
 * and its own copies of its dependencies (http2-wrapper, @peculiar/x509), the very
 * instances mockttp uses, which is what Belay's adjustments to mockttp need to reach.
 */
export const requireFromMockttp = createRequire(createRequire(import.meta.url).resolve('mockttp'));
