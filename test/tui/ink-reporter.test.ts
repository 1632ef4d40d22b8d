import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FRAME_MS, startInkReporter } from '../../src/tui/ink-reporter.js';
import { columns, studyEvents, T0 } from './study-events.js';

/** Just enough of a terminal for Ink: a width, and the frames it was sent. */
class FakeTerminal extends EventEmitter {
  columns = 120;
  frames: string[] = [];
  write = (frame: string): boolean => {
    this.frames.push(stripVTControlCharacters(frame));
    return true;
  };
  last = (): string => this.frames.filter((f) => f.trim() !== '').at(-1) ?? '';
}

/** A reporter drawing on a fake terminal with a clock the test moves. */
function start() {
  const terminal = new FakeTerminal();
  const clock = { now: T0 };
  const reporter = startInkReporter({ stdout: terminal as unknown as NodeJS.WriteStream, debug: true, now: () => clock.now });
  return { terminal, clock, reporter };
}

describe('Ink reporter', () => {
  it('redraws the leaderboard after events, as wide as the terminal', async () => {
    const { terminal, reporter } = start();
    try {
      const events = studyEvents();
      reporter.listener(events[0]![0]);
      await sleep(FRAME_MS * 2);
      assert.match(terminal.last(), /^trials 1\/10 {2}elapsed 0:00 {2}ETA --:--$/m);
      for (const [event] of events.slice(1)) reporter.listener(event);
      await sleep(FRAME_MS * 2);
      const frame = terminal.last();
      assert.match(frame, /^trials 6\/10 /m);
      assert.match(frame, /^#7 exec 1\/2 \[#####\.{5}\] 23\/50 val_accuracy 0\.8412 /m);
      assert.match(frame, /^#8 exec 2\/2 \[#\.{9}\] 5\/50 val_accuracy 0\.7012 ▄  units=16 /m, 'the values fit on the line at 120');
      assert.match(frame, /^trial 5 complete val_accuracy 0\.9321 /m, 'ended trials are written above the board');
      for (const line of frame.split('\n')) assert.ok(columns(line) <= 120, line);
      assert.ok(
        frame.split('\n').some((line) => columns(line) > 80),
        'the board uses more than 80 columns',
      );
    } finally {
      await reporter.stop();
    }
  });

  it('draws a burst of events as one frame, so that epochs by the hundred a second leave the main thread free', async () => {
    const { terminal, reporter } = start();
    try {
      reporter.listener(studyEvents()[0]![0]);
      await sleep(FRAME_MS * 2);
      const before = terminal.frames.length;
      reporter.listener({ type: 'trial-started', number: 2, values: { units: 8 }, resumed: false });
      for (let epoch = 1; epoch <= 500; epoch++)
        reporter.listener({ type: 'epoch', number: 2, execution: 1, epoch, metrics: { loss: 0.5, accuracy: 0.5, val_loss: 0.5, val_accuracy: 0.5 } });
      await sleep(FRAME_MS * 2);
      assert.ok(terminal.frames.length - before <= 2, `${terminal.frames.length - before} frames for 501 events`);
      assert.match(terminal.last(), /^#2 exec 1\/\d+ .*val_accuracy 0\.5000/m);
    } finally {
      await reporter.stop();
    }
  });

  it('ticks the elapsed clock each second with no event', async () => {
    const { terminal, clock, reporter } = start();
    try {
      reporter.listener(studyEvents()[0]![0]);
      clock.now = T0 + 65_000;
      await sleep(1300);
      assert.match(terminal.last(), /elapsed 1:05/);
    } finally {
      await reporter.stop();
    }
  });

  it('stops once, and ignores stop and events after that', async () => {
    const { terminal, reporter } = start();
    reporter.listener(studyEvents()[0]![0]);
    await reporter.stop();
    const frames = terminal.frames.length;
    await reporter.stop();
    reporter.listener({ type: 'trial-started', number: 2, values: {}, resumed: false });
    await sleep(1100);
    assert.equal(terminal.frames.length, frames, 'nothing drawn after stop');
  });
});
