import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface HeadlessKeyring {
  env: NodeJS.ProcessEnv;
  stop(): void;
}

/** Whether dbus-run-session, gnome-keyring-daemon and secret-tool are installed. */
export function keyringToolsInstalled(): boolean {
  return ['dbus-run-session', 'gnome-keyring-daemon', 'secret-tool'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);
}

/**
 * A private D-Bus session with gnome-keyring's Secret Service, unlocked with a throwaway
 * password, in a temp HOME: the real Linux path, headless. The login collection only gets
 * created when the unlock password is non-empty.
 */
export async function startHeadlessKeyring(): Promise<HeadlessKeyring> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'belay-keyring-'));
  const script = [
    'export HOME="$KR_HOME" XDG_DATA_HOME="$KR_HOME/data" XDG_RUNTIME_DIR="$KR_HOME/run"',
    'mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"',
    "printf 'belay-test-unlock' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null",
    'echo "BUS=$DBUS_SESSION_BUS_ADDRESS"',
    'exec sleep 600',
  ].join('\n');
  const child: ChildProcess = spawn('dbus-run-session', ['--', 'sh', '-c', script], {
    env: { ...process.env, KR_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const bus = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`keyring did not start: ${out}`)), 10_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /BUS=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`keyring session exited (${code}): ${out}`)));
  });
  return {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_RUNTIME_DIR: path.join(home, 'run') },
    stop() {
      // The session, the keyring daemon and sleep share the process group we created.
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
