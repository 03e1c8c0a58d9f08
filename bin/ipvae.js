#!/usr/bin/env node
// The ipvae command. The TypeScript sources are built to dist/ by `npm install` (the prepare script).
import('../dist/src/cli/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
      process.stderr.write(
        'ipvae: the toolkit is not built: run npm install (or npm run build) in the package folder\n',
      );
      process.exit(2);
    }
    process.stderr.write(
      `ipvae: internal error: ${err && err.message ? err.message : err}` +
        (process.env.IPVAE_DEBUG ? `\n${err && err.stack}` : ' (set IPVAE_DEBUG=1 for the stack trace)') +
        '\n',
    );
    process.exit(1);
  });
