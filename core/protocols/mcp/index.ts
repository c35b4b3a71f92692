/** MCP on the wire: JSON-RPC parsing, per-session facts, tool pins, HTTP transports, refusals. */
export * from './jsonrpc.js';
export * from './methods.js';
export * from './canonical.js';
export * from './tool.js';
export * from './pin.js';
export * from './content.js';
export * from './session.js';
export * from './http.js';
export * from './http-sessions.js';
export * from './http-exchange.js';
export * from './refusal.js';
export * from './action.js';
