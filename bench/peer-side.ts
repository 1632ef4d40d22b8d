/**
 * The peer (optuna_torch.py: the seed's study in Optuna + PyTorch) at its fastest, in the two
 * configurations that use this machine best: one process on one torch thread, and two Optuna
 * processes on one journal study, each on one thread. torch started from Node picks 2
 * intra-op threads and then trains these models 10-30 times slower, so the thread count is set
 * four ways (flag, OMP_NUM_THREADS, MKL_NUM_THREADS, OPENBLAS_NUM_THREADS) and checked after
 * the run. Debian's torch does its products through whatever libblas.so.3 the system selects;
 * with the reference BLAS (libblas3, the only one installed by default) it trains these models
 * 5-10 times slower than with OpenBLAS, so the peer gets OpenBLAS where it can be found and the
 * bench refuses to time it on the reference BLAS unless told to (--allow-reference-blas).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { flag, PYTHON } from './bench-data.js';
import { measuredRun, sideFigures } from './measured-run.js';

/** One torch thread per process keeps CPU use near one core; above this, torch used more threads. */
const CPU_USE_PER_PROCESS_LIMIT = 1.5;

export interface PeerStudy {
  data: string;
  trials: number;
  executions: number;
  epochs: number;
  sampler: 'tpe' | 'random';
}

/** Folders that hold an optimized libblas.so.3: --peer-blas, then Debian's OpenBLAS packages. */
const BLAS_DIRS = ['/usr/lib/x86_64-linux-gnu/openblas-pthread', '/usr/lib/x86_64-linux-gnu/openblas-openmp'];
/** Debian's reference BLAS lives in a folder of this name (libblas3). */
const REFERENCE_BLAS = /\/blas\/libblas\.so/;

/**
 * The environment that gives the peer one thread and the fastest BLAS found, and the BLAS
 * libraries torch then loads (read from its /proc/self/maps). Throws on the reference BLAS.
 */
export function peerEnvironment(): { env: NodeJS.ProcessEnv; blas: string[]; blasDir?: string } {
  const blasDir = [flag('--peer-blas'), ...BLAS_DIRS].find((d): d is string => !!d && existsSync(join(d, 'libblas.so.3')));
  const env = {
    ...process.env,
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
    OPENBLAS_NUM_THREADS: '1',
    ...(blasDir ? { LD_LIBRARY_PATH: [blasDir, process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':') } : {}),
  };
  const probe = spawnSync(PYTHON, ['-c', 'import torch\nfor l in sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l}): print(l)'], {
    env,
    encoding: 'utf8',
  });
  if (probe.status !== 0) throw new Error(`${PYTHON} cannot import torch: ${probe.stderr}`);
  const blas = probe.stdout.trim().split('\n').filter(Boolean);
  if (blas.some((l) => REFERENCE_BLAS.test(l)) && !process.argv.includes('--allow-reference-blas')) {
    throw new Error(
      `the peer's torch would run on the reference BLAS (${blas.join(', ')}), 5-10x slower than its best: ` +
        "install Debian's libopenblas0-pthread, or pass --peer-blas DIR (a folder with an OpenBLAS libblas.so.3), or --allow-reference-blas to time it anyway",
    );
  }
  return { env, blas, ...(blasDir ? { blasDir } : {}) };
}

const CONFIGURATIONS = [
  { name: 'threads 1', processes: 1 },
  { name: 'processes 2', processes: 2 },
];

interface PeerJson {
  seconds: number;
  trials: number;
  epochs_trained: number;
  best_value: number;
  best_params: Record<string, unknown>;
  threads: number;
  processes?: number;
  exit_codes?: number[];
  per_process_trials?: number[];
}

/** Runs every configuration in turn; throws, loudly, when one fails or ran on more threads. */
export async function runPeer(script: string, study: PeerStudy, work: string) {
  const { env, blas, blasDir } = peerEnvironment();
  const prefix = `OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1${blasDir ? ` LD_LIBRARY_PATH=${blasDir}` : ''}`;
  const results = [];
  for (const c of CONFIGURATIONS) {
    const storage = join(work, `peer-journal-${c.processes}`);
    mkdirSync(storage, { recursive: true });
    const args = [
      script,
      study.data,
      '--trials',
      String(study.trials),
      '--executions',
      String(study.executions),
      '--epochs',
      String(study.epochs),
      '--sampler',
      study.sampler,
      '--threads',
      '1',
      ...(c.processes > 1 ? ['--processes', String(c.processes), '--storage', storage] : []),
    ];
    const run = await measuredRun(PYTHON, args, env);
    if (run.status !== 0) throw new Error(`the peer (${c.name}) failed with status ${run.status}: ${run.stderr}`);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as PeerJson;
    if (out.threads !== 1) throw new Error(`the peer (${c.name}) reports ${out.threads} torch threads, not 1: its timing would not be its best`);
    if (c.processes > 1 && (out.processes !== c.processes || out.exit_codes?.some((code) => code !== 0))) {
      throw new Error(`the peer (${c.name}) did not run ${c.processes} processes cleanly: ${run.stdout}`);
    }
    if (run.cpuUse > CPU_USE_PER_PROCESS_LIMIT * c.processes) {
      throw new Error(`the peer (${c.name}) used ${run.cpuUse.toFixed(2)} cores: torch ran on more than one thread per process`);
    }
    if (out.trials < study.trials) throw new Error(`the peer (${c.name}) completed ${out.trials} trials of ${study.trials}`);
    results.push({
      configuration: c.name,
      command: `${prefix} ${run.command}`,
      threadsReported: out.threads,
      processes: c.processes,
      ...(out.per_process_trials ? { perProcessTrials: out.per_process_trials } : {}),
      trials: out.trials,
      sampler: study.sampler,
      // The peer's own clock: its study loop, without Python's start-up (which `seconds` includes).
      studySeconds: out.seconds,
      studyMsPerTrialExecutionEpoch: Number(((1000 * out.seconds) / out.epochs_trained).toFixed(2)),
      bestValAccuracy: out.best_value,
      bestParams: out.best_params,
      ...sideFigures(run, out.epochs_trained),
    });
  }
  const fastest = results.reduce((a, b) => (b.studySeconds < a.studySeconds ? b : a));
  return { fastest: fastest.configuration, blas, configurations: results };
}
