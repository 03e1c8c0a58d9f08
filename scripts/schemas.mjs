// Writes docs/formats/network.schema.json from the loader and the neuron models (src/net/schema.ts), formatted
// as the repository's Prettier would. Run after `npm run build` whenever a neuron model or a network field
// changes; test/formats.test.ts checks the file against the generator.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { networkSchema } from '../dist/src/net/schema.js';

const file = fileURLToPath(new URL('../docs/formats/network.schema.json', import.meta.url));
const options = (await prettier.resolveConfig(file)) ?? {};
writeFileSync(file, await prettier.format(JSON.stringify(networkSchema()), { ...options, filepath: file }));
console.log(`wrote ${file}`);
