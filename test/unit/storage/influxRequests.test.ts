/**
 * The requests gridcast makes of InfluxDB 3 (and the token scheme it uses on 2.x), recorded by a tiny
 * node:http server that answers in the formats the InfluxDB 3 Core API reference documents
 * (docs.influxdata.com/influxdb3/core/api/: /ping 200 with a JSON body, /api/v3/write_lp 204 or 400/422,
 * the v1-compatible /query with `results[].series[]`, 401 without a valid token).
 *
 * This checks request shapes against the documentation, not against a real InfluxDB 2.x or 3.x server:
 * none runs on this machine (only Debian's InfluxDB 1.6.7, which test/integration/storage runs).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, StoreRejectedError, StoreUnavailableError } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import { loadConfig } from '../../../src/config/index.js';
import { TELEMETRY_FIELDS } from '../../../src/contract/index.js';
import { separatesStatements } from '../../../src/storage/engines/influx/query.js';
import { openInfluxStores, type Stores } from '../../../src/storage/index.js';

interface Recorded {
  method: string;
  path: string;
  params: URLSearchParams;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

interface FakeOptions {
  /** The version this fake is: 3 answers /ping as InfluxDB 3 does, 2 as InfluxDB 2.x. */
  major: 2 | 3;
  /** Required Authorization header; undefined = a server started without authentication. */
  requireAuth?: string;
  /** Status for a write whose body contains `reject` (400 and 422 are the documented refusals). */
  rejectStatus?: number;
}

const TOKEN = 'apiv3_test-token';
const T = 1_700_000_000_000;
let servers: Server[] = [];
let stores: Stores[] = [];

afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
  stores = [];
});

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The fake server and what it was asked, in order. */
async function fakeInflux(opts: FakeOptions): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', path: url.pathname, params: url.searchParams, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (opts.requireAuth !== undefined && req.headers.authorization !== opts.requireAuth) return json(401, { error: 'the request was not authenticated' });
      if (url.pathname === '/ping') {
        if (opts.major === 3) return json(200, { version: '3.0.1', revision: 'd1e2f3a' });
        res.writeHead(204, { 'x-influxdb-version': 'v2.7.11' });
        return res.end();
      }
      if (url.pathname === '/api/v3/write_lp' || url.pathname === '/api/v2/write') {
        if (body.includes('reject')) {
          return json(opts.rejectStatus ?? 400, { error: 'write of line protocol failed', data: [{ original_line: body.split('\n')[0], line_number: 1, error_message: 'invalid column type' }] });
        }
        res.writeHead(204);
        return res.end();
      }
      if (url.pathname === '/query') {
        const q = url.searchParams.get('q') ?? '';
        // InfluxDB 3 takes one statement per request: answer a list the way a refusal looks.
        if (separatesStatements(q)) return json(400, { error: 'error parsing query: multiple statements are not supported' });
        if (q.startsWith('SELECT last("power_kw")')) {
          return json(200, {
            results: [{ statement_id: 0, series: [{ name: 'telemetry', tags: { site: 's', feeder: 'f', meter: 'm', kind: 'load' }, columns: ['time', 'last'], values: [[T, 1.5]] }] }],
          });
        }
        return json(200, { results: [{ statement_id: 0 }] });
      }
      return json(404, { error: `no ${url.pathname} here` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function open(url: string, env: Record<string, string>): Stores {
  const s = openInfluxStores(loadConfig({ INFLUX_URL: url, INFLUX_TIMEOUT_MS: '2000', ...env }).influx!, silentLogger, { lockSettleMs: 0 });
  stores.push(s);
  return s;
}

const point = { site: 's', feeder: 'f', meter: 'm', kind: 'load', timeMs: T, fields: { power_kw: 1.5 } } as const;

describe('InfluxDB 3 request shapes (INFLUX_VERSION=3), checked against the documented API, not a real server', () => {
  it('sends the token as Bearer on every request, /ping included', async () => {
    const fake = await fakeInflux({ major: 3, requireAuth: `Bearer ${TOKEN}` });
    const s = open(fake.url, { INFLUX_VERSION: '3', INFLUX_TOKEN: TOKEN });
    await s.init();
    await s.telemetry.writePoints([point]);
    await s.telemetry.lastSeen();
    expect(await s.health()).toEqual({ ok: true, engine: 'influxdb', version: '3.0.1' });
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/ping' });
    expect(fake.requests.length).toBeGreaterThan(3);
    for (const r of fake.requests) expect(r.authorization, `${r.method} ${r.path}`).toBe(`Bearer ${TOKEN}`);
  });

  it('writes to /api/v3/write_lp?db=…&precision=millisecond, line protocol with ms timestamps, and creates no database', async () => {
    const fake = await fakeInflux({ major: 3 });
    const s = open(fake.url, { INFLUX_VERSION: '3', INFLUX_DATABASE: 'grid', INFLUX_TOKEN: TOKEN });
    await s.telemetry.writePoints([point]);
    const writes = fake.requests.filter((r) => r.method === 'POST');
    expect(writes).toHaveLength(1);
    expect(writes[0]!.path).toBe('/api/v3/write_lp');
    expect(Object.fromEntries(writes[0]!.params)).toEqual({ db: 'grid', precision: 'millisecond' });
    expect(writes[0]!.contentType).toMatch(/^text\/plain/);
    expect(writes[0]!.body).toBe(`telemetry,feeder=f,kind=load,meter=m,site=s power_kw=1.5 ${T}`);
    // No CREATE DATABASE (1.x only): write_lp creates the database.
    expect(fake.requests.some((r) => r.path === '/query')).toBe(false);
  });

  it('reads with one InfluxQL statement per GET /query (db, epoch=ms, no rp), never SHOW SERIES', async () => {
    const fake = await fakeInflux({ major: 3 });
    const s = open(fake.url, { INFLUX_VERSION: '3', INFLUX_DATABASE: 'grid' });
    expect(await s.telemetry.lastSeen()).toEqual([{ site: 's', feeder: 'f', meter: 'm', kind: 'load', lastSeenMs: T }]);
    expect(await s.telemetry.listSeries({ site: 's' })).toEqual([{ site: 's', feeder: 'f', meter: 'm', kind: 'load' }]);
    await s.forecasts.readForecasts({ site: 's', feeder: 'all', target: 'load', fromMs: T, toMs: T + 3_600_000 });
    const queries = fake.requests.filter((r) => r.path === '/query');
    expect(queries).toHaveLength(2 * TELEMETRY_FIELDS.length + 1);
    for (const r of queries) {
      expect(r.method).toBe('GET');
      expect([...r.params.keys()].sort()).toEqual(['db', 'epoch', 'q']);
      expect(r.params.get('db')).toBe('grid');
      expect(r.params.get('epoch')).toBe('ms');
      expect(r.params.get('q')).not.toMatch(/SHOW\s+SERIES/i);
      expect(separatesStatements(r.params.get('q')!)).toBe(false);
    }
  });

  it('dead-letters a batch /api/v3/write_lp refuses with 400 or 422 (StoreRejectedError), not retried', async () => {
    for (const status of [400, 422]) {
      const fake = await fakeInflux({ major: 3, rejectStatus: status });
      const s = open(fake.url, { INFLUX_VERSION: '3' });
      await expect(s.telemetry.writePoints([{ ...point, meter: 'reject' }])).rejects.toThrow(StoreRejectedError);
      expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    }
  });

  it('auto: reads 3.x from the /ping body of a server without authentication and then writes natively', async () => {
    const fake = await fakeInflux({ major: 3 });
    const s = open(fake.url, {});
    await s.telemetry.writePoints([point]);
    expect(fake.requests.map((r) => r.path)).toEqual(['/ping', '/api/v3/write_lp']);
  });

  it('auto with a token: a 3.x /ping answering 401 says to set INFLUX_VERSION=3', async () => {
    const fake = await fakeInflux({ major: 3, requireAuth: `Bearer ${TOKEN}` });
    const s = open(fake.url, { INFLUX_TOKEN: TOKEN });
    const err = await s.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/401.*INFLUX_VERSION=3/s);
    expect(fake.requests[0]!.authorization).toBe(`Token ${TOKEN}`);
  });

  it('auto: a retention policy against a server reporting 3.x is a ConfigError', async () => {
    const fake = await fakeInflux({ major: 3 });
    await expect(open(fake.url, { INFLUX_RETENTION_POLICY: 'autogen' }).init()).rejects.toThrow(ConfigError);
  });
});

describe('InfluxDB 2.x request shapes, checked against the documented API, not a real server', () => {
  it('sends the token as `Token` on every request, /ping included, and writes to /api/v2/write', async () => {
    const fake = await fakeInflux({ major: 2, requireAuth: `Token ${TOKEN}` });
    const s = open(fake.url, { INFLUX_TOKEN: TOKEN, INFLUX_ORG: 'o', INFLUX_DATABASE: 'grid' });
    await s.telemetry.writePoints([point]);
    await s.telemetry.lastSeen();
    const write = fake.requests.find((r) => r.method === 'POST')!;
    expect(write.path).toBe('/api/v2/write');
    expect(Object.fromEntries(write.params)).toEqual({ org: 'o', bucket: 'grid', precision: 'ms' });
    for (const r of fake.requests) expect(r.authorization, `${r.method} ${r.path}`).toBe(`Token ${TOKEN}`);
  });
});

describe('INFLUX_VERSION in the config', () => {
  it('defaults to auto and refuses combinations InfluxDB 3 or 1.x/2.x cannot serve, naming the key', () => {
    expect(loadConfig({ INFLUX_URL: 'http://h:8086' }).influx!.version).toBe('auto');
    expect(() => loadConfig({ INFLUX_URL: 'http://h:8086', INFLUX_VERSION: '4' })).toThrow(/INFLUX_VERSION: got '4'/);
    expect(() => loadConfig({ INFLUX_URL: 'http://h:8086', INFLUX_VERSION: '3', INFLUX_RETENTION_POLICY: 'autogen' })).toThrow(/INFLUX_RETENTION_POLICY: .*no retention policies/);
    expect(() => loadConfig({ INFLUX_URL: 'http://h:8086', INFLUX_VERSION: '2', INFLUX_WRITE_ENDPOINT: 'v3' })).toThrow(/INFLUX_WRITE_ENDPOINT: .*only on InfluxDB 3/);
  });
});
