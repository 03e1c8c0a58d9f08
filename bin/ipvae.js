#!/usr/bin/env node
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`ipvae: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
