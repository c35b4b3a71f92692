/** A2A on the wire: agent cards, JSON-RPC methods of v0.3 and v1.0, task and context ids. */
export * from './methods.js';
export * from './agent-card.js';
export * from './messages.js';
