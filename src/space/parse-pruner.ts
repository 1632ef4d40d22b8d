import { PRUNER_DEFAULTS, PRUNER_KINDS, type PercentileSettings, type PrunerSpec } from '../pruners/pruner.js';
import type { JsonParser } from './json-parser.js';

const PERCENTILE_KEYS = ['n_startup_trials', 'n_warmup_steps', 'interval_steps', 'n_min_trials'];

/**
 * The tuner section's `pruner`: `{"kind": "median" | "percentile" | "asha" | "none", ...}` with
 * each kind's own options. Throws InputError on an unknown kind or key, or a value out of range.
 */
export function parsePruner(p: JsonParser, v: unknown): PrunerSpec {
  const where = 'tuner.pruner';
  if (v === undefined) return { kind: 'none' };
  const o = p.object(v, where);
  const kind = p.oneOf(o['kind'], `${where}.kind`, PRUNER_KINDS);
  const d = PRUNER_DEFAULTS;
  const int = (key: string, fallback: number, min: number): number => (o[key] === undefined ? fallback : p.int(o[key], `${where}.${key}`, min));
  const percentileSettings = (): PercentileSettings => ({
    nStartupTrials: int('n_startup_trials', d.nStartupTrials, 0),
    nWarmupSteps: int('n_warmup_steps', d.nWarmupSteps, 0),
    intervalSteps: int('interval_steps', d.intervalSteps, 1),
    nMinTrials: int('n_min_trials', d.nMinTrials, 1),
  });
  switch (kind) {
    case 'none':
      p.only(o, where, ['kind']);
      return { kind };
    case 'median':
      p.only(o, where, ['kind', ...PERCENTILE_KEYS]);
      return { kind, ...percentileSettings() };
    case 'percentile': {
      p.only(o, where, ['kind', 'percentile', ...PERCENTILE_KEYS]);
      const percentile = o['percentile'] === undefined ? d.percentile : p.number(o['percentile'], `${where}.percentile`);
      if (percentile < 0 || percentile > 100) p.fail(`${where}.percentile`, `must be between 0 and 100, got ${percentile}`);
      return { kind, percentile, ...percentileSettings() };
    }
    case 'asha':
      p.only(o, where, ['kind', 'reduction_factor', 'min_resource']);
      return { kind, reductionFactor: int('reduction_factor', d.reductionFactor, 2), minResource: int('min_resource', d.minResource, 1) };
  }
}
