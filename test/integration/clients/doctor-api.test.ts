import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorResponse } from '../../../shared/api.js';
import { connectControl, type ControlClient } from '../../../core/control/client.js';
import { startBelay, type Belay } from '../../../core/engine.js';

let belay: Belay;
let api: ControlClient;
beforeAll(async () => {
  belay = await startBelay({ dataDir: process.env.BELAY_HOME, proxyPort: 0, warn: () => undefined });
  api = (await connectControl(belay.paths))!;
}, 60_000);
afterAll(async () => {
  await belay?.stop();
});

describe('GET /api/doctor and POST /api/doctor/fix on a running Belay', () => {
  it('reports VS Code against the port the proxy really listens on, and fixes its routing', async () => {
    const settings = path.join(process.env.XDG_CONFIG_HOME!, 'Code', 'User', 'settings.json');
    mkdirSync(path.dirname(settings), { recursive: true });
    writeFileSync(settings, '{}\n');
    const before = await api.request<DoctorResponse>('GET', '/api/doctor');
    const vscode = before.clients.find((c) => c.client === 'vscode')!;
    expect(vscode.installed).toBe(true);
    expect(vscode.checks.find((c) => c.id === 'routing')).toMatchObject({ ok: false, fixable: true, fix: 'belay setup vscode' });

    const fixed = await api.request<{ ok: boolean; message: string }>('POST', '/api/doctor/fix', { body: { client: 'vscode', checkId: 'routing' } });
    expect(fixed.ok, fixed.message).toBe(true);
    expect(JSON.parse(readFileSync(settings, 'utf8'))['http.proxy']).toBe(`http://127.0.0.1:${belay.proxy.port}`);
    const after = await api.request<DoctorResponse>('GET', '/api/doctor');
    expect(after.clients.find((c) => c.client === 'vscode')!.checks.find((c) => c.id === 'routing')!.ok).toBe(true);
    expect(existsSync(belay.paths.clientsState)).toBe(true);
  });
});
