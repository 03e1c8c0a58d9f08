// Writes the JSON Schemas in docs/formats/ from the loaders: network.schema.json (the network loader and the
// neuron models, src/net/schema.ts), profile.schema.json (src/hardware/profile-schema.ts), rates.schema.json
// (src/sim/rates-schema.ts) and drive.schema.json (src/sim/drive-schema.ts), formatted as the repository's
// Prettier would. Run after `npm run build` whenever a neuron model or a field of these files changes;
// test/formats.test.ts and test/formats-files.test.ts check the files against the generators.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { networkSchema } from '../dist/src/net/schema.js';
import { profileSchema } from '../dist/src/hardware/profile-schema.js';
import { ratesSchema } from '../dist/src/sim/rates-schema.js';
import { driveSchema } from '../dist/src/sim/drive-schema.js';

const schemas = { network: networkSchema, profile: profileSchema, rates: ratesSchema, drive: driveSchema };
for (const [name, schema] of Object.entries(schemas)) {
  const file = fileURLToPath(new URL(`../docs/formats/${name}.schema.json`, import.meta.url));
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(JSON.stringify(schema()), { ...options, filepath: file }));
  console.log(`wrote ${file}`);
}
