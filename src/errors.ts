/**
 * An error in what the user gave us: a file, a flag, a folder. The CLI prints it as one line,
 * `tune: <file>: <where>: <what>`, and exits 2. Anything that is not an InputError is a bug.
 */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    readonly what: string,
  ) {
    super(`${file}: ${where}: ${what}`);
    this.name = 'InputError';
  }

  /** Plain fields, so that the error survives a trip across a worker boundary. */
  toJSON(): InputErrorFields {
    return { file: this.file, where: this.where, what: this.what };
  }

  static from(fields: InputErrorFields): InputError {
    return new InputError(fields.file, fields.where, fields.what);
  }
}

export interface InputErrorFields {
  file: string;
  where: string;
  what: string;
}

/** The short text of any thrown value, for messages that quote a library's complaint. */
export function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim();
}

/** System errors that are the machine's fault, not the input's: the CLI ends them with exit 1 (src/cli/fail.ts). */
const SYSTEM_FAULTS = new Set(['ENOSPC', 'EDQUOT', 'EIO']);

/**
 * A failure while writing `path`, as tune reports it: an InputError as it came; a full disk or an
 * I/O error as the system's error, naming `path`; anything else as "cannot be written".
 */
export function writeFailure(path: string, err: unknown): Error {
  if (err instanceof InputError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (err instanceof Error && typeof code === 'string' && SYSTEM_FAULTS.has(code)) return Object.assign(err, { path });
  return new InputError(path, 'file', `cannot be written (${reason(err)})`);
}
