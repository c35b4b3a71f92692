import { hash } from 'node:crypto';

/**
 * Digests of long texts a scan found nothing in. A copilot's LLM request carries the whole
 * conversation, and every turn sends the earlier messages again, unchanged: the secrets
 * scan costs about 18 ns per character (2.5 ms for a 130 KB conversation on the bench
 * machine), a digest about a thirtieth of that. The scan is a pure function of the text,
 * so a text seen clean is clean again.
 *
 * Only digests are kept, never the text, and only of clean texts: a text with a finding is
 * scanned every time, so its findings are reported every time. SHA-256, so a text cannot
 * be made to pass for one seen clean. Bounded: the oldest digest goes first.
 */
export class CleanTextMemo {
  private readonly digests = new Set<string>();

  constructor(
    /** Shorter texts are scanned as fast as they are digested: not kept. */
    readonly minLength = 512,
    readonly maxEntries = 8192,
  ) {}

  /** The text's digest if it is long enough to be worth remembering, else undefined. */
  digestOf(text: string): string | undefined {
    return text.length >= this.minLength ? hash('sha256', text, 'base64') : undefined;
  }

  isClean(digest: string | undefined): boolean {
    return digest !== undefined && this.digests.has(digest);
  }

  rememberClean(digest: string | undefined): void {
    if (digest === undefined || this.digests.has(digest)) return;
    if (this.digests.size >= this.maxEntries) this.digests.delete(this.digests.values().next().value as string);
    this.digests.add(digest);
  }

  get size(): number {
    return this.digests.size;
  }
}
