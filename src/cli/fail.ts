import { CommanderError } from 'commander';
import { InputError } from '../errors.js';

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, bug: 1, input: 2, interrupted: 130 } as const;

/** Thrown (as an AbortSignal reason) when the user presses Ctrl-C or sends SIGTERM. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/** The study stopped on its own rule (too many failed trials): exit 1 with its reason. */
export class StudyStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyStopped';
  }
}

/**
 * A path that the system refused to write or read (a full disk, a reader that closed stdout, an
 * I/O error): exit 1 with one line `tune: <path>: <what>`, no stack, since it is no bug of tune.
 */
export class Fault extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`${path}: ${what}`);
    this.name = 'Fault';
  }
}

/** What each system error code means to the user; the code itself ends the line. */
const FAULTS: Record<string, string> = {
  ENOSPC: 'cannot be written (disk full, ENOSPC)',
  EDQUOT: 'cannot be written (disk quota exceeded, EDQUOT)',
  EIO: 'cannot be read or written (I/O error, EIO)',
  EPIPE: 'closed by its reader (EPIPE)',
  SQLITE_FULL: 'cannot be written (disk full)',
  SQLITE_IOERR: 'cannot be read or written (I/O error, EIO)',
};

/**
 * The Fault an error of the system stands for, or undefined when it is none. `path` names the
 * file where the error does not (SQLite's errors never do); a Node error's own path wins.
 * Called by the commands around their database and by exitFor.
 */
export function faultOf(err: unknown, path?: string): Fault | undefined {
  if (err instanceof Fault) return err;
  if (!(err instanceof Error)) return undefined;
  const { code, path: own } = err as NodeJS.ErrnoException;
  if (typeof code !== 'string') return undefined;
  // SQLite's extended codes (SQLITE_IOERR_WRITE, SQLITE_FULL) share the primary code's meaning.
  const what = FAULTS[code] ?? FAULTS[code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1')];
  const where = own ?? path;
  return what !== undefined && where !== undefined ? new Fault(where, what) : undefined;
}

/** The Fault of an error SQLite raised on the database at `path`, or undefined for any other error. */
export function databaseFault(err: unknown, path: string): Fault | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? faultOf(err, path) : undefined;
}

/**
 * Runs `read`, turning a system error that names no file (EIO from a read of an open file
 * descriptor) into the Fault of `path`. Called by the commands around the files they read.
 */
export function reading<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw faultOf(err, path) ?? err;
  }
}

let stdoutFault: Fault | undefined;
let stopController: AbortController | undefined;
const stopper = (): AbortController => (stopController ??= new AbortController());

/**
 * Catches stdout's errors (a reader that went away, as `| head -1`): the first becomes the
 * command's fault and stops a run as Ctrl-C would, so that its trials are marked interrupted.
 * Without it, the stream's 'error' event would crash the process with a stack. Called once by main.
 */
export function guardStdout(): void {
  process.stdout.on('error', (err: Error) => {
    stdoutFault ??= faultOf(err, 'stdout') ?? new Fault('stdout', `cannot be written (${err.message})`);
    const controller = stopper();
    if (!controller.signal.aborted) controller.abort(stdoutFault);
  });
}

/** The fault stdout met, if any; main reports it in place of whatever the command returned. */
export function stdoutFailed(): Fault | undefined {
  return stdoutFault;
}

/** Writes to stdout while it works; once its reader is gone the text has nowhere to go. */
export function writeOut(text: string): void {
  if (stdoutFault === undefined && !process.stdout.destroyed) process.stdout.write(text);
}

/**
 * Turns anything a command threw into the contract's exit: an InputError is one line
 * `tune: <file>: <where>: <what>` and exit 2; Ctrl-C is 130; a Fault (a full disk, EPIPE, EIO)
 * is one line naming its path and exit 1; anything else is a bug, with the stack, and exit 1. The only place that prints errors.
 */
export function exitFor(err: unknown): number {
  if (err instanceof InputError) {
    process.stderr.write(`tune: ${err.message}\n`);
    return EXIT.input;
  }
  if (err instanceof Interrupted) {
    process.stderr.write('tune: interrupted\n');
    return EXIT.interrupted;
  }
  if (err instanceof StudyStopped) {
    process.stderr.write(`tune: ${err.message}\n`);
    return EXIT.bug;
  }
  const fault = faultOf(err);
  if (fault !== undefined) {
    process.stderr.write(`tune: ${fault.message}\n`);
    return EXIT.bug;
  }
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.input;
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`tune: internal error (please report it): ${text}\n`);
  return EXIT.bug;
}

let listening = false;

/**
 * An AbortSignal that fires on the first Ctrl-C or SIGTERM (reason: Interrupted), or when stdout
 * fails (reason: its Fault); a second signal exits at once. Every call returns the same signal.
 */
export function interruptSignal(): AbortSignal {
  const controller = stopper();
  if (listening) return controller.signal;
  listening = true;
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort(new Interrupted());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
