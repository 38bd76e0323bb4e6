import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiProblem } from '../problem.js';
import type { ApiKeyVerifier } from './keyVerifier.js';
import { scopeAllows, type Principal, type Scope } from './scopes.js';

declare global {
  namespace Express {
    interface Locals {
      /** Set by authenticate() when the request carries a valid key or falls under the loopback rule. */
      principal?: Principal;
      /** Why there is no principal: no credential, or one that matched no key. */
      authFailure?: 'missing' | 'invalid';
    }
  }
}

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, '');
  return a === '::1' || a === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/**
 * Whether a Host header names this machine's loopback interface: localhost, 127.0.0.1 or [::1], with no port
 * or this server's own port. A page in a browser on this host can reach 127.0.0.1 under any name through DNS
 * rebinding (evil.example → 127.0.0.1), but the browser still sends that name as Host: requiring a loopback
 * name keeps such pages out of the keyless loopback reads.
 */
export function isLoopbackHost(host: string | undefined, localPort: number | undefined): boolean {
  if (!host) return false;
  const m = /^(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m) return false;
  return m[2] === undefined || Number(m[2]) === localPort;
}

export interface AuthenticateOptions {
  verifier: ApiKeyVerifier;
  /** API_LOOPBACK_READ. */
  loopbackRead: boolean;
  /** HTTP_HOST: the loopback rule applies only when the server can't be reached from other machines. */
  host: string;
}

/**
 * Finds who is asking, rejecting nothing yet (the rate limiter runs next and counts failed attempts by
 * client address). A credential (`Authorization: Bearer …` or `X-API-Key`) is always checked, even from
 * loopback. Without one, a loopback client gets read access only when the server listens on loopback
 * only, the request names a loopback Host (DNS rebinding) and shows no sign of a proxy (a proxy on the same
 * host would relay the world).
 */
export function authenticate(opts: AuthenticateOptions): RequestHandler {
  const loopbackOpen = opts.loopbackRead && isLoopbackAddress(opts.host);
  return async (req: Request, res: Response, next: NextFunction) => {
    const credential = presentedKey(req);
    if (credential !== undefined) {
      const principal = await opts.verifier.verify(credential);
      if (principal) res.locals.principal = principal;
      else res.locals.authFailure = 'invalid';
    } else if (
      loopbackOpen &&
      isLoopbackAddress(req.socket.remoteAddress) &&
      isLoopbackHost(req.headers.host, req.socket.localPort) &&
      !PROXY_HEADERS.some((h) => req.headers[h] !== undefined)
    ) {
      res.locals.principal = { id: 'loopback', name: 'loopback', scope: 'read', via: 'loopback' };
    } else {
      res.locals.authFailure = 'missing';
    }
    next();
  };
}

function presentedKey(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1]! : ''; // a malformed Authorization header is an invalid credential, not a missing one
  }
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  if (Array.isArray(header)) return ''; // sent twice: ambiguous, refused
  return undefined;
}

/** The principal, or a 401 problem saying what was wrong with the credential. */
export function principalOf(res: Response): Principal {
  const p = res.locals.principal;
  if (p) return p;
  const detail =
    res.locals.authFailure === 'invalid'
      ? 'The API key given does not match any active key (revoked, mistyped, or from another installation).'
      : "This endpoint needs an API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'. Create one with 'gridcast keys create --scope read --name <who>'.";
  throw new ApiProblem('unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer realm="gridcast"' });
}

/** 403 unless the principal's scope includes `need`. */
export function requireScope(principal: Principal, need: Scope): void {
  if (!scopeAllows(principal.scope, need)) {
    // Without a key, loopback reads are open; writing needs a key, and the answer says how to get one.
    const how =
      principal.via === 'loopback'
        ? ` Requests from this machine without a key may only read. Create a key with 'gridcast keys create --scope ${need} --name <who>' and send it as 'Authorization: Bearer <key>'.`
        : '';
    throw new ApiProblem('forbidden', `This needs a key with scope '${need}' (scopes: read ⊂ operate ⊂ admin); the key '${principal.name}' has '${principal.scope}'.${how}`);
  }
}
