import { register } from 'node:module';

// Given to node with --import: every thread of the process (piscina's workers inherit it) loads
// through the hook.
register(new URL('./module-trace-hooks.js', import.meta.url));
