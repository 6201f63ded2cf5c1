#!/usr/bin/env node
import { enableCompileCache } from 'node:module';

// V8 keeps the compiled code of the modules a command loads in a cache directory (in the OS
// temp dir), so later runs skip parsing and compiling them: about 50 ms of every start-up.
// Best effort: a cache that cannot be written is just not used.
enableCompileCache();

// Imported after the cache is on; a static import would be compiled before it.
const { main } = await import('./main.js');
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
