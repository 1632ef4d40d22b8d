import { InputError, reason } from '../../errors.js';

/** The SQLSTATE (or Node's errno code) of a thrown value; '' for none. */
export function pgCode(err: unknown): string {
  return String((err as { code?: unknown } | null)?.code ?? '');
}

/** Node's codes for a server that cannot be reached at all. */
const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'];

/**
 * The InputError for a server that cannot be used (unreachable, login refused, no such
 * database, no right to create tables), or undefined for an error that is a bug or a fault of
 * the server's own. `url` is the URL as messages show it.
 */
export function connectError(url: string, err: unknown): InputError | undefined {
  if (err instanceof InputError) return err;
  const code = pgCode(err);
  if (UNREACHABLE.includes(code)) return new InputError(url, 'server', `cannot be reached (${reason(err)})`);
  // pg's own timeout while connecting carries no code.
  if (code === '' && /timeout/i.test(reason(err))) return new InputError(url, 'server', `does not answer (${reason(err)})`);
  if (code === '28P01' || code === '28000') return new InputError(url, 'login', `is refused (${reason(err)})`);
  if (code === '3D000') return new InputError(url, 'database', `does not exist (${reason(err)}); create it first, e.g. with createdb`);
  if (code === '42501') return new InputError(url, 'database', `may not be written by this user (${reason(err)}); tune run needs to create its tables`);
  return undefined;
}
