import { show, type JsonParser } from './json-parser.js';
import type { CrossValidation } from './study-spec.js';

/** Defaults of `cross_validation`: scikit-learn's 5 folds, stratified as its cross_val_score does for a classifier. */
export const CROSS_VALIDATION_DEFAULTS: CrossValidation = { folds: 5, stratified: true };

/**
 * The tuner section's `cross_validation`: `{"folds": 5, "stratified": true}`. Whether the data
 * has enough rows for the folds is decided once it is read (src/folds/check-folds.ts). Throws
 * InputError on an unknown key, fewer than 2 folds, or a `stratified` that is not a boolean.
 */
export function parseCrossValidation(p: JsonParser, v: unknown): CrossValidation {
  const where = 'tuner.cross_validation';
  const o = p.object(v, where);
  p.only(o, where, ['folds', 'stratified']);
  const d = CROSS_VALIDATION_DEFAULTS;
  const stratified = o['stratified'] ?? d.stratified;
  if (typeof stratified !== 'boolean') p.fail(`${where}.stratified`, `must be true or false, got ${show(stratified)}`);
  return { folds: o['folds'] === undefined ? d.folds : p.int(o['folds'], `${where}.folds`, 2), stratified };
}
