/**
 * Library use in a dozen lines: load a checkpoint and a data set, run 1000 steps of hard-Poisson iP-VAE
 * inference on 100 held-out inputs on two worker threads, print R^2 and PZ over time.
 *
 *   npm run build && node dist/examples/infer-api.js [patches-k512 | model.safetensors] [patches]
 */
import { evaluate, loadData, loadModel } from 'ipvae';

const modelPath = process.argv[2] ?? 'patches-k512';
const dataName = process.argv[3] ?? 'patches';
const model = loadModel(modelPath);
const data = loadData(dataName, 'test');
const result = await evaluate(model, data.X, 100, { steps: 1000, seed: 0, workers: 2 });
for (const m of result.metrics) console.log(`t=${m.t}\tR2=${m.r2.toFixed(3)}\tPZ=${m.pz.toFixed(3)}`);
console.log(`${result.seconds.toFixed(2)} s`);
