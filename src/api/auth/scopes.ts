/** API key scopes, each including the one before: read ⊂ operate ⊂ admin. */
export const SCOPES = ['read', 'operate', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function scopeAllows(have: Scope, need: Scope): boolean {
  return SCOPES.indexOf(have) >= SCOPES.indexOf(need);
}

/** Who is asking: a key (from the key file or API_KEYS), or a loopback client under the standalone rule. */
export interface Principal {
  /** Key id (`k…`, `env:<name>`) or `loopback`: what the rate limit counts by. */
  id: string;
  name: string;
  scope: Scope;
  via: 'key' | 'loopback';
}
