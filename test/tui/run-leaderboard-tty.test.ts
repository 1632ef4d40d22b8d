import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { TUNE, tempDir } from '../helpers/tune.js';

const SOCKET = `tune-run-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
/** The visible screen, lines the terminal wrapped joined again: a line wider than the pane shows as one long line. */
const screen = (session: string): string => tmux('capture-pane', '-p', '-J', '-t', session);
const MAX_TRIALS = 6;

/** Polls the screen until `match` holds or the run has ended; returns the screen it last saw. */
async function waitFor(session: string, match: (text: string) => boolean, tries = 1200): Promise<string> {
  let text = '';
  for (let i = 0; i < tries; i++) {
    text = screen(session);
    if (match(text) || /EXIT=\d+/.test(text)) return text;
    await sleep(50);
  }
  return text;
}

/**
 * The live board on `text`: from its last drawn header down; the lines ended trials left above
 * it excluded. After a shrink the terminal rewraps the wider frame before the board redraws, so
 * the top of that old frame can stay above the new board, as scrollback does.
 */
function liveArea(text: string): string[] {
  const lines = text.split('\n');
  let start = -1;
  lines.forEach((line, i) => {
    if (line.startsWith('study tiny ')) start = i;
  });
  return start < 0 ? [] : lines.slice(start).filter((line) => line.trim() !== '');
}

/** A running trial's line with its sparkline drawn, and every line of the board within `width`: the redraw at that width is done. */
const runningAt = (width: number) => (text: string) => {
  const live = liveArea(text);
  return (
    live.some((line) => /^#\d+ exec 1\/1 \[.*val_accuracy [\d.]+ [▁▂▃▄▅▆▇█]+/.test(line)) &&
    live.some((line) => line.length > width - 40) &&
    live.every((line) => line.length <= width)
  );
};

function assertFits(live: string[], width: number, screenText = ''): void {
  assert.ok(live.length > 3, `the board is on screen; the screen was:\n${screenText}`);
  for (const line of live) assert.ok(line.length <= width, `fits ${width} columns (${line.length}): ${line}`);
}

/** Starts `tune run` on a tiny study in a detached tmux window of `width` columns. */
function start(session: string, width: number): void {
  const dir = tempDir();
  const space = writeSpace(dir, tinySpace(writeTinyData(dir, { rows: { train: 4000, valid: 34, test: 34 } }), { max_trials: MAX_TRIALS, epochs: 3000 }));
  // Ink draws only the last frame when CI is set; a user's terminal has no CI variable.
  const command = `cd ${dir} && env -u CI ${process.execPath} ${TUNE} run ${space} --workers 2; echo EXIT=$?; sleep 60`;
  tmux('new-session', '-d', '-s', session, '-x', String(width), '-y', '40', command);
  tmux('set-option', '-t', session, 'history-limit', '10000');
}

describe('tune run on a real terminal (tmux), at 60, 100 and 160 columns, and resized both ways', () => {
  after(() => spawnSync('tmux', ['-L', SOCKET, 'kill-server']));

  it('fits the width, redraws on a shrink and a growth, names the engine, draws sparklines, leaves each ended trial once in the scrollback', async () => {
    for (const width of [60, 100, 160]) start(`w${width}`, width);

    const at60 = await waitFor('w60', runningAt(60));
    const live60 = liveArea(at60);
    assertFits(live60, 60, at60);
    assert.match(live60[0]!, /^study tiny {2}oracle random {2}engine (native|tfjs\/\S+) {2}workers 2/, 'the header names the engine');
    assert.ok(runningAt(60)(at60), `a running trial with its val_accuracy sparkline:\n${at60}`);

    // 100 columns: the old board drew 80 and cut every value set (`dropout_rate=…`).
    const at100 = await waitFor('w100', runningAt(100));
    const live100 = liveArea(at100);
    assertFits(live100, 100, at100);
    assert.ok(runningAt(100)(at100), `drawn at 100 columns:\n${at100}`);
    for (const line of live100) assert.doesNotMatch(line, /…/, `no value set cut at 100 columns: ${line}`);
    assert.ok(
      live100.some((line) => /first_dense=\d+ dropout_rate=0\.\d+/.test(line)),
      `a whole value set:\n${live100.join('\n')}`,
    );

    // 160 columns: the board uses the room.
    const at160 = await waitFor('w160', runningAt(160));
    const live160 = liveArea(at160);
    assertFits(live160, 160, at160);
    assert.ok(runningAt(160)(at160), `drawn at 160 columns:\n${at160}`);
    assert.ok(
      live160.some((line) => line.length > 100),
      `some line is wider than 100 columns at 160:\n${live160.join('\n')}`,
    );

    // A resize while it runs: the board redraws to the new width.
    tmux('resize-window', '-t', 'w160', '-x', '90');
    const shrunk = await waitFor('w160', runningAt(90));
    assertFits(liveArea(shrunk), 90, shrunk);
    assert.ok(runningAt(90)(shrunk), `redrawn at 90 columns after the resize:\n${shrunk}`);

    // A growing resize: the board drawn at 60 columns takes the new room, lines past 120 columns.
    tmux('resize-window', '-t', 'w60', '-x', '160');
    const grown = await waitFor('w60', runningAt(160));
    assertFits(liveArea(grown), 160, grown);
    assert.ok(runningAt(160)(grown), `redrawn at 160 columns after growing from 60:\n${grown}`);
    assert.ok(
      liveArea(grown).some((line) => line.length > 120),
      `some line is wider than 120 columns after the growth:\n${liveArea(grown).join('\n')}`,
    );

    const end = await waitFor('w100', (text) => /EXIT=\d+/.test(text), 3600);
    assert.match(end, /EXIT=0/, end);

    // The whole history, wrapped lines joined: each ended trial was written once, above the board.
    const history = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'w100');
    assert.match(history, /Results summary/);
    for (let n = 1; n <= MAX_TRIALS; n++) {
      const lines = history.split('\n').filter((line) => new RegExp(`^trial ${n} (complete|pruned|failed|invalid|stopped)`).test(line));
      assert.equal(lines.length, 1, `trial ${n} once in the scrollback:\n${history}`);
    }
  });
});
