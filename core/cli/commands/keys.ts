import { InvalidArgumentError, type Command } from 'commander';
import { openDatabase } from '../../audit/database.js';
import { parseBudget, parseExpiry, parseHost, PROVIDER_HOSTS, type Budget } from '../../broker/key-options.js';
import { KeysService, type KeyListing, type KeyPolicy } from '../../broker/keys-service.js';
import { placeholderFor } from '../../broker/placeholder.js';
import { readKeyValue } from '../../broker/read-value.js';
import { belayPaths, ensureDataDir } from '../../paths.js';
import { loadSettings } from '../../settings.js';
import { UsageError } from '../errors.js';

/**
 * `belay keys add|list|update|rotate|revoke|remove`: keys copilots never hold. The value is
 * read from stdin or an environment variable (never from the command line, where other
 * local users could read it), goes to the OS keychain (or the weaker encrypted file), and
 * is never printed. Clients get `belay-key:NAME` instead.
 */

const wrap = <T>(fn: (v: string) => T) => (v: string): T => {
  try {
    return fn(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
const collect = <T>(fn: (v: string) => T) => (v: string, prev: T[] = []): T[] => [...prev, wrap(fn)(v)];
const clientId = (v: string): string => {
  if (!/^[A-Za-z0-9*?._-]{1,64}$/.test(v)) throw new Error(`"${v}" is not a client id (cursor, claude-code, vscode, … or a glob).`);
  return v;
};

interface PolicyOpts {
  host?: string[];
  provider?: string;
  client?: string[];
  expires?: number;
  budget?: Budget;
}

function policyFrom(opts: PolicyOpts): Partial<KeyPolicy> {
  const hosts = [...(opts.host ?? [])];
  if (opts.provider) {
    const known = PROVIDER_HOSTS[opts.provider.toLowerCase()];
    if (!known) throw new UsageError(`Unknown provider "${opts.provider}" (known: ${Object.keys(PROVIDER_HOSTS).join(', ')}); name the host with --host instead.`);
    hosts.push(...known);
  }
  return { hosts: [...new Set(hosts)], clients: opts.client ?? [], expiresAt: opts.expires, budget: opts.budget };
}

function withService<T>(fn: (svc: KeysService) => Promise<T>): Promise<T> {
  const paths = belayPaths();
  ensureDataDir(paths);
  const settings = loadSettings(paths);
  const db = openDatabase(paths.database);
  return fn(new KeysService(db, paths, settings)).finally(() => db.close());
}

function policyOptions(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'host the key may be sent to (repeat; *.example.com allowed)', collect(parseHost))
    .option('--provider <name>', `fill in the provider's API host (${Object.keys(PROVIDER_HOSTS).join(', ')})`)
    .option('--client <id>', 'client allowed to use it (repeat; default: any client)', collect(clientId))
    .option('--expires <when>', 'expiry: a date (2026-12-31) or a duration from now (30d)', wrap(parseExpiry))
    .option('--budget <amount>', 'daily budget: dollars ($5) or tokens (200k-tokens)', wrap(parseBudget));
}

export function register(program: Command): void {
  const keys = program.command('keys').description('Keys copilots never hold: stored by Belay, swapped in at the proxy on allowed hosts only.');

  policyOptions(keys.command('add <name>').description('Store a key (value on stdin or --from-env) and print the placeholder to give clients.'))
    .option('--from-env <var>', 'read the value from this environment variable instead of stdin')
    .action(async (name: string, opts: PolicyOpts & { fromEnv?: string }) => {
      const policy = policyFrom(opts);
      if (!policy.hosts?.length) throw new UsageError('Say where the key may be sent: --host api.openai.com (repeatable) or --provider openai.');
      const value = await readKeyValue({ fromEnv: opts.fromEnv });
      await withService(async (svc) => {
        const { record, store, fellBack } = await svc.add(name, value, { hosts: policy.hosts ?? [], clients: policy.clients ?? [], expiresAt: policy.expiresAt, budget: policy.budget });
        if (fellBack) process.stderr.write(`belay: stored in the encrypted file, which is weaker than a keychain: ${fellBack}. See docs/keys.md.\n`);
        process.stdout.write(`Stored key "${record.name}" in ${store.description}.\nGive clients the placeholder instead of the key: ${placeholderFor(record.name)}\nIt works through Belay's proxy on: ${record.hosts.join(', ')}\n`);
      });
    });

  keys
    .command('list')
    .description('List keys: name, hosts, clients, expiry, budget, last use, masked last 4 (never the value).')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withService(async (svc) => {
        const list = svc.list();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(list.map(publicView), null, 2)}\n`);
          return;
        }
        if (list.length === 0) {
          process.stdout.write('No keys yet. Add one: printf %s "$KEY" | belay keys add NAME --provider openai\n');
          return;
        }
        for (const k of list) process.stdout.write(`${describe(k)}\n`);
      });
    });

  policyOptions(keys.command('update <name>').description('Change a key\'s hosts, clients, expiry or budget (the value stays).')).action(async (name: string, opts: PolicyOpts) => {
    await withService(async (svc) => {
      const rec = svc.update(name, policyFrom(opts));
      process.stdout.write(`Updated "${rec.name}": hosts ${rec.hosts.join(', ')}; clients ${rec.clients.join(', ') || 'any'}.\n`);
    });
  });

  policyOptions(keys.command('rotate <name>').description('Replace a key\'s value (stdin or --from-env); also lifts a revocation.'))
    .option('--from-env <var>', 'read the new value from this environment variable instead of stdin')
    .action(async (name: string, opts: PolicyOpts & { fromEnv?: string }) => {
      const value = await readKeyValue({ fromEnv: opts.fromEnv });
      await withService(async (svc) => {
        const rec = await svc.rotate(name, value, policyFrom(opts));
        process.stdout.write(`Rotated "${rec.name}"${rec.last4 ? ` (now ends …${rec.last4})` : ''}. Running copilots use the new value on their next request.\n`);
      });
    });

  keys
    .command('revoke <name>')
    .description('Cut every copilot off this key at once (the value stays stored; `rotate` brings the key back).')
    .action(async (name: string) => {
      await withService(async (svc) => {
        const changed = svc.revoke(name);
        process.stdout.write(changed ? `Revoked "${name}": every request using belay-key:${name} is now refused.\n` : `"${name}" was already revoked.\n`);
      });
    });

  keys
    .command('remove <name>')
    .description('Delete a key: its value from the store and its limits from Belay.')
    .action(async (name: string) => {
      await withService(async (svc) => {
        const { storeRemoved } = await svc.remove(name);
        process.stdout.write(storeRemoved ? `Removed "${name}".\n` : `Removed "${name}" from Belay (its store had no value left).\n`);
      });
    });
}

function publicView(k: KeyListing) {
  return {
    name: k.name,
    status: k.status,
    store: k.store,
    hosts: k.hosts,
    clients: k.clients,
    expiresAt: k.expiresAt ? new Date(k.expiresAt).toISOString() : undefined,
    budget: k.budgetUsd !== undefined ? { usd: k.budgetUsd } : k.budgetTokens !== undefined ? { tokens: k.budgetTokens } : undefined,
    today: k.today,
    lastUsedAt: k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : undefined,
    masked: k.last4 ? `…${k.last4}` : undefined,
    placeholder: placeholderFor(k.name),
  };
}

function describe(k: KeyListing): string {
  const v = publicView(k);
  const budget = k.budgetUsd !== undefined ? `$${k.today.costUsd.toFixed(2)} of $${k.budgetUsd} today` : k.budgetTokens !== undefined ? `${k.today.tokens} of ${k.budgetTokens} tokens today` : 'no budget';
  return [
    `${k.name}  [${k.status}]  ${v.masked ?? ''}`.trimEnd(),
    `  hosts: ${k.hosts.join(', ')}`,
    `  clients: ${k.clients.join(', ') || 'any'}`,
    `  expires: ${v.expiresAt ?? 'never'}   budget: ${budget}`,
    `  last used: ${v.lastUsedAt ?? 'never'}   store: ${k.store}   placeholder: ${v.placeholder}`,
  ].join('\n');
}
