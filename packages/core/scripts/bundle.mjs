// Bundles the two public entry points (`.` and `./derive`) into a few ES modules. tsc alone
// emits one file per source module (over 100), and loading that many costs every process that
// imports core (a CLI start, an `astro build`) ~35 ms more than loading the bundle. tsc still
// checks the code and writes the .d.ts files; dependencies stay external imports.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/index.ts', 'src/derive/index.ts', 'src/run/sharp-host.ts'],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
