// A Belay forwarder process for the outage test: the real AuditLog + SiemForwarder over the
// data folder in BELAY_HOME, fast polling and short backoff. Killed with SIGKILL by the test.
import { AuditLog } from '../../core/audit/audit-log.js';
import { belayPaths } from '../../core/paths.js';
import { SiemForwarder } from '../../core/siem/forwarder.js';

const paths = belayPaths();
const audit = AuditLog.open(paths.database, { batchMs: 5 });
const forwarder = new SiemForwarder({
  pollMs: 20,
  reloadMs: 200,
  backoff: { baseMs: 50, capMs: 400 },
  log: (m) => process.stderr.write(`[forwarder ${process.pid}] ${m}\n`),
});
forwarder.start(audit.db, audit);
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void forwarder.stop(2000).then(() => {
    audit.close();
    process.exit(0);
  });
});
