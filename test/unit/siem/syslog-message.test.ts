import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/events.js';
import { formatSyslog, frameOctetCounted, severityOf } from '../../../core/siem/syslog-message.js';

const event: AuditEvent = {
  id: '01JTESTEVENT0000000000000A', seq: 7, time: '2026-03-01T10:00:00.123Z', type: 'mcp.tool_call', protocol: 'mcp',
  transport: 'stdio', client: 'claude "desktop"]', decision: 'deny', risk: 'high', data: {}, prevHash: 'a', hash: 'b',
};

describe('RFC 5424 formatting', () => {
  it('builds PRI from facility and severity, and every header field', () => {
    const msg = formatSyslog(event, { facility: 13, hostname: 'my host', appName: 'belay', procId: '42' }, '{"x":1}');
    // facility 13 * 8 + severity 4 (high risk / deny) = 108
    expect(msg).toBe(
      '<108>1 2026-03-01T10:00:00.123Z my_host belay 42 mcp.tool_call [belay@32473 id="01JTESTEVENT0000000000000A" seq="7" type="mcp.tool_call" decision="deny" risk="high" client="claude \\"desktop\\"\\]"] {"x":1}',
    );
  });

  it('maps risk and decision to severity; a refusal is never below warning', () => {
    expect(severityOf({ risk: 'critical', decision: 'allow', type: 'http' })).toBe(2);
    expect(severityOf({ risk: undefined, decision: 'allow', type: 'http' })).toBe(6);
    expect(severityOf({ risk: 'low', decision: 'deny', type: 'http' })).toBe(4);
    expect(severityOf({ risk: 'none', decision: 'allow', type: 'siem.dropped' })).toBe(4);
  });

  it('octet-counts in bytes, not characters', () => {
    expect(frameOctetCounted('héllo').toString()).toBe('6 héllo');
  });
});
