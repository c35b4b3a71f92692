import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalQueue } from '../../../core/approvals/queue.js';
import { toApiApproval } from '../../../core/approvals/service.js';
import { freshDb, toolCall } from '../../helpers/guard-fixtures.js';

const queues: ApprovalQueue[] = [];
afterEach(() => { for (const q of queues.splice(0)) q.close(); });

// What the faces (dashboard, tray, `belay approvals list`) show must say which door holds
// the call and, for a changed tool, what changed.
describe('approvals as the API carries them', () => {
  it('keep the door (stdio) and the changed tool diff, neutralised', () => {
    const q = new ApprovalQueue({ db: freshDb(), log: () => {} });
    queues.push(q);
    void q.ask({
      action: { ...toolCall('write_file', { path: 'a' }, { toolPin: 'new', approvedPin: 'old', toolChange: 'description changed:\n- old\n+ new \u202Egnp.exe' }), transport: 'stdio' },
      findings: [{ detector: 'tool-changed', severity: 'high', message: 'changed' }],
      risk: 'high',
    });
    const api = toApiApproval(q.list()[0]);
    expect(api.subject.transport).toBe('stdio');
    expect(api.subject.approvedPin).toBe('old');
    expect(api.subject.toolChange).toContain('description changed');
    // A right-to-left override from the server's text never reaches a human as is.
    expect(api.subject.toolChange).not.toContain('\u202E');
  });
});
