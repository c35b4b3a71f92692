import type { Readable } from 'node:stream';
import type * as mockttp from 'mockttp';
import { requestSteps } from './mockttp-lean.js';
import type { ClientResponse, GatedFlow, GatedRequest, ToolUseGate } from './tool-use-gate.js';
import { requireFromMockttp } from './mockttp-require.js';

/**
 * What the guard decided about a request before it leaves: mockttp's own `beforeRequest`
 * result (forward as is, with a new body, URL or headers, or answer it instead), plus
 * `gate` when the answer must go through the tool-use gate.
 */
export type GuardDecision = mockttp.requestSteps.CallbackRequestResult & { gate?: GatedFlow };
export type DecideRequest = (req: mockttp.CompletedRequest) => Promise<GuardDecision | undefined>;

/**
 * A mockttp rule step for the guarded routes: read the request, let the guard decide, then
 * either hand it to mockttp's passthrough (with the decision as its `beforeRequest`
 * result) or, for an LLM request that offers tools, to the tool-use gate, which makes the
 * upstream request itself and writes the answer to the client's response.
 *
 * mockttp has no public way to add a step, but its rules look each step's implementation
 * up by type in one table (`StepLookup`); registering ours there keeps every other part of
 * mockttp (matching, response tracking and events, aborts) exactly as for its own steps.
 * The internals used are pinned by test/unit/proxy/guarded-step.test.ts.
 */
const STEP_TYPE = 'belay-guarded-passthrough';

/** The part of mockttp's ongoing request this step touches. */
interface OngoingRequest {
  id: string;
  body: { asStream(): Readable };
}

interface StepImpl {
  handle(request: unknown, response: unknown, options: unknown): Promise<unknown>;
  dispose?(): void;
}

interface MockttpInternals {
  StepLookup: Record<string, unknown>;
  PassThroughStepImpl: { fromDefinition(definition: mockttp.requestSteps.PassThroughStep): StepImpl };
  waitForCompletedRequest(request: unknown): Promise<mockttp.CompletedRequest>;
  /** mockttp's "this request was aborted" error: announced as an abort, not a server error. */
  AbortError: new (message: string, code: string) => Error;
}

function mockttpInternals(): MockttpInternals {
  const impls = requireFromMockttp('./rules/requests/request-step-impls.js') as Pick<MockttpInternals, 'StepLookup' | 'PassThroughStepImpl'>;
  const utils = requireFromMockttp('./util/request-utils.js') as Pick<MockttpInternals, 'waitForCompletedRequest'>;
  const errors = requireFromMockttp('./util/abort-error.js') as Pick<MockttpInternals, 'AbortError'>;
  if (!impls.StepLookup || !impls.PassThroughStepImpl || !utils.waitForCompletedRequest || !errors.AbortError) {
    throw new Error('this version of mockttp does not have the step table Belay extends (core/proxy/guarded-step.ts)');
  }
  return { ...impls, ...utils, ...errors };
}

let internals: MockttpInternals | undefined;

export class GuardedPassThroughStep {
  static readonly isFinal = true;
  /** mockttp turns a rule's step definitions into implementations; this step is both. */
  static fromDefinition(step: GuardedPassThroughStep): GuardedPassThroughStep {
    return step;
  }

  readonly type = STEP_TYPE;
  private readonly passthrough: StepImpl;
  /** Decisions waiting for mockttp's passthrough to ask for them, by request id. */
  private readonly decisions = new Map<string, GuardDecision | undefined>();

  constructor(
    private readonly decide: DecideRequest,
    private readonly gate: Pick<ToolUseGate, 'relay'>,
    passthroughOptions: mockttp.requestSteps.PassThroughStepOptions,
  ) {
    internals ??= mockttpInternals();
    internals.StepLookup[STEP_TYPE] ??= GuardedPassThroughStep;
    const definition = new requestSteps.PassThroughStep({ ...passthroughOptions, beforeRequest: (req) => this.decisions.get(req.id) });
    this.passthrough = internals.PassThroughStepImpl.fromDefinition(definition);
  }

  /** The step as mockttp's rule data types it. */
  asStep(): mockttp.requestSteps.RequestStepDefinition {
    return this as unknown as mockttp.requestSteps.RequestStepDefinition;
  }

  explain(): string {
    return 'judge it, then pass it through (answers offering tool calls through the tool-use gate)';
  }

  async handle(request: OngoingRequest, response: ClientResponse, options: unknown): Promise<unknown> {
    // Opened before anything waits, as mockttp's passthrough does itself: past the inspection
    // cap mockttp drops what it buffered, and only a stream opened before then has it all.
    // The passthrough below asks for the stream again and must get this one.
    const bodyStream = request.body.asStream();
    request.body.asStream = () => bodyStream;
    const completed = await internals!.waitForCompletedRequest(request);
    const decision = await this.decide(completed);
    if (decision?.gate && !decision.response) {
      await this.gate.relay(decision.gate, await gatedRequest(completed, decision, bodyStream), response);
      // A response the gate cut off (the upstream broke, the client left) must reach mockttp
      // as an abort: returned normally, it counts as answered, and no abort event (hence no
      // end of the flow, no audit event) would follow. When the upstream broke, the gate has
      // already noted that on the flow, and that cause wins over this message.
      if (response.destroyed && !response.writableEnded) {
        throw new internals!.AbortError('the client closed the connection before the response ended', 'E_BELAY_GATE_ABORTED');
      }
      return undefined;
    }
    this.decisions.set(request.id, decision);
    try {
      return await this.passthrough.handle(request, response, options);
    } finally {
      this.decisions.delete(request.id);
    }
  }

  dispose(): void {
    this.passthrough.dispose?.();
  }
}

/**
 * The request as it leaves for the gate: the decision's headers and body where it set them,
 * else the client's whole body. mockttp's buffered copy is either all of it or, past the
 * inspection cap, empty: then the body is read from the stream opened at the start.
 */
async function gatedRequest(completed: mockttp.CompletedRequest, decision: GuardDecision, bodyStream: Readable): Promise<GatedRequest> {
  const headers: Record<string, string | string[] | undefined> = { ...(decision.headers ?? completed.headers) };
  const replaced = decision.body ?? decision.rawBody;
  // A replaced body (redacted) is plain JSON: it no longer matches the client's encoding.
  if (replaced !== undefined) delete headers['content-encoding'];
  const buffered = completed.body.buffer;
  const body = replaced !== undefined ? Buffer.from(replaced) : buffered.length > 0 ? buffered : Buffer.concat(await bodyStream.toArray());
  return { method: decision.method ?? completed.method, headers, body };
}
