import type { ApprovalQueue } from '../approvals/queue.js';
import type { Inventory } from '../inventory/index.js';

/**
 * A human who allows a changed tool and says "remember always" has reviewed the change:
 * the new version becomes the approved pin, as `belay inventory accept` would do. Other
 * answers (once, session, hour) let the call through but keep asking about the change.
 * Returns the unsubscribe function.
 */
export function acceptChangedToolsOnRemember(approvals: Pick<ApprovalQueue, 'subscribe'>, inventory: Pick<Inventory, 'approveChange'>): () => void {
  return approvals.subscribe(({ type, approval: a }) => {
    if (type !== 'decided' || a.status !== 'allowed' || a.remember !== 'always' || !a.approvedPin || !a.server || !a.tool) return;
    inventory.approveChange(a.client, a.server, a.tool);
  });
}
