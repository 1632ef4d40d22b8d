import { availableParallelism } from 'node:os';
import type { BackendName } from '../engine/backend.js';
import { InputError } from '../errors.js';
import type { BaseSpec, Runtime, RuntimeChoice } from './bases/base.js';
import { onnxRuntimeProblem } from './onnx/onnx-runtime.js';

/** What the user asked for; each field may be left to the defaults. */
export interface RuntimeRequest {
  runtime?: Runtime;
  backend?: BackendName;
  /** Worker threads that will each run a copy of the base; default RUNTIME_WORKERS. */
  workers?: number;
}

/**
 * Worker threads when none are asked for. ONNX Runtime spreads one batch over every core
 * itself, and one worker holds one copy of the weights; tfjs' wasm backend runs on one
 * thread, so it takes a worker per core.
 */
export const RUNTIME_WORKERS: Record<Runtime, number> = { onnx: 1, tfjs: availableParallelism() };

/** The runtime, how many workers run it, and why it is not the default when it fell back. */
export type ChosenRuntime = { choice: RuntimeChoice; workers: number; fallback?: string };

/**
 * The runtime a base runs on. An ONNX model runs on ONNX Runtime and a tfjs model on tfjs;
 * VGG19 runs on ONNX Runtime where onnxruntime-node loads, unless tfjs is asked for by
 * `--runtime tfjs` or by naming a tfjs `--backend`, and falls back to tfjs where it does not
 * load. Intra-op threads share the cores among the workers. Called on the main thread by
 * extract and predict. Throws InputError for a runtime the base cannot run on, and an Error
 * when no tfjs backend starts.
 */
export async function chooseRuntime(spec: BaseSpec, request: RuntimeRequest): Promise<ChosenRuntime> {
  const wanted = request.runtime ?? (spec.kind === 'tfjs' || (spec.kind === 'vgg19' && request.backend !== undefined) ? 'tfjs' : 'onnx');
  if (wanted === 'onnx') {
    if (spec.kind === 'tfjs') throw new InputError('command line', '--runtime', `a tfjs model.json runs on tfjs only, got onnx for ${spec.model}`);
    if (request.backend !== undefined)
      throw new InputError('command line', '--backend', `names a tfjs backend; it applies to --runtime tfjs only, got ${request.backend}`);
    const problem = await onnxRuntimeProblem();
    if (problem === undefined) {
      const workers = request.workers ?? RUNTIME_WORKERS.onnx;
      return { choice: { runtime: 'onnx', threads: onnxThreads(workers) }, workers };
    }
    if (spec.kind === 'onnx' || request.runtime === 'onnx') {
      throw new InputError('command line', spec.kind === 'onnx' ? '--base' : '--runtime', `needs onnxruntime-node, which does not load here (${problem})`);
    }
    return { ...(await tfjs(undefined, request.workers)), fallback: `onnxruntime-node does not load here (${problem})` };
  }
  if (spec.kind === 'onnx') throw new InputError('command line', '--runtime', `an ONNX model runs on ONNX Runtime only, got tfjs for ${spec.model}`);
  return tfjs(request.backend, request.workers);
}

/** Intra-op threads per worker: every core when one worker runs, an equal share otherwise. */
export function onnxThreads(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / workers));
}

async function tfjs(backend: BackendName | undefined, workers: number | undefined): Promise<ChosenRuntime> {
  // tfjs is imported only here, so that an ONNX extraction never loads it.
  const { useBackend } = await import('../engine/backend.js');
  return { choice: { runtime: 'tfjs', backend: await useBackend(backend) }, workers: workers ?? RUNTIME_WORKERS.tfjs };
}

/** The runtime in words, for the first progress line. */
export function describeRuntime(choice: RuntimeChoice): string {
  return choice.runtime === 'onnx' ? `runtime onnx (onnxruntime-node), ${choice.threads} intra-op threads` : `runtime tfjs, backend ${choice.backend}`;
}
