import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { costOf, loadPriceTable, priceOf } from '../../../../core/protocols/llm/cost.js';

describe('price table', () => {
  it('ships with an updated date and the main providers', () => {
    const t = loadPriceTable();
    expect(t.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const p of ['openai', 'anthropic', 'google', 'mistral', 'deepseek', 'groq']) expect(Object.keys(t.providers[p].models).length).toBeGreaterThan(0);
    for (const [prov, p] of Object.entries(t.providers)) {
      for (const [model, price] of Object.entries(p.models)) {
        expect(price.input, `${prov}/${model}`).toBeGreaterThanOrEqual(0);
        expect(price.output, `${prov}/${model}`).toBeGreaterThanOrEqual(0);
      }
      for (const target of Object.values(p.aliases ?? {})) expect(p.models[target], `${prov} alias → ${target}`).toBeDefined();
    }
  });
});

describe('costOf', () => {
  it('prices Anthropic usage with cache reads and writes, matching a dated model name', () => {
    // 472 input × $3 + 1200 cache write × $3.75 + 8000 cache read × $0.30 + 134 output × $15, per million
    const usd = costOf('anthropic', 'claude-sonnet-4-5-20250929', { inputTokens: 472, cacheWriteTokens: 1200, cacheReadTokens: 8000, outputTokens: 134 });
    expect(usd).toBeCloseTo((472 * 3 + 1200 * 3.75 + 8000 * 0.3 + 134 * 15) / 1e6, 6);
  });

  it('prices OpenAI usage with cached input', () => {
    expect(costOf('openai', 'gpt-4o-2024-08-06', { inputTokens: 176, cacheReadTokens: 1024, outputTokens: 57 })).toBeCloseTo((176 * 2.5 + 1024 * 1.25 + 57 * 10) / 1e6, 6);
  });

  it('strips the suffixes providers add', () => {
    expect(priceOf('google', 'models/gemini-2.5-flash')).toEqual(priceOf('google', 'gemini-2.5-flash'));
    expect(priceOf('google', 'gemini-2.0-flash-001')).toBeDefined();
    expect(priceOf('vertex', 'gemini-2.5-pro')).toEqual(priceOf('google', 'gemini-2.5-pro'));
    expect(priceOf('vertex-anthropic', 'claude-sonnet-4-5@20250929')).toEqual(priceOf('anthropic', 'claude-sonnet-4-5'));
    expect(priceOf('bedrock', 'us.anthropic.claude-3-5-sonnet-20240620-v1:0')).toEqual(priceOf('anthropic', 'claude-3-5-sonnet'));
    expect(priceOf('openrouter', 'anthropic/claude-sonnet-4.5')).toEqual(priceOf('anthropic', 'claude-sonnet-4-5'));
    expect(priceOf('openai', 'gpt-3.5-turbo-0125')).toEqual(priceOf('openai', 'gpt-3.5-turbo'));
    expect(priceOf('mistral', 'mistral-large-latest')).toEqual(priceOf('mistral', 'mistral-large'));
    expect(priceOf('azure-openai', 'gpt-4o-mini-2024-07-18')).toEqual(priceOf('openai', 'gpt-4o-mini'));
  });

  it('an exact dated entry wins over the suffix-stripped one', () => {
    expect(priceOf('openai', 'gpt-4o-2024-05-13')).toMatchObject({ input: 5, output: 15 });
    expect(priceOf('openai', 'gpt-4o-2024-11-20')).toMatchObject({ input: 2.5, output: 10 });
  });

  it('does not guess by prefix: a different model is unknown, never 0', () => {
    expect(costOf('openai', 'gpt-4o-audio-preview', { inputTokens: 10, outputTokens: 10 })).toBe('unknown');
    expect(costOf('anthropic', 'claude-next-9', { inputTokens: 10, outputTokens: 10 })).toBe('unknown');
    expect(costOf('bedrock', 'amazon.nova-pro-v1:0', { inputTokens: 10, outputTokens: 10 })).toBe('unknown');
    expect(costOf('groq', 'some-new-model', { inputTokens: 10, outputTokens: 10 })).toBe('unknown');
    expect(costOf(undefined, undefined, { inputTokens: 10 })).toBe('unknown');
  });

  it('subscription-billed providers are never priced per token', () => {
    expect(costOf('github-copilot', 'gpt-4.1', { inputTokens: 1000, outputTokens: 100 })).toBe('unknown');
  });

  it('unknown token counts give unknown', () => {
    expect(costOf('openai', 'gpt-4o', {})).toBe('unknown');
  });

  it('local models cost 0 (they run on the developer machine)', () => {
    expect(costOf('ollama', 'qwen3:8b', { inputTokens: 180, outputTokens: 42 })).toBe(0);
  });

  it('a generic OpenAI-compatible gateway is priced by model name when only one table knows it', () => {
    expect(costOf('openai-compatible', 'gpt-4.1', { inputTokens: 1_000_000, outputTokens: 0 })).toBe(2);
    expect(costOf('openai-compatible', 'llama-3.3-70b-versatile', { inputTokens: 1, outputTokens: 1 })).toBe('unknown');
  });

  it('a broken price file gives a clear error naming the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prices-'));
    const file = path.join(dir, 'prices.json');
    writeFileSync(file, '{ "providers": ');
    expect(() => loadPriceTable(file)).toThrow(new RegExp(`Cannot read the price table ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    writeFileSync(file, '{}');
    expect(() => loadPriceTable(file)).toThrow(/no "providers"/);
  });
});
