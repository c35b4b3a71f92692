import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { belayPaths } from '../paths.js';
import { defaultPolicyText } from './default-policy.js';
import { formatPolicyErrors, parsePolicy, type PolicyError } from './load.js';
import type { Policy } from './schema.js';

export interface PolicyValidation {
  ok: boolean;
  errors: PolicyError[];
}

export interface PolicyChange {
  policy: Policy;
  /** Set when the file on disk is invalid: `policy` is then the last good one. */
  error?: { file: string; errors: PolicyError[]; message: string };
}

export interface PolicyStoreOptions {
  /** Watch the file and reload on change (default true). */
  watch?: boolean;
  /** Debounce for file events, ms (default 150). */
  debounceMs?: number;
  log?: (message: string) => void;
}

/**
 * The live policy: policy.yaml in the data folder, created from the shipped default on
 * first run, reloaded when the file changes. An invalid edit never replaces a working
 * policy: the last good one stays in force and lastError() says what is wrong.
 */
export class PolicyStore {
  private policy: Policy;
  private text: string;
  private error: PolicyChange['error'];
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(c: PolicyChange) => void>();
  private readonly log: (m: string) => void;

  private constructor(readonly file: string, private readonly opts: PolicyStoreOptions) {
    this.log = opts.log ?? ((m) => process.stderr.write(`belay: ${m}\n`));
    const fallback = parsePolicy(defaultPolicyText(), 'default-policy.yaml');
    if (!fallback.ok) throw new Error(`The shipped default policy is invalid:\n${formatPolicyErrors('default-policy.yaml', fallback.errors)}`);
    this.policy = fallback.policy;
    this.text = '';
    this.load(true);
    if (opts.watch ?? true) this.startWatching();
  }

  /** Opens the policy file (default: the data folder's policy.yaml), writing the default first if there is none. */
  static open(file = belayPaths().policy, opts: PolicyStoreOptions = {}): PolicyStore {
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, defaultPolicyText(), { mode: 0o600, flag: 'wx' });
    }
    return new PolicyStore(path.resolve(file), opts);
  }

  current(): Policy {
    return this.policy;
  }

  /** The text of the policy in force (the last good file content). */
  sourceText(): string {
    return this.text;
  }

  lastError(): PolicyChange['error'] {
    return this.error;
  }

  validate(text: string): PolicyValidation {
    const r = parsePolicy(text, path.basename(this.file));
    return { ok: r.ok, errors: r.errors };
  }

  /** Validates, then replaces the file atomically and puts the new policy in force. Invalid text changes nothing. */
  save(text: string): PolicyValidation {
    const r = parsePolicy(text, path.basename(this.file));
    if (!r.ok) return { ok: false, errors: r.errors };
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
    this.apply(r.policy, text);
    return { ok: true, errors: [] };
  }

  /** Re-reads the file now (the watcher calls this; tests and the CLI may too). */
  reload(): PolicyChange {
    this.load(false);
    return { policy: this.policy, error: this.error };
  }

  subscribe(fn: (change: PolicyChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    this.listeners.clear();
  }

  private load(initial: boolean): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      this.fail([{ message: `cannot read the policy file: ${(err as Error).message}` }]);
      return;
    }
    if (!initial && text === this.text && !this.error) return;
    const r = parsePolicy(text, path.basename(this.file));
    if (r.ok) this.apply(r.policy, text);
    else this.fail(r.errors);
  }

  private apply(policy: Policy, text: string): void {
    const hadError = this.error !== undefined;
    this.policy = policy;
    this.text = text;
    this.error = undefined;
    if (hadError) this.log(`policy ${this.file} is valid again and in force.`);
    this.emit();
  }

  private fail(errors: PolicyError[]): void {
    const message = `policy ${this.file} is invalid; the last good policy stays in force:\n${formatPolicyErrors(this.file, errors)}`;
    this.error = { file: this.file, errors, message };
    this.log(message);
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) {
      try {
        fn({ policy: this.policy, error: this.error });
      } catch (err) {
        this.log(`a policy listener failed: ${(err as Error).message}`);
      }
    }
  }

  private startWatching(): void {
    // Watch the folder, not the file: editors save by writing a new file and renaming it
    // over the old one, which would orphan a watch on the file itself.
    const name = path.basename(this.file);
    try {
      this.watcher = watch(path.dirname(this.file), (_event, filename) => {
        if (filename && filename.toString() !== name) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.load(false), this.opts.debounceMs ?? 150);
        this.timer.unref();
      });
      this.watcher.on('error', (err) => this.log(`stopped watching ${this.file}: ${err.message}`));
      this.watcher.unref();
    } catch (err) {
      this.log(`cannot watch ${this.file} for changes (${(err as Error).message}); restart Belay after editing it.`);
    }
  }
}
