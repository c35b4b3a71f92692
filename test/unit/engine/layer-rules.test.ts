import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The house rules are enforced by the lint config; this proves the config refuses each
// wrong-way import (and allows the right ones), so a config edit cannot quietly drop a rule.
const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(file: string, code: string): Promise<boolean> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

describe('layer boundaries', () => {
  it.each([
    ['core/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['core/x.ts', "import { t } from '../electron/tray.js';\nexport const a = t;\n"],
    ['core/x.ts', "import { v } from '../renderer/views/Traffic.js';\nexport const a = v;\n"],
    ['shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n"],
    ['shared/x.ts', "import { startBelay } from '../core/engine.js';\nexport const a = startBelay;\n"],
    ['renderer/x.tsx', "import path from 'path';\nexport const a = path;\n"],
    ['renderer/x.tsx', "import { AuditLog } from '../core/audit/audit-log.js';\nexport const a = AuditLog;\n"],
    ['renderer/x.tsx', "import Database from 'better-sqlite3';\nexport const a = Database;\n"],
  ])('%s refuses %s', async (file, code) => {
    expect(await restricted(file, code)).toBe(true);
  });

  it.each([
    ['core/x.ts', "import fs from 'node:fs';\nimport type { AuditEvent } from '../shared/events.js';\nexport const a: AuditEvent | typeof fs | undefined = undefined;\n"],
    ['renderer/x.tsx', "import type { AuditEvent } from '../shared/events.js';\nexport const a: AuditEvent | undefined = undefined;\n"],
    ['electron/x.ts', "import { startBelay } from '../core/engine.js';\nexport const a = startBelay;\n"],
  ])('%s allows %s', async (file, code) => {
    expect(await restricted(file, code)).toBe(false);
  });
});
