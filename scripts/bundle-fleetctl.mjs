// npm run build (and pretest, and the benches) run this after tsc: fleetctl, which tsc emits as
// about fifty ES modules under dist/cli, bundled into one CommonJS file, dist/fleetctl.cjs.
// bin/fleetctl runs it through V8's code cache (cli/launch.ts): one file to read and no module
// graph to resolve and link, and compiled code reused from the previous run. That takes about
// a quarter off the CPU of a cold `fleetctl status` (bench/RESULTS.md).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  entryPoints: [`${root}dist/cli/main.js`],
  outfile: `${root}dist/fleetctl.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // proto/wire.ts requires @bufbuild/protobuf's binary-encoding by a computed path at run time.
  external: ['@bufbuild/protobuf'],
  // CommonJS has no import.meta: modules that find files next to themselves get the bundle's URL.
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});

// The code cache of the previous bundle would be rejected anyway; start clean.
rmSync(`${root}dist/fleetctl.cjs.cache`, { force: true });
