import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { Leaderboard } from '../../src/tui/Leaderboard.js';
import { initialState, reduce } from '../../src/tui/leaderboard-state.js';
import { columns, feed, studyEvents, T0 } from './study-events.js';

/** The frame Ink drew for the board at 2:05 into the study, ANSI codes removed. */
function frame(direction: 'max' | 'min' = 'max', width?: number): string {
  const state = feed(studyEvents(direction));
  const { lastFrame } = render(<Leaderboard state={state} now={T0 + 125_000} {...(width ? { width } : {})} />);
  return stripVTControlCharacters(lastFrame() ?? '');
}

/** Trial numbers of the table's rows, top to bottom: rows start with rank then trial. */
function tableOrder(text: string): number[] {
  return text
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+units=/.exec(line))
    .filter((m) => m !== null)
    .map((m) => Number(m[2]));
}

describe('Leaderboard', () => {
  afterEach(() => cleanup());

  it('shows the header, trials done out of the total with elapsed and ETA', () => {
    const text = frame();
    assert.match(text, /^study gender {2}oracle random {2}engine tfjs\/tfjs-node {2}workers 2 {2}pack 1$/m);
    // 1 before + 4 complete + 1 failed; mean 34.5 s x 4 left / 2 workers = 69 s.
    assert.match(text, /^trials 6\/10 {2}elapsed 2:05 {2}ETA 1:09$/m);
  });

  it('counts the pruned trials beside the trials done', () => {
    const pruned = reduce(feed(studyEvents('max')), { type: 'trial-complete', number: 7, values: {}, score: 0.5, bestEpoch: 1, seconds: 1, pruned: 1 });
    const { lastFrame } = render(<Leaderboard state={pruned} now={T0 + 125_000} />);
    assert.match(stripVTControlCharacters(lastFrame() ?? ''), /^trials 7\/10 \(1 pruned\) {2}elapsed 2:05 {2}ETA /m);
    assert.doesNotMatch(frame(), /pruned/, 'nothing said when none is');
  });

  it('shows the best score with its hyperparameters, inactive ones left out', () => {
    const lines = frame().split('\n');
    const at = lines.findIndex((line) => line.startsWith('best '));
    assert.equal(lines[at], 'best val_accuracy 0.9321 (max) trial 5');
    assert.equal(lines[at + 1], '  units=512 dropout=0.1 optimizer=adam learning_rate=0.0001 batch_norm=true');
  });

  it('ranks the table best first for max, with score, best epoch and time', () => {
    const text = frame('max');
    assert.deepEqual(tableOrder(text), [5, 6, 2, 3]);
    assert.match(text, /^ {2}1 {5}5 units=512 dropout=0\.1 optimizer=adam .* 0\.9321 {4}17 {3}40\.0s$/m);
    // The value set is longer than its column at 80: it goes on under itself, not cut.
    assert.match(text, /^ {2}4 {5}3 units=128 dropout=0\.5 optimizer=sgd .* 0\.8812 {4}44 {3}35\.0s\n {10}momentum=0\.9 batch_norm=false$/m);
  });

  it('ranks the table lowest first for min', () => {
    const text = frame('min');
    assert.deepEqual(tableOrder(text), [3, 2, 6, 5]);
    assert.match(text, /^best val_loss 0\.8812 \(min\) trial 3$/m);
  });

  it('draws an epoch bar per running trial with its execution and objective', () => {
    const text = frame();
    assert.match(text, /^#7 exec 1\/2 \[#####\.{5}\] 23\/50 val_accuracy 0\.8412 ▄\n {4}units=32 /m);
    assert.match(text, /^#8 exec 2\/2 \[#\.{9}\] 5\/50 val_accuracy 0\.7012 ▄\n {4}units=16 /m);
    assert.doesNotMatch(text, /^#[2-6] exec/m, 'finished trials are no longer running');
  });

  it('lists the failed trial with its error on one truncated line', () => {
    const lines = frame().split('\n');
    assert.ok(lines.includes('failed: 1'), lines.join('\n'));
    const error = lines.find((line) => line.startsWith('#4 '));
    assert.ok(error, 'a line for trial 4');
    assert.match(error, /^#4 Error: OOM when allocating tensor with shape \[512,25088\]/);
    assert.match(error, /…$/, 'the long error is cut');
  });

  it('fits every line in 80 columns, and in a narrower width when given one', () => {
    for (const width of [undefined, 60]) {
      for (const direction of ['max', 'min'] as const) {
        const lines = frame(direction, width).split('\n');
        assert.ok(lines.length > 12, 'the whole board was drawn');
        for (const line of lines) assert.ok(columns(line) <= (width ?? 80), `${columns(line)} columns: ${line}`);
      }
    }
  });

  it('says it is waiting before the study has started', () => {
    const { lastFrame } = render(<Leaderboard state={initialState()} />);
    assert.equal(stripVTControlCharacters(lastFrame() ?? ''), 'waiting for the study to start');
  });
});
