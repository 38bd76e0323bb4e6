import { IANAZone } from 'luxon';

/**
 * Turns a local wall-clock time (its fields encoded as if UTC) into an instant in `zone`, DST-safe:
 * - a time that occurs twice (autumn fall-back) is the earlier instant, unless that would not move
 *   past the previous row: then it is the second occurrence (files list the repeated hour twice);
 * - a time that never occurs (spring-forward gap) is reported, not guessed.
 */
export type LocalResolution = { ok: true; instantMs: number; ambiguous: boolean } | { ok: false; reason: 'nonexistent' };

export function resolveLocalTime(wallAsUtcMs: number, zone: IANAZone, previousInstantMs?: number): LocalResolution {
  const candidates: number[] = [];
  // Offsets in force within a day either side cover every DST transition.
  const offsets = new Set([zone.offset(wallAsUtcMs - 86_400_000), zone.offset(wallAsUtcMs), zone.offset(wallAsUtcMs + 86_400_000)]);
  for (const offsetMin of offsets) {
    const instant = wallAsUtcMs - offsetMin * 60_000;
    if (zone.offset(instant) === offsetMin) candidates.push(instant);
  }
  candidates.sort((a, b) => a - b);
  if (candidates.length === 0) return { ok: false, reason: 'nonexistent' };
  const ambiguous = candidates.length > 1;
  const pick = ambiguous && previousInstantMs !== undefined && candidates[0]! <= previousInstantMs ? candidates[candidates.length - 1]! : candidates[0]!;
  return { ok: true, instantMs: pick, ambiguous };
}

/**
 * Parses a time cell. With an explicit offset (Z, +01:00, +0100) the offset wins; without one the
 * wall-clock fields are returned for resolveLocalTime. Accepts `YYYY-MM-DD HH:MM[:SS]`, the `T`
 * form, and `DD.MM.YYYY HH:MM` (European exports).
 */
export type ParsedCell = { kind: 'instant'; ms: number } | { kind: 'wall'; wallAsUtcMs: number } | { kind: 'invalid' };

export function parseTimeCell(text: string): ParsedCell {
  const s = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) {
    const eu = /^(\d{2})\.(\d{2})\.(\d{4})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
    if (!eu) return { kind: 'invalid' };
    m = [s, eu[3]!, eu[2]!, eu[1]!, eu[4]!, eu[5]!, eu[6] ?? '00', '0', undefined] as unknown as RegExpExecArray;
  }
  const [, y, mo, d, h, mi, sec = '00', frac = '0', offset] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number(frac.padEnd(3, '0')));
  const check = new Date(wall);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23) return { kind: 'invalid' };
  if (!offset) return { kind: 'wall', wallAsUtcMs: wall };
  if (offset === 'Z') return { kind: 'instant', ms: wall };
  const om = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)!;
  const offsetMs = (om[1] === '-' ? -1 : 1) * (Number(om[2]) * 60 + Number(om[3])) * 60_000;
  return { kind: 'instant', ms: wall - offsetMs };
}
