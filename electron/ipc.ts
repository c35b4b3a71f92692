import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { isOwnOrigin } from './security.js';

/**
 * The one way main-process IPC handlers are registered: every call is checked to come
 * from the top frame of one of Belay's own pages (the control server's origin), and
 * its arguments are validated before the handler runs. A call that fails either check
 * is refused with an error and logged.
 */
export function ipcHandler<A extends unknown[], R>(
  channel: string,
  controlUrl: () => string | undefined,
  validate: (args: unknown[]) => A | undefined,
  handler: (event: IpcMainInvokeEvent, ...args: A) => R | Promise<R>,
  log: (message: string) => void = (m) => process.stderr.write(`belay: ${m}\n`),
): void {
  ipcMain.handle(channel, async (event, ...raw) => {
    const frame = event.senderFrame;
    const own = controlUrl();
    if (!frame || frame.parent !== null || !own || !isOwnOrigin(frame.url, own)) {
      log(`refused IPC "${channel}" from ${frame?.url ?? 'an unknown frame'}`);
      throw new Error('Refused: this page may not call Belay.');
    }
    const args = validate(raw);
    if (!args) {
      log(`refused IPC "${channel}": bad arguments`);
      throw new Error(`Refused: bad arguments for ${channel}.`);
    }
    return handler(event, ...args);
  });
}
