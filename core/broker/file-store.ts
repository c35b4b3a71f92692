import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SecretStoreError, type SecretStore } from './secret-store.js';

/**
 * The fallback when no OS keychain is reachable: an AES-256-GCM encrypted file, the AES key
 * derived with scrypt from a random master key kept in a second file beside it (both
 * 0600). WEAKER than a keychain: anyone who can read the user's files (another process
 * running as the user, a backup, a stolen unencrypted disk) can read both files and
 * decrypt. It keeps keys out of plain-text config files, logs and screen shares, nothing
 * more. docs/keys.md says so.
 */
interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

interface VaultFile {
  version: 1;
  /** scrypt salt (base64). */
  salt: string;
  entries: Record<string, Sealed>;
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export class EncryptedFileStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly description: string;
  private derived: { salt: string; key: Buffer } | undefined;

  constructor(
    private readonly vaultPath: string,
    private readonly masterKeyPath: string,
  ) {
    this.description = `encrypted file ${vaultPath} (weaker than a keychain: its key is in ${path.basename(masterKeyPath)} beside it)`;
  }

  async set(name: string, value: string): Promise<void> {
    const vault = this.read() ?? { version: 1, salt: randomBytes(16).toString('base64'), entries: {} };
    const key = this.key(vault.salt, true);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    vault.entries[name] = { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    this.write(vault);
  }

  async get(name: string): Promise<string | undefined> {
    const vault = this.read();
    const sealed = vault?.entries[name];
    if (!vault || !sealed) return undefined;
    const key = this.key(vault.salt, false);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretStoreError(`Key "${name}" in ${this.vaultPath} cannot be decrypted (the file or ${this.masterKeyPath} was changed or replaced). Store it again with \`belay keys rotate ${name}\`.`);
    }
  }

  async delete(name: string): Promise<boolean> {
    const vault = this.read();
    if (!vault?.entries[name]) return false;
    delete vault.entries[name];
    this.write(vault);
    return true;
  }

  private read(): VaultFile | undefined {
    let text: string;
    try {
      text = readFileSync(this.vaultPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SecretStoreError(`Cannot read ${this.vaultPath}: ${(err as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as VaultFile;
      if (parsed.version !== 1 || typeof parsed.salt !== 'string' || typeof parsed.entries !== 'object') throw new Error('unknown layout');
      return parsed;
    } catch (err) {
      throw new SecretStoreError(`${this.vaultPath} is not a Belay key file (${(err as Error).message}). Move it away and add the keys again.`);
    }
  }

  private write(vault: VaultFile): void {
    mkdirSync(path.dirname(this.vaultPath), { recursive: true, mode: 0o700 });
    const tmp = `${this.vaultPath}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(vault, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.vaultPath);
  }

  /** The AES key: scrypt(master key, salt). Derived once per process (scrypt is slow on purpose). */
  private key(salt: string, create: boolean): Buffer {
    if (this.derived?.salt === salt) return this.derived.key;
    const master = this.masterKey(create);
    const key = scryptSync(master, Buffer.from(salt, 'base64'), 32, SCRYPT);
    this.derived = { salt, key };
    return key;
  }

  private masterKey(create: boolean): Buffer {
    if (existsSync(this.masterKeyPath)) {
      const raw = readFileSync(this.masterKeyPath);
      if (raw.length !== 32) throw new SecretStoreError(`${this.masterKeyPath} is not a Belay master key (wrong length). The keys it protected are lost; add them again.`);
      return raw;
    }
    if (!create) throw new SecretStoreError(`${this.masterKeyPath} is missing, so ${this.vaultPath} cannot be decrypted. Add the keys again.`);
    mkdirSync(path.dirname(this.masterKeyPath), { recursive: true, mode: 0o700 });
    const master = randomBytes(32);
    writeFileSync(this.masterKeyPath, master, { mode: 0o600, flag: 'wx' });
    chmodSync(this.masterKeyPath, 0o600);
    return master;
  }
}
