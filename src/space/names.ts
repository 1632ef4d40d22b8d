/**
 * The one rule for the names a user gives `tune`: study names (a space file's `name`, every
 * command's `--study`) and hyperparameter names. They become object keys, SQLite values,
 * table cells and parts of one-line messages, so they are short, printable and plain.
 */

/** The longest name accepted, in characters. */
export const MAX_NAME_LENGTH = 128;

const NAME = new RegExp(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,${MAX_NAME_LENGTH - 1}}$`);

/**
 * Keys every plain JavaScript object already has (`__proto__`, `constructor`, `toString`...):
 * as a hyperparameter they would read back as functions or swap an object's prototype.
 */
const OBJECT_KEYS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Why `name` breaks the naming rule, as the end of a message ("must be ..., got ..."), or
 * undefined when it is a good name. Called by the space file's parser for `name` and each
 * hyperparameter's `name`, and by the CLI for `--study`; callers wrap it in their InputError.
 */
export function nameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return `must be 1 to ${MAX_NAME_LENGTH} letters, digits, _ . or - (not starting with . or -), got ${JSON.stringify(name)}`;
  if (OBJECT_KEYS.has(name)) return `must not be ${JSON.stringify(name)}, a name every JavaScript object already has`;
  return undefined;
}
