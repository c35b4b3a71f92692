export * from './inventory.js';
export * from './events.js';
