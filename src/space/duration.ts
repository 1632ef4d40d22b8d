/** Seconds in each unit a duration may name. */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * The seconds a duration text means: a positive number with the unit s, m or h (`90s`, `30m`,
 * `1.5h`); a bare number is seconds. Returns undefined for anything else. Read by `--timeout`
 * and by the tuner's `timeout`.
 */
export function durationSeconds(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/.exec(text);
  if (m === null) return undefined;
  const seconds = Number(m[1]) * UNITS[m[2] || 's']!;
  return seconds > 0 && Number.isFinite(seconds) ? seconds : undefined;
}

/** How a duration must be written, for the messages that refuse one. */
export const DURATION_RULE = 'must be a positive duration such as 90s, 30m or 2h';
