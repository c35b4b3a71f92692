import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Replaces a file so that a reader (or a crash) sees either the old or the new content,
 * never half of one: write a temp file beside it, fsync, give it the old mode, rename.
 * A symlinked config (dotfile managers) is written through to its target, not replaced.
 */
export function writeFileAtomic(file: string, text: string, newFileMode = 0o600): void {
  const target = existsSync(file) ? realpathSync(file) : file;
  const mode = existsSync(target) ? statSync(target).mode & 0o777 : newFileMode;
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.belay-${process.pid}-${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, target);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
}

/**
 * Copies a file into the backups folder under a name that says where it came from and
 * when, before Belay changes it. Backups are 0600: client configs often hold API keys
 * in server `env` blocks.
 */
export function backupFile(file: string, backupsDir: string, now = new Date()): string | undefined {
  if (!existsSync(file)) return undefined;
  mkdirSync(backupsDir, { recursive: true, mode: 0o700 });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const flat = path.resolve(file).replace(/^[A-Za-z]:/, '').replace(/[\\/]+/g, '_').replace(/^_/, '');
  const dest = path.join(backupsDir, `${flat}.${stamp}.bak`);
  copyFileSync(file, dest);
  // copyFile keeps the source mode; backups are private whatever the source was.
  chmodPrivate(dest);
  return dest;
}

function chmodPrivate(file: string): void {
  // chmod is a no-op on Windows, where the per-user profile folder already keeps it private.
  if (process.platform !== 'win32') chmodSync(file, 0o600);
}
