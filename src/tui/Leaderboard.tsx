import { Box, Text } from 'ink';
import { bestTrial, elapsed, eta, type LeaderboardState, type RunningTrial } from './leaderboard-state.js';
import { cell, fit, formatScore, oneLine, valuePairs, wrapWords } from './format.js';
import { sparkline } from './sparkline.js';
import { clock } from './progress.js';

/** Rows of the table of best trials; more would push running trials off a small screen. */
const TOP_ROWS = 10;
/** Failed trials shown; the count says how many there were in all. */
const FAILED_ROWS = 3;
/** Characters of the epoch bar. */
const BAR_WIDTH = 10;
/** Fixed columns of the table: rank, trial, score, epoch, time and the spaces between. */
const FIXED_COLUMNS = 3 + 1 + 5 + 1 + 1 + 8 + 1 + 5 + 1 + 7;

export interface LeaderboardProps {
  state: LeaderboardState;
  /** Epoch ms for the elapsed clock; a prop so that the reporter's tick and tests set it. */
  now?: number;
  /** Columns to fit in; 80 unless the terminal says otherwise. */
  width?: number;
  /**
   * Lines the board may take; rows of the table go first when it would be taller. A live area
   * taller than the terminal makes Ink clear the screen on each frame, scrollback included.
   */
  height?: number;
}

/**
 * The live view of a running study: header, progress with ETA, the best trial, a table of the
 * top trials, one epoch bar per running trial and the latest failures. Every line is cut to
 * `width` columns so that nothing wraps and Ink's redraw stays in place. Rendered by the Ink
 * reporter (`startInkReporter`) on each event and each second.
 */
export function Leaderboard({ state, now = Date.now(), width = 80, height = Number.POSITIVE_INFINITY }: LeaderboardProps) {
  const lines = boardLines(state, now, width, height);
  // No width on the box: on a resize Ink lays the old frame out at the new width before the
  // reporter redraws, and a box wider than the terminal would wrap and leave stray lines.
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate" {...(line.color ? { color: line.color } : {})} bold={line.bold ?? false}>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}

/**
 * The board's lines as {@link Leaderboard} draws them, each at most `width` columns, at most
 * `height` of them. The Ink reporter keeps the last ones to know how the terminal rewraps them
 * when it narrows.
 */
export function boardLines(state: LeaderboardState, now: number, width: number, height = Number.POSITIVE_INFINITY): Line[] {
  let topRows = TOP_ROWS;
  let lines = leaderboardLines(state, now, width, topRows);
  while (lines.length > height && topRows > 0) lines = leaderboardLines(state, now, width, --topRows);
  return lines.slice(0, Math.max(1, height)).map((line) => ({ ...line, text: fit(line.text, width) }));
}

export interface Line {
  text: string;
  color?: 'green' | 'red' | 'cyan';
  bold?: boolean;
}

/** Between sections. Ink draws an empty Text as no line at all; a space keeps the gap. */
const GAP: Line = { text: ' ' };

/** The leaderboard as plain lines, each to be cut to `width`; styles only mark sections. */
function leaderboardLines(state: LeaderboardState, now: number, width: number, topRows: number): Line[] {
  const h = state.header;
  if (!h) return [{ text: 'waiting for the study to start' }];
  const lines: Line[] = [];
  lines.push({ text: `study ${h.study}  oracle ${h.oracle}  engine ${engineName(h)}  workers ${h.workers}  pack ${h.pack}`, bold: true });
  const end = state.finished ? `  finished: ${state.finished.reason}` : '';
  const pruned = state.pruned > 0 ? ` (${state.pruned} pruned)` : '';
  lines.push({ text: `trials ${state.done}/${h.maxTrials}${pruned}  elapsed ${clock(elapsed(state, now))}  ETA ${clock(eta(state) ?? Number.NaN)}${end}` });
  const best = bestTrial(state);
  if (best) {
    // The values get a line of their own: they are what the user came for, and the table cuts them.
    lines.push({ text: `best ${h.objective} ${formatScore(best.score)} (${h.direction}) trial ${best.number}`, color: 'green', bold: true });
    for (const part of wrapWords(valuePairs(best.values, h.hyperparameters, true), width - 2)) lines.push({ text: `  ${part}`, color: 'green' });
  } else {
    lines.push({ text: `best ${h.objective} (${h.direction}): no complete trial yet` });
  }

  const valuesWidth = Math.max(8, width - FIXED_COLUMNS);
  const row = (rank: string, trial: string, values: string, score: string, epoch: string, time: string): string =>
    [cell(rank, 3, 'right'), cell(trial, 5, 'right'), cell(values, valuesWidth), cell(score, 8, 'right'), cell(epoch, 5, 'right'), cell(time, 7, 'right')].join(
      ' ',
    );
  if (state.top.length > 0 && topRows > 0) {
    lines.push(GAP);
    lines.push({ text: row('#', 'trial', 'hyperparameters', 'score', 'epoch', 'time'), bold: true });
    for (const t of state.top.slice(0, topRows)) {
      // A value set longer than its column goes on under itself, broken between pairs.
      const [first = '', ...rest] = wrapWords(valuePairs(t.values, h.hyperparameters, true), valuesWidth);
      lines.push({ text: row(String(t.rank), String(t.number), first, formatScore(t.score), String(t.bestEpoch), duration(t.seconds)) });
      for (const more of rest) lines.push({ text: row('', '', more, '', '', '').trimEnd() });
    }
  }

  if (state.running.length > 0) {
    lines.push(GAP);
    for (const t of state.running) {
      for (const text of runningLines(t, h.epochs, h.executionsPerTrial, h.objective, h.hyperparameters, width)) lines.push({ text, color: 'cyan' });
    }
  }

  if (state.failed.length > 0) {
    lines.push(GAP);
    const shown = state.failed.slice(-FAILED_ROWS);
    const more = state.failed.length > shown.length ? ` (last ${shown.length} shown)` : '';
    lines.push({ text: `failed: ${state.failed.length}${more}`, color: 'red', bold: true });
    for (const f of shown) lines.push({ text: `#${f.number} ${f.status === 'failed' ? '' : `${f.status}: `}${oneLine(f.error)}`, color: 'red' });
  }
  return lines;
}

/**
 * `#3 exec 1/2 [#####.....] 23/50 val_accuracy 0.8412 ▁▃▅▆▇  first_dense=64 ...`: the values
 * follow on the same line where they fit whole, else on indented lines below it.
 */
function runningLines(t: RunningTrial, epochs: number, executions: number, objective: string, order: readonly string[], width: number): string[] {
  const filled = epochs > 0 ? Math.min(BAR_WIDTH, Math.round((t.epoch / epochs) * BAR_WIDTH)) : 0;
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const value = t.objectiveValue !== undefined ? formatScore(t.objectiveValue) : '-';
  const spark = sparkline(t.curve, sparkWidth(width));
  const head = `#${t.number} exec ${t.execution}/${executions} ${bar} ${t.epoch}/${epochs} ${objective} ${value}${spark ? ` ${spark}` : ''}`;
  const pairs = valuePairs(t.values, order, true);
  const together = `${head}  ${pairs.join(' ')}`;
  if (pairs.length === 0 || [...together].length <= width) return [pairs.length === 0 ? head : together];
  return [head, ...wrapWords(pairs, width - 4).map((part) => `    ${part}`)];
}

/** Epochs the sparkline shows: the most recent ones, more on a wider terminal. */
function sparkWidth(width: number): number {
  return width >= 140 ? 30 : width >= 100 ? 20 : 10;
}

/** `native`, or `tfjs/wasm`: what trains, and on which tfjs backend when tfjs does. */
function engineName(h: NonNullable<LeaderboardState['header']>): string {
  return h.engine === 'native' ? 'native' : `tfjs/${h.backend}`;
}

/** Seconds as `12.3s` under a minute, m:ss (or h:mm:ss) above, to fit the 7-column time cell. */
function duration(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)}s` : clock(seconds);
}
