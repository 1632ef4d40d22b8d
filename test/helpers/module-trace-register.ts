import { register } from 'node:module';

// Given to node with --import, so that the ES modules of the main thread load through the hook.
register(new URL('./module-trace-hooks.js', import.meta.url));
