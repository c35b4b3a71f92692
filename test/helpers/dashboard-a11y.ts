import type { Page } from 'playwright-core';

/**
 * Accessibility checks run inside the page: every control has an accessible name, and the
 * main text/background pairs meet WCAG AA contrast (4.5:1 for text, 3:1 for large text).
 * Computed in the browser from the real styles, so a colour change in styles.css is caught.
 */

/** Controls without a label, aria-label, aria-labelledby or (for buttons) text: described as tag + outerHTML start. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bad: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('button, input, select, textarea, [role="tab"], [role="listbox"], [role="option"]'))) {
      if ((el as HTMLInputElement).type === 'hidden' || el.closest('[aria-hidden="true"]')) continue;
      const labels = (el as HTMLInputElement).labels;
      const named =
        (labels && labels.length > 0 && Array.from(labels).some((l) => l.textContent?.trim())) ||
        el.getAttribute('aria-label')?.trim() ||
        (el.getAttribute('aria-labelledby') ?? '').split(/\s+/).some((id) => document.getElementById(id)?.textContent?.trim()) ||
        ((el.tagName === 'BUTTON' || el.getAttribute('role') === 'tab' || el.getAttribute('role') === 'option') && el.textContent?.trim()) ||
        el.getAttribute('title')?.trim();
      if (!named) bad.push(`${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 120)}`);
    }
    return bad;
  });
}

export interface ContrastSample {
  what: string;
  fg: string;
  bg: string;
  ratio: number;
  /** 4.5 for normal text, 3 for large or bold ≥ 14pt text. */
  needed: number;
}

/**
 * Contrast of the first visible element matching each selector against its effective
 * background (the nearest ancestor with an opaque background). Disabled controls are
 * exempt in WCAG and skipped.
 */
export function contrastOf(page: Page, selectors: Record<string, string>): Promise<ContrastSample[]> {
  return page.evaluate((sels) => {
    const parse = (c: string): [number, number, number, number] | undefined => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return undefined;
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p[3] ?? 1];
    };
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bgOf = (el: Element | null): string => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c[3] > 0.99) return getComputedStyle(e).backgroundColor;
      }
      return getComputedStyle(document.documentElement).backgroundColor || 'rgb(255, 255, 255)';
    };
    const out: ContrastSample[] = [];
    for (const [what, sel] of Object.entries(sels)) {
      const el = Array.from(document.querySelectorAll<HTMLElement>(sel)).find((e) => e.offsetParent !== null && !(e as HTMLButtonElement).disabled && e.textContent?.trim());
      if (!el) {
        out.push({ what: `${what} (no visible element for ${sel})`, fg: '', bg: '', ratio: 0, needed: 4.5 });
        continue;
      }
      const style = getComputedStyle(el);
      const fg = style.color;
      const bg = bgOf(el);
      const a = lum(parse(fg)!);
      const b = lum(parse(bg)!);
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      out.push({ what, fg, bg, ratio: Math.round(ratio * 100) / 100, needed: size >= 24 || (bold && size >= 18.66) ? 3 : 4.5 });
    }
    return out;
  }, selectors);
}
