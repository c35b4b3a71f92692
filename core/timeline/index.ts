export * from './arguments.js';
export * from './tool-names.js';
export * from './linker.js';
export * from './format.js';
