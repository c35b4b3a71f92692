import { describe, expect, it } from 'vitest';
import { isRealLoop } from '../../../core/proxy/loop-check.js';

// Belay's proxy listens on 127.0.0.1:8080; it holds an upstream socket from port 50000.
const upstreamToMcp = { localAddress: '127.0.0.1', localPort: 50000, remoteAddress: '127.0.0.1', remotePort: 3000 };
const upstreamToSelf = { localAddress: '127.0.0.1', localPort: 50000, remoteAddress: '127.0.0.1', remotePort: 8080 };

describe('passthrough loop check', () => {
  it('a client that happens to use the same ephemeral port (other destination) is not a loop', () => {
    const client = { remoteAddress: '127.0.0.1', remotePort: 50000, localAddress: '127.0.0.1', localPort: 8080 };
    expect(isRealLoop([upstreamToMcp], client)).toBe(false);
  });
  it('a request Belay forwards to itself is a loop', () => {
    const looped = { remoteAddress: '::ffff:127.0.0.1', remotePort: 50000, localAddress: '127.0.0.1', localPort: 8080 };
    expect(isRealLoop([upstreamToSelf], looped)).toBe(true);
  });
  it('falls back to the port comparison when an end is unknown, and skips closed sockets', () => {
    expect(isRealLoop([{ localAddress: '127.0.0.1', localPort: 50000 }], { remoteAddress: '127.0.0.1', remotePort: 50000 })).toBe(true);
    expect(isRealLoop([{}], { remoteAddress: '127.0.0.1', remotePort: 50000 })).toBe(false);
  });
});
