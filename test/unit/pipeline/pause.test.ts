import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { belayPaths } from '../../../core/paths.js';
import { PauseSwitch } from '../../../core/pipeline/pause.js';

describe('kill switch: how soon a pause is seen', () => {
  it('a pause made through the same switch applies at once, even right after a "not paused" answer', () => {
    const pause = new PauseSwitch(path.join(belayPaths().home, 'paused-own.json'), 60_000);
    expect(pause.isPaused()).toBe(false);
    pause.pause({ by: 'test' });
    expect(pause.isPaused()).toBe(true);
    pause.resume();
    expect(pause.isPaused()).toBe(false);
  });

  it("another process's pause is seen once the recheck time has passed", async () => {
    const file = path.join(belayPaths().home, 'paused-other.json');
    const guardSide = new PauseSwitch(file, 50);
    expect(guardSide.isPaused()).toBe(false);
    new PauseSwitch(file).pause({ by: 'cli' });
    await new Promise((r) => setTimeout(r, 60));
    expect(guardSide.isPaused()).toBe(true);
    // Paused, the file is read every time: a resume elsewhere is seen at once.
    new PauseSwitch(file).resume();
    expect(guardSide.isPaused()).toBe(false);
  });
});
