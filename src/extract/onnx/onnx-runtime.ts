import type * as Ort from 'onnxruntime-node';
import { InputError, reason } from '../../errors.js';

export type OrtModule = typeof Ort;
export type OrtSession = Ort.InferenceSession;

/** ONNX Runtime's "error" log level: its warnings (such as unused initializers) stay quiet. */
const LOG_ERRORS_ONLY = 3;

let loading: Promise<OrtModule> | undefined;

/**
 * onnxruntime-node, loaded on first use so that commands which never extract never pay for
 * it. Called by every ONNX base and by runtime selection. Rejects when the native runtime
 * cannot load here (a platform without a prebuilt binary).
 */
export function onnxRuntime(): Promise<OrtModule> {
  loading ??= import('onnxruntime-node').then((m) => (m as unknown as { default?: OrtModule }).default ?? (m as unknown as OrtModule));
  return loading;
}

/** Why ONNX Runtime cannot run here, or undefined when it can. Never throws. */
export async function onnxRuntimeProblem(): Promise<string | undefined> {
  try {
    const ort = await onnxRuntime();
    return typeof ort.InferenceSession?.create === 'function' ? undefined : 'onnxruntime-node has no InferenceSession';
  } catch (err) {
    return reason(err);
  }
}

/**
 * A CPU session over a serialised model with `threads` intra-op threads, every graph
 * optimisation on (ONNX Runtime then runs convolutions in its blocked NCHWc layout). Called
 * once per worker by the ONNX bases. Throws InputError naming `file` when the runtime
 * refuses the model (an unknown operator, a bad graph).
 */
export async function createSession(model: Uint8Array, threads: number, file: string): Promise<OrtSession> {
  const ort = await onnxRuntime();
  try {
    return await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: LOG_ERRORS_ONLY,
    });
  } catch (err) {
    throw new InputError(file, 'model', `ONNX Runtime cannot load it (${reason(err)})`);
  }
}
