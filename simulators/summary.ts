import type { FaultCounts, MalformedKind } from './faults.js';

/** What a simulate or replay run did. Printed as a table, then as the last stdout line in JSON. */
export interface RunSummary {
  /** MQTT messages published (duplicates and malformed ones included). */
  published: number;
  /** Distinct valid readings published (a duplicate counts once; malformed messages hold none). */
  readings: number;
  faults: FaultCounts;
  malformedByReason: Partial<Record<MalformedKind, number>>;
  messagesPerSec: number;
  readingsPerSec: number;
  seconds: number;
  simulatedFrom?: string;
  simulatedTo?: string;
  /** Replay only: rows skipped and why. */
  skipped?: Record<string, number>;
}

export function formatSummary(s: RunSummary): string {
  const faults = Object.entries(s.faults).filter(([, n]) => n > 0);
  const lines = [
    `published ${s.published} messages, ${s.readings} readings in ${s.seconds.toFixed(1)} s (${Math.round(s.readingsPerSec)} readings/s, ${Math.round(s.messagesPerSec)} messages/s)`,
  ];
  if (s.simulatedFrom) lines.push(`simulated time ${s.simulatedFrom} .. ${s.simulatedTo}`);
  if (faults.length > 0) lines.push(`faults: ${faults.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const malformed = Object.entries(s.malformedByReason);
  if (malformed.length > 0) lines.push(`malformed by reason: ${malformed.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const skipped = Object.entries(s.skipped ?? {}).filter(([, n]) => n > 0);
  if (skipped.length > 0) lines.push(`skipped rows: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return lines.join('\n');
}
