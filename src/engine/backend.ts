import { existsSync } from 'node:fs';

/** Backends in the order tune prefers them when none is asked for. */
export const BACKENDS = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKENDS as readonly string[]).includes(value);
}

/** How each of our names is set up: the package that brings it, and tfjs' own name for it. */
const SETUP: Record<BackendName, { pkg?: string; tfName: string }> = {
  'node-gpu': { pkg: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  node: { pkg: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  wasm: { pkg: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  cpu: { tfName: 'cpu' },
};

let chosen: BackendName | undefined;

/**
 * Makes one tfjs backend current in this thread and returns its name. Without `requested` it
 * takes the first that loads of node-gpu, node, wasm, cpu (the native ones are optional
 * dependencies that fail to install where libtensorflow cannot be downloaded). With
 * `requested` it takes exactly that one, or throws an Error whose message says why not.
 * Called once per thread, by the CLI and by every worker that trains on tfjs; tfjs itself is
 * loaded here, on the first call, so that a thread that never calls it never pays for it.
 */
export async function useBackend(requested?: BackendName): Promise<BackendName> {
  if (chosen && (!requested || requested === chosen)) return chosen;
  const candidates = requested ? [requested] : BACKENDS;
  const failures: string[] = [];
  for (const name of candidates) {
    const why = await tryBackend(name);
    if (why === undefined) {
      chosen = name;
      return name;
    }
    failures.push(`${name}: ${why}`);
  }
  throw noBackend(failures);
}

/**
 * The backend that useBackend would make current, named without loading tfjs: `requested`, or
 * the first of node-gpu, node, wasm, cpu whose package is installed (node-gpu only with a CUDA
 * device). Called by `tune run` when the native engine trains, so that the main thread names
 * the workers' fallback without paying for tfjs. Throws useBackend's Error when the requested
 * one is not installed.
 */
export function plannedBackend(requested?: BackendName): BackendName {
  if (chosen && (!requested || requested === chosen)) return chosen;
  const failures: string[] = [];
  for (const name of requested ? [requested] : BACKENDS) {
    const why = installed(name);
    if (why === undefined) return name;
    failures.push(`${name}: ${why}`);
  }
  throw noBackend(failures);
}

function noBackend(failures: string[]): Error {
  return new Error(`no tfjs backend could be started (${failures.join('; ')})`);
}

/** Why a backend cannot be planned (its package is missing, no CUDA device), or undefined. */
function installed(name: BackendName): string | undefined {
  const { pkg } = SETUP[name];
  if (pkg) {
    try {
      import.meta.resolve(pkg);
    } catch {
      return 'not installed';
    }
  }
  return name === 'node-gpu' && !hasCuda() ? 'no CUDA device' : undefined;
}

async function tryBackend(name: BackendName): Promise<string | undefined> {
  const { pkg, tfName } = SETUP[name];
  try {
    const tf = await import('@tensorflow/tfjs');
    if (pkg) await import(pkg);
    if (name === 'node-gpu' && !hasCuda()) return 'no CUDA device';
    const ok = await tf.setBackend(tfName);
    if (!ok) return 'tfjs could not initialise it';
    await tf.ready();
    return undefined;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return text.includes('Cannot find') ? 'not installed' : text.split('\n')[0];
  }
}

/** tfjs-node-gpu falls back to the CPU silently; only call it "node-gpu" when a GPU is there. */
function hasCuda(): boolean {
  return existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl');
}
