import type { SyntheticResponse } from '../proxy/analyzer.js';
import { classify, type RequestMeta } from '../protocols/classify.js';
import { llmErrorResponse } from '../protocols/llm/errors.js';

/**
 * A broker refusal in the form the client understands: the provider's own error shape on
 * an LLM host (so the SDK raises a readable error and does not retry), plain text elsewhere.
 */
export function brokerRefusal(head: RequestMeta, status: number, message: string): SyntheticResponse {
  const cls = classify(head);
  if (cls.protocol === 'llm' && cls.api) return llmErrorResponse(cls.api, { status, message });
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-should-retry': 'false' }, body: `${message}\n` };
}
