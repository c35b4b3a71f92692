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

/**
 * Applies the engine host's heap settings. V8 reads both flags whenever it uses them (the
 * growing percent when it sets its next limit, pretenuring after each young-generation
 * collection), so setting them once the process runs takes effect.
 *
 * Pretenuring off: V8 watches how many objects from each allocation site survive a
 * young-generation collection and, past a threshold, allocates that site's objects straight
 * in the old generation. A request's objects (its body, analysis and flow) live for as long
 * as the upstream takes to answer, which with the 4 MB young generation of `belay`'s
 * shebang line (item 7) is long enough to cross that threshold: V8 then put every later
 * request's objects in the old generation, where they died and only mark-compacts could
 * reclaim them. Off, they die young: 32 → 21 mark-compacts in 8 s at c=16, 14–29 % more
 * requests/s and 16–27 % less CPU per request, same peak RSS (bench/RESULTS.md, item 12).
 */
export function tuneHeapForEngine(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  setFlagsFromString('--no-allocation-site-pretenuring');
}
