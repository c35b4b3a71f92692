import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * better-sqlite3 is a native module: the copy in node_modules is built for Node's ABI.
 * In development (`npm start`) scripts/build-electron-native.js builds one for Electron's
 * ABI into native/electron/; the packaged app needs nothing (electron-builder rebuilds
 * node_modules for Electron and unpacks the .node file from the asar).
 */
export function electronSqliteBinding(appRoot: string, isPackaged: boolean): string | undefined {
  if (isPackaged) return undefined;
  const file = path.join(appRoot, 'native', 'electron', 'better_sqlite3.node');
  return existsSync(file) ? file : undefined;
}
