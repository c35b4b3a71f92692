export * from './types.js';
export { llmParserFor } from './registry.js';
export { llmErrorResponse, llmStreamErrorBytes, llmStreamErrorFrame, streamFramingOf, type LlmErrorResponse, type StreamFraming } from './errors.js';
export { costOf, loadPriceTable, priceOf, type PriceTable, type ModelPrice } from './cost.js';
export { createLlmExchange, type LlmExchange, type LlmExchangeFacts, type LlmExchangeOutcome, type LlmExchangeRequest, type LlmResponseObserver } from './exchange.js';
