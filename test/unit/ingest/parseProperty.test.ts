import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadLetterMessage, deadLetterSchema } from '../../../src/ingest/deadletter.js';
import { REJECT_REASONS, parseTelemetryMessage } from '../../../src/ingest/parse.js';

/**
 * Property: whatever arrives, parseTelemetryMessage returns (never throws), and every input ends either as
 * stored points or as dead letters with a known reason and a detail; nothing disappears without either.
 */
const NOW = Date.parse('2026-12-01T12:00:00Z');
const OPTS = { nowMs: NOW, maxAgeMs: 7 * 86_400_000, powerLimitsKw: { load: 1e6, pv: 1e6 } };
const TOPIC = 'gridcast/v1/site-a/f1/m1/telemetry';

function checkOutcome(topic: string, payload: Buffer): void {
  const r = parseTelemetryMessage(topic, payload, OPTS);
  expect(r.points.length + r.rejections.length).toBeGreaterThan(0);
  for (const rej of r.rejections) {
    expect(REJECT_REASONS).toContain(rej.reason);
    expect(rej.detail.length).toBeGreaterThan(10);
    const message = deadLetterMessage(topic, rej, NOW);
    // The meter gets its own copy exactly when the parser could tell which meter sent it.
    expect(message.topics.length).toBe(rej.reason === 'invalid_topic' ? 1 : 2);
    // Every dead letter is what its published schema (AsyncAPI) says.
    const letter = deadLetterSchema.parse(JSON.parse(message.body));
    expect(letter.reason).toBe(rej.reason);
    expect(Buffer.byteLength(letter.payload, letter.payloadEncoding === 'base64' ? 'base64' : 'utf8')).toBeLessThanOrEqual(4096);
  }
  for (const p of r.points) {
    expect(Number.isFinite(p.timeMs)).toBe(true);
    for (const v of Object.values(p.fields)) expect(Number.isFinite(v)).toBe(true);
  }
}

const kind = fc.constantFrom('load', 'pv', 'wind', 'battery', 'weather', 'coal', '', 'LOAD');
const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e308, -1e308, 0, -0, 5e-324, Number.MAX_SAFE_INTEGER));
const ts = fc.oneof(
  fc.integer({ min: NOW - 10 * 86_400_000, max: NOW + 86_400_000 }),
  fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
    .map(([y, mo, d, h]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`),
  fc.string(),
  fc.anything(),
);
/** Reading-shaped objects: the right keys with right and wrong values, sometimes extra keys. */
const readingLike = fc.record(
  { ts, kind, powerKw: num, energyKwh: num, voltageV: num, socPct: num, temperatureC: num, irradianceWm2: num, windSpeedMs: num, extra: fc.anything() },
  { requiredKeys: [] },
);
/** Brackets nested to any depth, closed or not, around a reading. */
const nested = fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.boolean(), fc.constantFrom('[', '{"a":', '[{"b":')).map(([depth, closed, open]) => {
  const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
  return open.repeat(depth) + `{"ts":${NOW},"kind":"load","powerKw":1}` + (closed ? close.repeat(depth) : '');
});

const asPayload = (text: string, encoding: BufferEncoding) => Buffer.from(text, encoding);
const encoding = fc.constantFrom<BufferEncoding>('utf8', 'utf8', 'utf16le', 'latin1');

describe('parseTelemetryMessage (property-based)', () => {
  it('any JSON value, in any encoding: an outcome for every input, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), encoding, (value, enc) => checkOutcome(TOPIC, asPayload(JSON.stringify(value) ?? 'null', enc))),
      { numRuns: 400 },
    );
  });

  it('reading-shaped objects and arrays of them, with wrong types, extremes, impossible dates', () => {
    fc.assert(
      fc.property(fc.oneof(readingLike, fc.array(readingLike, { maxLength: 30 })), encoding, (value, enc) => {
        const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
        checkOutcome(TOPIC, asPayload(text, enc));
      }),
      { numRuns: 600 },
    );
  });

  it('deep nesting, open or closed, up to 20,000 levels', () => {
    fc.assert(fc.property(nested, (text) => checkOutcome(TOPIC, Buffer.from(text))), { numRuns: 150 });
  });

  it('arbitrary bytes and arbitrary text, on arbitrary topics', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constant(TOPIC)), fc.oneof(fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)), fc.string({ unit: 'binary' }).map((s) => Buffer.from(s))), (topic, payload) =>
        checkOutcome(topic, payload),
      ),
      { numRuns: 600 },
    );
  });

  it('large payloads near the 256 KiB limit and bare NaN/Infinity tokens inside arrays', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1200 }), fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '1'), (n, token) => {
        const one = `{"ts":${NOW - 1000},"kind":"load","powerKw":${token},"voltageV":230.25,"energyKwh":12.5,"temperatureC":20}`;
        checkOutcome(TOPIC, Buffer.from(`[${Array.from({ length: n }, () => one).join(',')}]`));
      }),
      { numRuns: 40 },
    );
  });
});
