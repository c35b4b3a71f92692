import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../../core/anomaly/alert-store.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { runBelay } from '../../helpers/audit-cli.js';

describe('belay alerts', () => {
  it('lists open alerts, acknowledges one or all, and words its errors', async () => {
    const paths = belayPaths();
    ensureDataDir(paths);
    const audit = AuditLog.open(paths.database);
    const store = new AlertStore(audit.db, audit, () => 3_600_000);
    const a = store.raise({ kind: 'new-host', client: 'cursor', subject: 'paste.example', message: 'cursor contacted paste.example for the first time.', severity: 'medium', at: Date.now() - 1000 });
    store.raise({ kind: 'new-host', client: 'cursor', subject: 'paste.example', message: 'cursor contacted paste.example for the first time.', severity: 'medium' });
    store.raise({ kind: 'call-spike', client: 'vscode', subject: 'calls', message: 'vscode made 90 calls in one minute.', severity: 'medium' });
    audit.close();

    const list = await runBelay('alerts');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${a.alertId} .* medium new-host \\(×2\\)  cursor contacted paste\\.example`));
    expect(list.stdout).toMatch(/call-spike {2}vscode made 90 calls/);

    expect((await runBelay('alerts', 'ack', a.alertId)).stdout).toBe(`Acknowledged ${a.alertId}.\n`);
    expect((await runBelay('alerts', 'ack', a.alertId)).stdout).toMatch(/already acknowledged/);
    const json = JSON.parse((await runBelay('alerts', '--json')).stdout);
    expect(json.map((x: { kind: string }) => x.kind)).toEqual(['call-spike']);
    const all = JSON.parse((await runBelay('alerts', 'list', '--all', '--json')).stdout);
    expect(all.find((x: { id: string }) => x.id === a.alertId)).toMatchObject({ acked: true, ackedBy: 'cli', count: 2 });

    const unknown = await runBelay('alerts', 'ack', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no alert with id "nope"/);
    expect((await runBelay('alerts', 'ack')).code).toBe(2);
    expect((await runBelay('alerts', 'ack', '--all')).stdout).toBe('Acknowledged 1 alert(s).\n');
    expect((await runBelay('alerts')).stdout).toBe('No open alerts.\n');
  });
});
