import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { describeTarget, loadSiemConfig, parseDestination, saveSiemConfig, SiemConfigError } from '../../../core/siem/config.js';

describe('siem.json', () => {
  const paths = belayPaths();
  ensureDataDir(paths);

  it('fills defaults: enabled, TLS verification on, batch and cap bounds', () => {
    const d = parseDestination({ name: 'splunk', type: 'splunk-hec', url: 'https://splunk.example:8088' });
    expect(d.enabled).toBe(true);
    expect(d.tls.verify).toBe(true);
    expect(d.batch).toEqual({ maxEvents: 500, maxBytes: 1048576, maxDelayMs: 1000 });
    expect(d.cap.maxEvents).toBeGreaterThan(0);
    expect(d.cap.maxAgeDays).toBeGreaterThan(0);
    const s = parseDestination({ name: 'sys', type: 'syslog', host: 'logs.example', port: 6514 });
    expect(s.type === 'syslog' && s.transport).toBe('tls');
  });

  it('refuses credentials in URLs, unknown types and bad names with a message naming the field', () => {
    expect(() => parseDestination({ name: 'x', type: 'webhook', url: 'https://user:pw@hook.example/' })).toThrow(/url: must not contain a user name or password/);
    expect(() => parseDestination({ name: 'x', type: 'kafka', url: 'https://a' })).toThrow(SiemConfigError);
    expect(() => parseDestination({ name: 'bad name', type: 'webhook', url: 'https://a.example' })).toThrow(/name:/);
    expect(() => parseDestination({ name: 'x', type: 'syslog', host: 'h', port: 70000 })).toThrow(/port/);
    expect(() => parseDestination({ name: 'x', type: 'elastic', url: 'ftp://a' })).toThrow(/http:\/\/ or https:\/\//);
  });

  it('saves 0600, round-trips, and rejects duplicate names on load', () => {
    const cfg = { destinations: [parseDestination({ name: 'a', type: 'webhook', url: 'https://hook.example/in' })] };
    saveSiemConfig(paths.siem, cfg);
    expect(statSync(paths.siem).mode & 0o777).toBe(0o600);
    expect(loadSiemConfig(paths.siem)).toEqual(cfg);
    const raw = JSON.parse(readFileSync(paths.siem, 'utf8'));
    raw.destinations.push(raw.destinations[0]);
    writeFileSync(paths.siem, JSON.stringify(raw));
    expect(() => loadSiemConfig(paths.siem)).toThrow(/duplicate destination name "a"/);
    writeFileSync(paths.siem, '{not json');
    expect(() => loadSiemConfig(paths.siem)).toThrow(/not valid JSON/);
  });

  it('a missing file is no destinations; targets are described without credentials', () => {
    expect(loadSiemConfig(path.join(paths.home, 'nope.json'))).toEqual({ destinations: [] });
    expect(describeTarget(parseDestination({ name: 'e', type: 'elastic', url: 'https://es.example:9200/' }))).toBe('https://es.example:9200');
    expect(describeTarget(parseDestination({ name: 's', type: 'syslog', host: 'h', port: 514, transport: 'udp' }))).toBe('udp://h:514');
  });
});
