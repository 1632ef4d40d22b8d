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

/** A failure while writing `path`, as the one line tune prints: an InputError as it came, anything else as "cannot be written". */
export function writeFailure(path: string, err: unknown): InputError {
  return err instanceof InputError ? err : new InputError(path, 'file', `cannot be written (${reason(err)})`);
}
