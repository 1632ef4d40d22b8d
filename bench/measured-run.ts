/**
 * Runs one side of a bench as a real process and measures it the same way whatever it is:
 * wall time from spawn to exit (start-up included), CPU use from GNU time (user + sys of the
 * process and every child it waited for), peak memory two ways, and the load average just
 * before and just after. GNU time's %M is the largest single process; the process tree's
 * resident memory, sampled from /proc, adds up processes that run side by side (the peer's
 * --processes 2).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const GNU_TIME = '/usr/bin/time';
const TIME_FORMAT = 'BENCH_TIME user=%U sys=%S peak_kb=%M';
/** How often the process tree's memory is sampled. */
const SAMPLE_MS = 100;
/** Linux's page size on x86-64, the unit of /proc/PID/stat's rss. */
const PAGE_BYTES = 4096;
const MIB = 1024 * 1024;

export interface Measured {
  status: number | null;
  stdout: string;
  stderr: string;
  command: string;
  wallSeconds: number;
  userSeconds: number;
  sysSeconds: number;
  /** (user + sys) / wall: about 1 for one busy core, 2 for two. */
  cpuUse: number;
  peakMiBLargestProcess: number;
  peakMiBProcessTree: number;
  loadavgBefore: number[];
  loadavgAfter: number[];
}

/** Resident bytes of `root` and all its descendants now, from /proc. */
function treeBytes(root: number): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // it ended while we looked
    }
    // After the command's parenthesised name: state, ppid, ..., rss is the 22nd field on.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parent.set(Number(name), Number(fields[1]));
    rss.set(Number(name), Number(fields[21]) * PAGE_BYTES);
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  let total = 0;
  for (const [pid, bytes] of rss) if (inTree(pid)) total += bytes;
  return total;
}

/** Runs `command args` under GNU time; resolves when it exits, whatever its status. */
export function measuredRun(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: install Debian's \`time\` package (the bench reads CPU use and peak memory from it)`);
  const loadavgBefore = loadavg();
  const t0 = performance.now();
  const child = spawn(GNU_TIME, ['-f', TIME_FORMAT, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let peakTree = 0;
  const sampler = setInterval(() => {
    if (child.pid !== undefined) peakTree = Math.max(peakTree, treeBytes(child.pid));
  }, SAMPLE_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      clearInterval(sampler);
      const wallSeconds = (performance.now() - t0) / 1000;
      const m = /BENCH_TIME user=([\d.]+) sys=([\d.]+) peak_kb=(\d+)/.exec(stderr);
      const [userSeconds, sysSeconds, peakKb] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [NaN, NaN, NaN];
      resolve({
        status,
        stdout,
        stderr,
        command: [command, ...args].join(' '),
        wallSeconds,
        userSeconds,
        sysSeconds,
        cpuUse: (userSeconds + sysSeconds) / wallSeconds,
        peakMiBLargestProcess: Math.round((peakKb * 1024) / MIB),
        peakMiBProcessTree: Math.round(peakTree / MIB),
        loadavgBefore,
        loadavgAfter: loadavg(),
      });
    });
  });
}

/** The figures every side prints, rounded for reading. */
export function sideFigures(run: Measured, trialExecutionEpochs: number) {
  const r = (x: number, d = 2): number => Number(x.toFixed(d));
  return {
    seconds: r(run.wallSeconds, 1),
    msPerTrialExecutionEpoch: r((1000 * run.wallSeconds) / trialExecutionEpochs),
    cpuMsPerTrialExecutionEpoch: r((1000 * (run.userSeconds + run.sysSeconds)) / trialExecutionEpochs),
    cpuUse: r(run.cpuUse),
    userSeconds: run.userSeconds,
    sysSeconds: run.sysSeconds,
    peakMiBLargestProcess: run.peakMiBLargestProcess,
    peakMiBProcessTree: run.peakMiBProcessTree,
    loadavgBefore: run.loadavgBefore,
    loadavgAfter: run.loadavgAfter,
  };
}
