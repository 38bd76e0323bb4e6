import { describe, expect, it } from 'vitest';
import { DEADLETTER_TOPIC, meterDeadLetterTopic, telemetryTopic, weatherForecastTopic } from '../../../src/contract/index.js';
import { deadLetterMessage } from '../../../src/ingest/deadletter.js';
import type { Rejection } from '../../../src/ingest/parse.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const rejection: Rejection = { reason: 'missing_field', detail: 'powerKw is missing: required for kind load', payload: Buffer.from('{"ts":1,"kind":"load"}') };

describe('deadLetterMessage: where a dead letter goes', () => {
  it("goes to the global topic and to the meter's own when the topic names a meter", () => {
    const m = deadLetterMessage(telemetryTopic('north', 'feeder-7', 'm-0042'), rejection, NOW);
    expect(m.topics).toEqual([DEADLETTER_TOPIC, 'gridcast/v1/north/feeder-7/m-0042/deadletter']);
    expect(meterDeadLetterTopic('north', 'feeder-7', 'm-0042')).toBe(m.topics[1]);
    expect(JSON.parse(m.body)).toMatchObject({ topic: 'gridcast/v1/north/feeder-7/m-0042/telemetry', reason: 'missing_field' });
  });

  it.each([
    ['a segment breaking the id rule', 'gridcast/v1/north/feeder 7/m-0042/telemetry'],
    ['a segment over 64 characters', `gridcast/v1/${'s'.repeat(65)}/f/m/telemetry`],
    ['too few segments', 'gridcast/v1/north/m-0042/telemetry'],
    ['another prefix', 'gridcast/v2/north/feeder-7/m-0042/telemetry'],
    ['a site weather forecast', weatherForecastTopic('north')],
  ])('goes to the global topic only for %s', (_name, topic) => {
    expect(deadLetterMessage(topic, { ...rejection, reason: 'invalid_topic' }, NOW).topics).toEqual([DEADLETTER_TOPIC]);
  });
});
