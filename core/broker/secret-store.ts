/**
 * Where brokered key values live. Belay's database only holds a key's metadata; the value
 * is kept by one of these stores and read back only at the proxy, in memory, to swap a
 * placeholder for it.
 */

export type SecretStoreKind = 'secret-service' | 'keychain' | 'credential-manager' | 'file';

export interface SecretStore {
  readonly kind: SecretStoreKind;
  /** Human words for `belay keys` output ("Linux Secret Service (secret-tool)"). */
  readonly description: string;
  /** Stores or replaces the value of `name`. */
  set(name: string, value: string): Promise<void>;
  /** The value, or undefined when the store has no entry for `name`. */
  get(name: string): Promise<string | undefined>;
  /** Removes the entry; false when there was none. */
  delete(name: string): Promise<boolean>;
}

/** The service/attribute name every OS store files Belay's keys under. */
export const STORE_SERVICE = 'belay';

/** A store failed in a way the user must act on (locked keyring, missing tool, bad file). */
export class SecretStoreError extends Error {}

/** Key names are identifiers: they appear in placeholders, headers and command lines. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkKeyName(name: string): string {
  if (!KEY_NAME_PATTERN.test(name)) {
    throw new SecretStoreError(`"${name}" is not a key name: use 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit.`);
  }
  return name;
}
