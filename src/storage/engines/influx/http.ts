import {
  HttpError,
  createTextDecoderCombiner,
  type CommunicationObserver,
  type SendOptions,
  type Transport,
} from '@influxdata/influxdb-client';
import { z } from 'zod';
import type { InfluxConfig } from '../../../config/index.js';
import type { InfluxQueryResponse } from './query.js';

/** The major version the requests are shaped for; undefined while `auto` has not read /ping yet. */
export type InfluxMajor = 1 | 2 | 3;

/** Where the client's writes go: v1 `/write`, v2 `/api/v2/write`, or InfluxDB 3's native `/api/v3/write_lp`. */
export type WriteEndpoint = 'v1' | 'v2' | 'v3';

/** `precision` of the client's v2 path → the names /api/v3/write_lp documents (auto, nanosecond, microsecond, millisecond, second). */
const V3_PRECISION: Record<string, string> = { ns: 'nanosecond', us: 'microsecond', ms: 'millisecond', s: 'second' };

/** The version InfluxDB 3 puts in its /ping body (`{"version":"3.0.1","revision":"…"}`); it documents no version header. */
const pingBody = z.object({ version: z.string().min(1) });

/**
 * The one place that speaks HTTP to InfluxDB: /ping, /query (InfluxQL, served by 1.x, 2.x with DBRP
 * and 3.x's v1-compatible API alike) and the write transport handed to @influxdata/influxdb-client's
 * WriteApi. Every request, /ping included, carries the credentials: InfluxDB 3 Core and Enterprise
 * refuse an unauthenticated /ping unless started without authentication.
 */
export class InfluxHttp {
  private readonly base: string;
  private authHeader: string | undefined;

  constructor(private readonly cfg: InfluxConfig) {
    this.base = cfg.url.replace(/\/+$/, '');
    this.authHeader = authorization(cfg, cfg.version === 'auto' ? undefined : (Number(cfg.version) as InfluxMajor));
  }

  /**
   * Shapes the following requests for the version /ping reported (INFLUX_VERSION=auto): a token goes
   * as `Bearer` to InfluxDB 3, as `Token` to 1.x and 2.x. An explicit INFLUX_VERSION is left as set.
   */
  useVersion(major: InfluxMajor | undefined): void {
    if (this.cfg.version === 'auto') this.authHeader = authorization(this.cfg, major);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.authHeader ? { authorization: this.authHeader, ...extra } : extra;
  }

  /**
   * Server version, e.g. '1.6.7~rc0' or 'v2.7.11' from the X-Influxdb-Version header (1.x, 2.x), or
   * '3.0.1' from InfluxDB 3's JSON body; undefined if the server says neither.
   */
  async ping(): Promise<string | undefined> {
    const res = await this.fetch('/ping', { method: 'GET', headers: this.headers() });
    if (res.status !== 204 && res.status !== 200) throw await toHttpError(res, 'GET /ping');
    const header = res.headers.get('x-influxdb-version');
    const body = await res.text();
    if (header) return header;
    if (!body) return undefined;
    try {
      const parsed = pingBody.safeParse(JSON.parse(body));
      return parsed.success ? parsed.data.version : undefined;
    } catch {
      // A body that is not JSON says nothing about the version; the server still answered.
      return undefined;
    }
  }

  /**
   * Runs one InfluxQL statement on /query: never several separated by `;`, which InfluxDB 3 refuses.
   * 3.x serves /query as its documented v1-compatible endpoint, with the same JSON shape and `epoch`,
   * so one parser reads every version. `write` statements (CREATE DATABASE) must be POSTed.
   */
  async query(q: string, opts: { post?: boolean; database?: string } = {}): Promise<InfluxQueryResponse> {
    const params = new URLSearchParams({ q, epoch: 'ms' });
    if (opts.database) params.set('db', opts.database);
    if (this.cfg.retentionPolicy) params.set('rp', this.cfg.retentionPolicy);
    const res = opts.post
      ? await this.fetch('/query', {
          method: 'POST',
          headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
          body: params.toString(),
        })
      : await this.fetch(`/query?${params}`, { method: 'GET', headers: this.headers() });
    if (!res.ok) throw await toHttpError(res, 'InfluxQL query');
    return (await res.json()) as InfluxQueryResponse;
  }

  /**
   * Transport for the client's WriteApi. The client always writes to /api/v2/write; servers older than
   * 1.8 (Debian's 1.6.7) only have the v1 /write endpoint, and InfluxDB 3's native endpoint is
   * /api/v3/write_lp, so for `v1` and `v3` the path is rewritten (database and precision carried over).
   */
  writeTransport(endpoint: WriteEndpoint): Transport {
    const rewrite = (path: string): string => {
      if (endpoint === 'v2' || !path.startsWith('/api/v2/write')) return path;
      const v2 = new URLSearchParams(path.slice(path.indexOf('?') + 1));
      const precision = v2.get('precision') ?? 'ms';
      if (endpoint === 'v3') {
        // accept_partial stays at its default (true): like 1.x and 2.x, the good lines of a batch with a bad one are kept.
        return `/api/v3/write_lp?${new URLSearchParams({ db: this.cfg.database, precision: V3_PRECISION[precision] ?? precision })}`;
      }
      const v1 = new URLSearchParams({ db: this.cfg.database, precision });
      if (this.cfg.retentionPolicy) v1.set('rp', this.cfg.retentionPolicy);
      return `/write?${v1}`;
    };
    return {
      chunkCombiner: createTextDecoderCombiner(),
      send: (path: string, body: string, options: SendOptions, callbacks?: Partial<CommunicationObserver<Uint8Array>>) => {
        this.fetch(rewrite(path), {
          method: options.method,
          headers: this.headers({ 'content-type': 'text/plain; charset=utf-8' }),
          body,
        })
          .then(async (res) => {
            const headers = Object.fromEntries(res.headers.entries());
            callbacks?.responseStarted?.(headers, res.status);
            if (!res.ok) {
              callbacks?.error?.(await toHttpError(res, 'write'));
              return;
            }
            const data = new Uint8Array(await res.arrayBuffer());
            if (data.length > 0) callbacks?.next?.(data);
            callbacks?.complete?.();
          })
          .catch((err: unknown) => callbacks?.error?.(err instanceof Error ? err : new Error(String(err))));
      },
      request: () => Promise.reject(new Error('gridcast reads InfluxDB through InfluxQL (/query), not the Flux API')),
      iterate: () => {
        throw new Error('gridcast reads InfluxDB through InfluxQL (/query), not the Flux API');
      },
    };
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, { ...init, signal: AbortSignal.timeout(this.cfg.timeoutMs) });
    } catch (err) {
      // Surface the socket error code (ECONNREFUSED, …) that undici hides in `cause`.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const wrapped = new Error(`InfluxDB at ${this.base} unreachable: ${cause?.message ?? (err as Error).message}`);
      (wrapped as Error & { code?: string }).code = cause?.code ?? (err as Error).name;
      throw wrapped;
    }
  }
}

async function toHttpError(res: Response, what: string): Promise<HttpError> {
  const body = await res.text();
  return new HttpError(
    res.status,
    res.statusText,
    body,
    res.headers.get('retry-after'),
    res.headers.get('content-type'),
    `${what} failed: HTTP ${res.status} ${body.slice(0, 500)}`,
  );
}

/** Parses '1.6.7~rc0', 'v2.7.11', '3.0.1' into major/minor; undefined when unknown. */
export function parseVersion(v: string | undefined): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v ?? '');
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * The Authorization header for this server: a token as `Bearer` on InfluxDB 3 (the scheme it accepts
 * on every endpoint) and as `Token` on 1.x/2.x (and while the version is not yet known, as before);
 * 1.x credentials as Basic.
 */
export function authorization(cfg: Pick<InfluxConfig, 'token' | 'username' | 'password'>, major: InfluxMajor | undefined): string | undefined {
  if (cfg.token) return major === 3 ? `Bearer ${cfg.token}` : `Token ${cfg.token}`;
  if (cfg.username) return `Basic ${Buffer.from(`${cfg.username}:${cfg.password ?? ''}`).toString('base64')}`;
  return undefined;
}
