import { render, type Instance } from 'ink';
import type { StudyListener } from '../domain/events.js';
import { StudyView } from './StudyView.js';
import { initialState, reduce } from './leaderboard-state.js';

/** Redraw period: the elapsed clock and ETA move even when no event comes for minutes. */
const TICK_MS = 1000;
/**
 * Events redraw at most this often. A frame takes the main thread milliseconds; drawn on each
 * of the hundreds of epochs a second that fast trials send, it kept the thread behind the
 * workers' messages for good, and Node then never ran its timers or its SIGWINCH handler, so
 * a terminal that grew was never redrawn to its new width.
 */
export const FRAME_MS = 100;

export interface InkReporterOptions {
  /** Where to draw; process.stdout unless a test gives its own stream. */
  stdout?: NodeJS.WriteStream;
  /** Each frame written out whole, not redrawn in place (Ink's debug mode), for tests. */
  debug?: boolean;
  /** The clock, epoch ms; tests fix it. */
  now?: () => number;
}

export interface InkReporter {
  listener: StudyListener;
  /** Draws the last frame and unmounts; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Draws the live leaderboard on a terminal for `tune run`: the returned listener folds each
 * study event into the state and redraws, and a one-second tick keeps the clock moving.
 * Returns the listener to give the study and `stop`, to await once the study has finished.
 */
export function startInkReporter(options: InkReporterOptions = {}): InkReporter {
  const stdout = options.stdout ?? process.stdout;
  const now = options.now ?? Date.now;
  // The terminal's width and height as they are now: read on each frame, so that a resize
  // redraws to the new size. One line short of the height, where the cursor waits.
  const width = (): number => Math.max(20, stdout.columns || 80);
  const height = (): number | undefined => (stdout.rows ? Math.max(3, stdout.rows - 1) : undefined);
  let state = initialState();
  let stopped = false;
  const view = () => {
    const rows = height();
    const at = now();
    return <StudyView state={state} now={at} width={width()} {...(rows !== undefined ? { height: rows } : {})} />;
  };
  const instance: Instance = render(view(), {
    stdout,
    debug: options.debug ?? false,
    // The study owns Ctrl-C: it stops trials and records them as interrupted.
    exitOnCtrlC: false,
  });
  // Taken now, not in stop(): if Ink unmounts itself first (its exit hook on a signal), a
  // promise asked for afterwards would never settle.
  const exited = instance.waitUntilExit().catch(() => undefined);
  const redraw = () => {
    if (stopped) return;
    try {
      instance.rerender(view());
    } catch {
      // A closed terminal must not take the study down with it; the study's own log remains.
    }
  };
  // Ink redraws on 'resize' itself, but with the frame's old width; this draws the new one.
  stdout.on('resize', redraw);
  const timer = setInterval(redraw, TICK_MS);
  // The study keeps the process alive while it runs; the tick alone must not.
  timer.unref();

  let frame: NodeJS.Timeout | undefined;
  const soon = () => {
    frame ??= setTimeout(() => {
      frame = undefined;
      redraw();
    }, FRAME_MS);
  };

  return {
    listener(event) {
      state = reduce(state, event, now());
      soon();
    },
    async stop() {
      if (stopped) return;
      clearTimeout(frame);
      redraw();
      stopped = true;
      clearInterval(timer);
      stdout.off('resize', redraw);
      try {
        instance.unmount();
      } catch {
        // Already unmounted (Ink's own exit hook) or the stream is gone: nothing left to do.
      }
      await exited;
    },
  };
}
