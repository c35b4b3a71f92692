export * from './types.js';
export { llmParserFor } from './registry.js';
export { llmErrorResponse, llmStreamErrorFrame } from './errors.js';
export { costOf, loadPriceTable, type PriceTable, type ModelPrice } from './cost.js';
