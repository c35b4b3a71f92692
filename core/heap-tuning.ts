import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived its last full collection,
 * in percent, in the process that hosts the engine (`belay serve`, the tray app's main
 * process).
 *
 * V8 sizes that headroom for throughput: under proxy load it let the old generation reach
 * about four times its live size (37 MB live, collected at 150 MB), which made Belay's
 * peak RSS twice bare mockttp's. With 20 % it collects at about 45 MB: a few milliseconds
 * two or three times a second at c=16, 1–2 % more time in GC pauses, no throughput change
 * measurable here (bench/RESULTS.md, Findings, item 7). It only moves when V8 collects: unlike
 * `--max-old-space-size` there is no cap that many large bodies judged at once could hit.
 */
export const HEAP_GROWING_PERCENT = 20;

/** Applies the engine host's heap settings; V8 reads this flag whenever it sets its next limit. */
export function tuneHeapForEngine(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
