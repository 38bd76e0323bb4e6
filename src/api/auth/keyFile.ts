import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError, ConflictError } from '../../common/errors.js';
import { SCOPES, type Scope } from './scopes.js';

/**
 * API keys on disk (API_KEYS_FILE, JSON): only each key's SHA-256 is kept, never the key. A key is 32
 * random bytes (base64url) behind the `gck_` prefix, so a plain hash is enough: there is nothing to guess
 * that a slow hash would protect (unlike passwords). Written to a temporary file and renamed, mode 0600.
 */
export const KEY_PREFIX = 'gck_';

export const keyRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(SCOPES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The first characters of the key, to tell keys apart in listings. */
  prefix: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type KeyRecord = z.infer<typeof keyRecordSchema>;

const keyFileSchema = z.object({ version: z.literal(1), keys: z.array(keyRecordSchema) });
type KeyFileContent = z.infer<typeof keyFileSchema>;

export const KEY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class ApiKeyFile {
  constructor(readonly path: string) {}

  /** Every key, revoked ones included. A missing file is an empty list; a malformed one throws. */
  async list(): Promise<KeyRecord[]> {
    return (await this.read()).keys;
  }

  /** Makes a key; the returned `key` is the only time it exists in clear. */
  async create(name: string, scope: Scope, nowMs = Date.now()): Promise<{ record: KeyRecord; key: string }> {
    if (!KEY_NAME.test(name)) throw new ConflictError(`key name '${name}' must be 1–64 characters of A–Z a–z 0–9 _ . -`);
    const content = await this.read();
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record: KeyRecord = {
      id: `k${randomBytes(5).toString('hex')}`,
      name,
      scope,
      sha256: sha256Hex(key),
      prefix: key.slice(0, KEY_PREFIX.length + 6),
      createdAt: new Date(nowMs).toISOString(),
      revokedAt: null,
    };
    content.keys.push(record);
    await this.write(content);
    return { record, key };
  }

  /** Marks a key revoked (kept in the file, so listings show when). */
  async revoke(id: string, nowMs = Date.now()): Promise<KeyRecord> {
    const content = await this.read();
    const record = content.keys.find((k) => k.id === id);
    if (!record) throw new ConflictError(`no key with id '${id}'; see 'gridcast keys list'`);
    record.revokedAt ??= new Date(nowMs).toISOString();
    await this.write(content);
    return record;
  }

  /** mtime and size, to notice changes cheaply; undefined when the file does not exist. */
  async version(): Promise<string | undefined> {
    try {
      const s = await stat(this.path);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private async read(): Promise<KeyFileContent> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
      throw err;
    }
    const parsed = keyFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new ConfigError([`API_KEYS_FILE: ${this.path} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`]);
    return parsed.data;
  }

  private async write(content: KeyFileContent): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}`;
    await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.path);
  }
}
