import type { Database } from '../audit/database.js';
import type { BelayPaths } from '../paths.js';
import type { Settings } from '../settings.js';
import { chooseStore, storeOfKind } from './choose-store.js';
import { KeyRegistry, lastFour, type KeyRecord, type KeySpend } from './key-registry.js';
import type { Budget } from './key-options.js';
import { checkKeyName, SecretStoreError, type SecretStore, type SecretStoreKind } from './secret-store.js';

export interface KeyPolicy {
  hosts: string[];
  clients: string[];
  expiresAt?: number;
  budget?: Budget;
}

export interface KeyListing extends KeyRecord {
  status: 'active' | 'revoked' | 'expired';
  today: KeySpend;
}

/**
 * Managing brokered keys (what `belay keys` does): the value goes to a secret store, the
 * metadata to the database, and nothing else. Works whether or not Belay is running: the
 * running proxy re-reads a key's row on every request.
 */
export class KeysService {
  readonly registry: KeyRegistry;

  constructor(
    db: Database,
    private readonly paths: BelayPaths,
    private readonly settings: Pick<Settings, 'broker'>,
    /** For tests: the store to use instead of choosing one. */
    private readonly storeOverride?: (kind?: SecretStoreKind) => SecretStore,
  ) {
    this.registry = new KeyRegistry(db);
  }

  async add(name: string, value: string, policy: KeyPolicy): Promise<{ record: KeyRecord; store: SecretStore; fellBack?: string }> {
    checkKeyName(name);
    checkValue(value);
    if (this.registry.get(name)) throw new SecretStoreError(`A key named "${name}" already exists. Use \`belay keys rotate ${name}\` to replace its value, or remove it first.`);
    if (policy.hosts.length === 0) throw new SecretStoreError('A key needs at least one allowed host (--host api.openai.com, or --provider openai).');
    const { store, fellBack } = this.storeOverride ? { store: this.storeOverride(), fellBack: undefined } : await chooseStore(this.settings, this.paths);
    await store.set(name, value);
    const record = this.registry.add({
      name,
      store: store.kind,
      hosts: policy.hosts,
      clients: policy.clients,
      expiresAt: policy.expiresAt,
      budgetUsd: policy.budget && 'usd' in policy.budget ? policy.budget.usd : undefined,
      budgetTokens: policy.budget && 'tokens' in policy.budget ? policy.budget.tokens : undefined,
      last4: lastFour(value),
    });
    return { record, store, fellBack };
  }

  /** New value (and optionally new limits); un-revokes the key. */
  async rotate(name: string, value: string, patch: Partial<KeyPolicy> = {}): Promise<KeyRecord> {
    const rec = this.need(name);
    checkValue(value);
    await this.store(rec.store).set(name, value);
    this.registry.rotated(name, lastFour(value));
    this.update(name, patch);
    return this.need(name);
  }

  /** Changes limits only; the value stays. */
  update(name: string, patch: Partial<KeyPolicy>): KeyRecord {
    this.need(name);
    this.registry.update(name, {
      hosts: patch.hosts && patch.hosts.length ? patch.hosts : undefined,
      clients: patch.clients && patch.clients.length ? patch.clients : undefined,
      expiresAt: patch.expiresAt,
      ...(patch.budget ? ('usd' in patch.budget ? { budgetUsd: patch.budget.usd, budgetTokens: null } : { budgetTokens: patch.budget.tokens, budgetUsd: null }) : {}),
    });
    return this.need(name);
  }

  /** Cuts every copilot off at once; the value stays stored until `remove` (or a rotate brings it back). */
  revoke(name: string): boolean {
    this.need(name);
    return this.registry.revoke(name);
  }

  async remove(name: string): Promise<{ storeRemoved: boolean }> {
    const rec = this.need(name);
    // The row goes first: from then on no proxy will use the key, even if the store fails.
    this.registry.remove(name);
    const storeRemoved = await this.store(rec.store).delete(name);
    return { storeRemoved };
  }

  list(now = Date.now()): KeyListing[] {
    return this.registry.list().map((r) => ({
      ...r,
      status: r.revokedAt !== undefined ? 'revoked' : r.expiresAt !== undefined && r.expiresAt <= now ? 'expired' : 'active',
      today: this.registry.spend(r.name, now),
    }));
  }

  private need(name: string): KeyRecord {
    const rec = this.registry.get(name);
    if (!rec) throw new SecretStoreError(`There is no Belay key named "${name}" (see \`belay keys list\`).`);
    return rec;
  }

  private store(kind: SecretStoreKind): SecretStore {
    return this.storeOverride ? this.storeOverride(kind) : storeOfKind(kind, this.paths);
  }
}

function checkValue(value: string): void {
  if (value.length === 0) throw new SecretStoreError('The key value is empty: pipe it on stdin or name an environment variable with --from-env.');
  if (value.length > 16 * 1024) throw new SecretStoreError('The key value is longer than 16 KiB; that is not an API key.');
  if (/[\r\n\0]/.test(value)) throw new SecretStoreError('The key value contains a line break or NUL; paste only the key.');
  if (value.startsWith('belay-key:')) throw new SecretStoreError('That is a Belay placeholder, not a real key.');
}
