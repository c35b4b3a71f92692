/**
 * The parts of mockttp Belay runs, imported from their own modules rather than from
 * mockttp's main entry. The entry also loads mockttp's admin server and remote client
 * (GraphQL, its schema tools, a WebSocket stream layer), which Belay never runs: about a
 * third of mockttp's load time, 200 ms and more of Belay's start-up on a slow machine
 * (bench/RESULTS.md, Findings, item 13). `getLocal` is what the entry's own `getLocal` does.
 * Types still come from 'mockttp' (type-only imports load nothing). The CA's certificate
 * functions are imported by ca.ts from their own module, which loads without the server.
 */
import type * as mockttp from 'mockttp';
import { MockttpServer } from 'mockttp/dist/server/mockttp-server';

export * as completionCheckers from 'mockttp/dist/rules/completion-checkers';
export * as matchers from 'mockttp/dist/rules/matchers';
export * as requestSteps from 'mockttp/dist/rules/requests/request-step-definitions';

/** A mockttp server running in this process (mockttp's `getLocal`). */
export function getLocal(options: mockttp.MockttpOptions = {}): mockttp.Mockttp {
  return new MockttpServer(options);
}
