import type { OngoingRequest } from 'mockttp';
import { matchers } from './mockttp-lean.js';

/**
 * A mockttp matcher that decides from the request line and headers only. mockttp's own
 * `.matching(callback)` waits for the whole body first, which would hold every upload
 * in memory before forwarding; this one never touches the body. It extends the callback
 * matcher only to satisfy mockttp's matcher registry typing.
 */
export class HeadMatcher extends matchers.CallbackMatcher {
  constructor(
    private readonly predicate: (req: OngoingRequest) => boolean,
    private readonly description: string,
  ) {
    super(() => false);
  }

  override async matches(req: OngoingRequest): Promise<boolean> {
    return this.predicate(req);
  }

  override explain(): string {
    return this.description;
  }
}
