// npm run fuzz -- [--runs N] [--cli-runs M] [--seed S]: the fuzz harness (test/fuzz/) with a larger budget than
// CI's (300 mutated files per decoder, 6 through the CLI). Prints the counts per decoder; exits non-zero on any
// violation of the oracle (the failing file is kept and its seed printed).
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const runs = opt('--runs', '2000'),
  cliRuns = opt('--cli-runs', '20'),
  seed = opt('--seed', undefined);
if (!/^\d+$/.test(runs) || !/^\d+$/.test(cliRuns)) {
  console.error('usage: npm run fuzz -- [--runs N] [--cli-runs M] [--seed S]');
  process.exit(2);
}
const env = { ...process.env, FUZZ_RUNS: runs, FUZZ_CLI_RUNS: cliRuns, ...(seed ? { FC_SEED: seed } : {}) };
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', 'test/fuzz', '--testTimeout', '0'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
