/**
 * An abort switch whose AbortSignal is made only when someone asks for it.
 *
 * Every guarded request must be withdrawable while it is judged, but only an approval
 * prompt ever listens for that: the guard answers almost every request without reading
 * the signal. Node's AbortController is costly to make (an EventTarget each, about 1 % of
 * the proxy's CPU at c=16 for one per request, bench/RESULTS.md), so it is made on first
 * use, already aborted if the switch was thrown before.
 */
export class LazyAbort {
  private controller?: AbortController;
  private thrown = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.thrown) this.controller.abort();
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.thrown;
  }

  abort(): void {
    if (this.thrown) return;
    this.thrown = true;
    this.controller?.abort();
  }
}
