// Compiles native/ (addon.c, first_layer.c, sparse.c) into build/Release/tune_native.node at `npm install`, with the
// node-gyp that npm brings (as better-sqlite3 is built). When it cannot be built (no compiler),
// tune trains with tfjs instead, so the install goes on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const gyp = process.env.npm_config_node_gyp;
const prefix = dirname(dirname(process.execPath));
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const args = gyp ? [gyp] : [join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
args.push('rebuild', '--release', '--loglevel=error', ...(nodedir ? [`--nodedir=${nodedir}`] : []));
const run = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
if (run.status !== 0) console.warn('tune: the native training engine could not be built; tune will train with tfjs (slower)');
