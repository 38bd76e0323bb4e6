import { z } from 'zod';
import { REJECT_REASONS, type Rejection } from './parse.js';
import { DEADLETTER_TOPIC, meterDeadLetterTopic, telemetryTopicMeter } from '../contract/index.js';

export const DEADLETTER_PAYLOAD_MAX_BYTES = 4096;

/**
 * What is published on gridcast/v1/deadletter and the meter's own gridcast/v1/<site>/<feeder>/<meter>/deadletter
 * (docs/telemetry.md: "Dead letters"); a schema so the AsyncAPI document can carry it.
 */
export const deadLetterSchema = z.strictObject({
  topic: z.string().describe('The topic the refused message came on'),
  reason: z.enum(REJECT_REASONS),
  detail: z.string().describe('What was wrong and how to fix it'),
  index: z.number().int().min(0).describe('Position in an array payload, when one reading of several was refused').optional(),
  receivedAt: z.iso.datetime(),
  payloadBytes: z.number().int().min(0).describe('Size of the refused payload (or reading), bytes'),
  payloadEncoding: z.enum(['utf8', 'base64']),
  truncated: z.boolean().describe(`true when the payload was cut to ${DEADLETTER_PAYLOAD_MAX_BYTES} bytes`),
  payload: z.string(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/**
 * Builds the dead-letter message: the original topic, the reason and the payload cut to 4 KiB. It goes to the
 * global topic and, when the original topic names a meter, to that meter's own, so the meter can learn why.
 */
export function deadLetterMessage(originalTopic: string, rejection: Rejection, receivedAtMs: number): { topics: string[]; body: string } {
  const raw = rejection.payload;
  const cut = raw.subarray(0, DEADLETTER_PAYLOAD_MAX_BYTES);
  const utf8 = isUtf8(cut) || (raw.length > DEADLETTER_PAYLOAD_MAX_BYTES && isUtf8(trimPartialUtf8(cut)));
  const letter: DeadLetter = {
    topic: originalTopic,
    reason: rejection.reason,
    detail: rejection.detail,
    ...(rejection.index === undefined ? {} : { index: rejection.index }),
    receivedAt: new Date(receivedAtMs).toISOString(),
    payloadBytes: raw.length,
    payloadEncoding: utf8 ? 'utf8' : 'base64',
    truncated: raw.length > DEADLETTER_PAYLOAD_MAX_BYTES,
    payload: utf8 ? trimPartialUtf8(cut).toString('utf8') : cut.toString('base64'),
  };
  const meter = telemetryTopicMeter(originalTopic);
  const topics = meter ? [DEADLETTER_TOPIC, meterDeadLetterTopic(meter.site, meter.feeder, meter.meter)] : [DEADLETTER_TOPIC];
  return { topics, body: JSON.stringify(letter) };
}

function isUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

/** Drops a multi-byte character cut in half at the 4 KiB boundary. */
function trimPartialUtf8(buf: Buffer): Buffer {
  let end = buf.length;
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (buf.length - i < need) end = i;
    break;
  }
  return buf.subarray(0, end);
}
