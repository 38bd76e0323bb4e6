import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { ApiKeyFile, sha256Hex } from './keyFile.js';
import type { Principal, Scope } from './scopes.js';

/** Longest credential worth hashing; anything longer is refused unread. */
const MAX_KEY_LENGTH = 512;
/** How often the key file is checked for changes (new or revoked keys). */
const RELOAD_CHECK_MS = 1000;

/**
 * Checks presented keys against the key file's hashes and API_KEYS. The file is stat'ed at most once a
 * second and re-read when it changed, so `gridcast keys create|revoke` apply to a running server. A file
 * that can't be parsed fails closed: none of its keys are accepted until it is fixed.
 */
export class ApiKeyVerifier {
  private byHash = new Map<string, Principal>();
  private readonly envByHash: Map<string, Principal>;
  private fileVersion: string | undefined = 'unread';
  private checkedAtMs = 0;
  private reloading: Promise<void> | undefined;

  constructor(
    private readonly file: ApiKeyFile,
    envKeys: readonly { name: string; scope: Scope; key: string }[],
    private readonly logger: Logger,
  ) {
    this.envByHash = new Map(envKeys.map((k) => [sha256Hex(k.key), { id: `env:${k.name}`, name: k.name, scope: k.scope, via: 'key' } satisfies Principal]));
  }

  async verify(key: string): Promise<Principal | undefined> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) return undefined;
    await this.maybeReload();
    const hash = sha256Hex(key);
    return this.envByHash.get(hash) ?? this.byHash.get(hash);
  }

  private maybeReload(): Promise<void> {
    if (Date.now() - this.checkedAtMs < RELOAD_CHECK_MS) return Promise.resolve();
    this.reloading ??= this.reload().finally(() => {
      this.checkedAtMs = Date.now();
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async reload(): Promise<void> {
    let version: string | undefined;
    try {
      version = await this.file.version();
      if (version === this.fileVersion) return;
      const keys = await this.file.list();
      this.byHash = new Map(keys.filter((k) => !k.revokedAt).map((k) => [k.sha256, { id: k.id, name: k.name, scope: k.scope, via: 'key' } satisfies Principal]));
      this.logger.info({ file: this.file.path, keys: this.byHash.size }, 'API keys loaded');
    } catch (err) {
      this.byHash = new Map();
      this.logger.error({ file: this.file.path, err: errorMessage(err) }, 'API key file unreadable: its keys are refused until it is fixed');
    }
    // Also after a failure: the same broken file is not re-read (and re-logged) every second.
    this.fileVersion = version;
  }
}
