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
 * Turns anything a command threw into the contract's exit: an InputError is one line
 * `tune: <file>: <where>: <what>` and exit 2; Ctrl-C is 130; anything else is a bug, with the
 * stack, and exit 1. The only place that prints errors.
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
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.input;
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`tune: internal error (please report it): ${text}\n`);
  return EXIT.bug;
}

/** An AbortSignal that fires on the first Ctrl-C or SIGTERM; a second one exits at once. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort(new Interrupted());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
