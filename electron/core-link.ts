import type { PendingApproval, StatusResponse, StreamMessage } from '../shared/api.js';
import type { ControlClient } from '../core/control/client.js';

/** The control API calls the tray and prompts use (ControlClient satisfies it; tests pass a fake). */
export type CoreApi = Pick<ControlClient, 'status' | 'approvals' | 'pause' | 'resume' | 'decide' | 'markSeen' | 'stream' | 'url' | 'control'>;

export interface LinkState {
  status?: StatusResponse;
  pending: PendingApproval[];
  error?: string;
}

export interface LinkEvents {
  onChange(state: LinkState): void;
  onApproval(change: 'added' | 'decided' | 'expired', approval: PendingApproval): void;
}

/**
 * Keeps the main process in step with the core through the control API's live stream
 * (the same API the dashboard uses): status and pending approvals, reconnecting with a
 * back-off when the stream drops. Returns a stop function.
 */
export function linkToCore(api: CoreApi, events: LinkEvents, log: (m: string) => void = (m) => process.stderr.write(`belay: ${m}\n`)): () => void {
  const abort = new AbortController();
  const state: LinkState = { pending: [] };
  const emit = () => events.onChange({ ...state, pending: [...state.pending] });

  const refreshPending = async () => {
    try {
      state.pending = await api.approvals();
    } catch (err) {
      log(`could not list approvals: ${(err as Error).message}`);
    }
    emit();
  };

  const onMessage = (m: StreamMessage) => {
    if (m.type === 'hello' || m.type === 'status') {
      state.status = m.status;
      state.error = undefined;
      if (m.type === 'hello') void refreshPending();
      else emit();
    } else if (m.type === 'approval') {
      if (m.change === 'added') state.pending = [...state.pending.filter((a) => a.id !== m.approval.id), m.approval];
      else state.pending = state.pending.filter((a) => a.id !== m.approval.id);
      events.onApproval(m.change, m.approval);
      emit();
    }
  };

  void (async () => {
    let attempt = 0;
    while (!abort.signal.aborted) {
      try {
        await api.stream(onMessage, abort.signal);
        attempt = 0;
      } catch (err) {
        if (abort.signal.aborted) return;
        state.status = undefined;
        state.error = `lost contact with the core (${(err as Error).message})`;
        emit();
      }
      if (abort.signal.aborted) return;
      attempt += 1;
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(attempt, 5))));
    }
  })();
  return () => abort.abort();
}
