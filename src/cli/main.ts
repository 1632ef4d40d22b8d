#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAdd } from './add-command.js';
import { registerBest } from './best-command.js';
import { registerDashboard } from './dashboard-command.js';
import { registerEnqueue } from './enqueue-command.js';
import { registerExtract } from './extract-command.js';
import { registerList } from './list-command.js';
import { registerPredict } from './predict-command.js';
import { registerReport } from './report-command.js';
import { registerRun } from './run-command.js';
import { registerSpace } from './space-command.js';
import { registerStorage } from './storage-command.js';
import { EXIT, exitFor, guardStdout, stdoutFailed } from './fail.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('tune')
  .description('hyperparameter search on cached features: extract once with a pretrained convnet, tune a small classifier fast')
  .version(pkg.version)
  .exitOverride()
  .configureOutput({
    // Commander's own usage errors become the contract's one line.
    outputError: (text, write) => write(`tune: command line: ${text.replace(/^error: /, '').trim()}\n`),
  });
registerRun(program);
registerBest(program);
registerList(program);
registerExtract(program);
registerPredict(program);
registerSpace(program);
registerStorage(program);
registerEnqueue(program);
registerAdd(program);
registerReport(program);
registerDashboard(program);
// Every command, nested ones included, reports usage errors through the contract's exit path.
const override = (c: Command): void => {
  c.exitOverride();
  c.commands.forEach(override);
};
program.commands.forEach(override);

guardStdout();
// The last resort for an error thrown in an event handler: the contract's exit, never node's 7
// (which it gives when an uncaught-exception handler itself throws).
process.on('uncaughtException', (err) => {
  let code: number = EXIT.bug;
  try {
    code = exitFor(stdoutFailed() ?? err);
  } catch {
    // stderr itself failed: the exit code is all that is left to say it.
  }
  process.exit(code);
});

try {
  await program.parseAsync(process.argv);
  process.exitCode = EXIT.ok;
} catch (err) {
  process.exitCode = err instanceof CommanderError && err.exitCode === 0 ? EXIT.ok : exitFor(stdoutFailed() ?? err);
}
// A reader that closed stdout leaves the command's output cut short, whatever it returned.
const cut = stdoutFailed();
if (cut !== undefined && process.exitCode === EXIT.ok) process.exitCode = exitFor(cut);
// Output a pipe's reader has not taken yet (beyond the pipe's 64 KiB) waits in the stream, and
// exit would drop it: `tune list --json | wc -l` counted 192 of 300 trials. Flushed first.
const flushed = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => (stream.destroyed || stream.writableLength === 0 ? resolve() : stream.write('', () => resolve())));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
// Worker threads of tfjs or piscina must not keep a finished command alive.
process.exit(process.exitCode);
