// `npm start`: bundles the local runtime, then runs it in this same process. No shell and no
// second node stay between npm and the server (package.json's script starts with `exec`), so the
// SIGINT or SIGTERM that npm forwards reaches the server itself, which stops what it started.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle } from './build.mjs';

const server = await bundle('local/main.ts', '.local/server.mjs');
await import(pathToFileURL(resolve(server)).href);
