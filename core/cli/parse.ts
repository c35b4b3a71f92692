import { InvalidArgumentError } from 'commander';

/** Option value parsers: each says what was wrong in words the user can act on. */

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a TCP port (a whole number from 1 to 65535).`);
  }
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number.`);
  return n;
}

/** Accepts an ISO date/time or a relative age like 15m, 2h, 7d. Returns ms since epoch. */
export function parseTime(value: string, now = Date.now()): number {
  const rel = /^(\d+)\s*(s|m|h|d|w)$/.exec(value.trim());
  if (rel) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return now - Number(rel[1]) * unit;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`"${value}" is not a time: use ISO 8601 (2026-11-21T10:00:00Z) or an age like 30m, 2h, 7d.`);
  return t;
}

export function parseChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`"${value}" is not one of: ${choices.join(', ')}.`);
    }
    return value as T;
  };
}
