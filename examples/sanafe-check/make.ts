/**
 * The network of the SANA-FE check (examples/sanafe-check/README.md): a random integrate-and-fire network of 320
 * neurons driven by 64 random input spike trains for 200 steps, written as net.json and drive.json. Run after
 * `npm run build`: node dist/examples/sanafe-check/make.js [out-dir]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkToJson, randomDrivenNetwork } from 'ipvae';

const out = process.argv[2] ?? 'examples/sanafe-check';
const { net, drive } = randomDrivenNetwork({
  inputs: 64,
  neurons: 320,
  fanInInput: 8,
  fanInRecurrent: 16,
  steps: 200,
  pSpike: 0.2,
  vth: 120,
  weightBits: 6,
  seed: 12,
});
writeFileSync(join(out, 'net.json'), networkToJson(net));
writeFileSync(join(out, 'drive.json'), JSON.stringify({ in: drive }));
console.log(`wrote ${join(out, 'net.json')} and ${join(out, 'drive.json')}`);
