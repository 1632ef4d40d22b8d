/** Bar width in characters on a terminal. */
const BAR_WIDTH = 30;
/** Off a terminal, a line at least this often (ms) and at each tenth of the work. */
const PLAIN_INTERVAL_MS = 5000;

export interface ProgressReporter {
  update(done: number, total: number): void;
  /** Ends the bar's line (a terminal) so that what follows starts on a new line. */
  finish(): void;
}

/**
 * Progress of a long job on stderr: a bar redrawn in place with rate and ETA on a terminal,
 * plain lines (every tenth, or every few seconds) otherwise, so that logs stay readable.
 */
export function progressReporter(label: string, unit: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const started = performance.now();
  let lastLine = 0;
  let lastTenth = -1;
  let drawn = false;
  return {
    update(done, total) {
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const eta = rate > 0 ? (total - done) / rate : Number.NaN;
      const stats = `${done}/${total} ${unit}  ${rate.toFixed(1)} ${unit}/s  ETA ${clock(eta)}`;
      if (stream.isTTY) {
        const filled = total > 0 ? Math.round((done / total) * BAR_WIDTH) : BAR_WIDTH;
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${stats}\u001b[K`);
        drawn = true;
        return;
      }
      const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
      const now = performance.now();
      if (tenth !== lastTenth || now - lastLine >= PLAIN_INTERVAL_MS || done === total) {
        stream.write(`${label}: ${stats}\n`);
        lastTenth = tenth;
        lastLine = now;
      }
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/** Seconds as m:ss (or h:mm:ss); `--:--` while unknown. */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
