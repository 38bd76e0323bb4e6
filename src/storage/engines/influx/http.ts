import {
  HttpError,
  createTextDecoderCombiner,
  type CommunicationObserver,
  type SendOptions,
  type Transport,
} from '@influxdata/influxdb-client';
import type { InfluxConfig } from '../../../config/index.js';
import type { InfluxQueryResponse } from './query.js';

/**
 * The one place that speaks HTTP to InfluxDB: /ping, /query (InfluxQL, served by 1.x, 2.x with DBRP
 * and 3.x alike) and the write transport handed to @influxdata/influxdb-client's WriteApi.
 */
export class InfluxHttp {
  private readonly base: string;
  private readonly authHeader: string | undefined;

  constructor(private readonly cfg: InfluxConfig) {
    this.base = cfg.url.replace(/\/+$/, '');
    if (cfg.token) this.authHeader = `Token ${cfg.token}`;
    else if (cfg.username) this.authHeader = `Basic ${Buffer.from(`${cfg.username}:${cfg.password ?? ''}`).toString('base64')}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.authHeader ? { authorization: this.authHeader, ...extra } : extra;
  }

  /** Server version from the /ping header, e.g. '1.6.7~rc0' or 'v2.7.11'; undefined if the server doesn't say. */
  async ping(): Promise<string | undefined> {
    const res = await this.fetch('/ping', { method: 'GET' });
    await res.arrayBuffer();
    if (res.status !== 204 && res.status !== 200) throw await toHttpError(res, 'GET /ping');
    return res.headers.get('x-influxdb-version') ?? undefined;
  }

  /** Runs one InfluxQL statement. `write` statements (CREATE DATABASE) must be POSTed. */
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
   * 1.8 (Debian's 1.6.7) only have the v1 /write endpoint, so with `v1Writes` the path is rewritten.
   */
  writeTransport(v1Writes: boolean): Transport {
    const rewrite = (path: string): string => {
      if (!v1Writes || !path.startsWith('/api/v2/write')) return path;
      const v2 = new URLSearchParams(path.slice(path.indexOf('?') + 1));
      const v1 = new URLSearchParams({ db: this.cfg.database, precision: v2.get('precision') ?? 'ms' });
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
