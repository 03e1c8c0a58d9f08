// npm run bench -- NAME [options]: runs dist/bench/NAME.js (built by tsc), which prints a table and writes
// bench/results/NAME.json, an array of {case, metric, value, unit}.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [options]   (NAME: ${available.join(', ')})`);
  process.exit(2);
}
const script = join(root, 'dist', 'bench', `${name}.js`);
if (!existsSync(script)) {
  console.error(`${script} is missing: run npm run build`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [script, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
