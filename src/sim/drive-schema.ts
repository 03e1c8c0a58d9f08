/**
 * The JSON Schema (draft 2020-12) of a JSON drive file (src/sim/drive-file.ts): an array of per-step rows, or
 * an object of them by population. docs/formats/drive.schema.json is this function's output (a test keeps them
 * equal). A NumPy .npy drive is binary and has no JSON Schema.
 *
 * What it cannot express is checked by the reader and the simulator (docs/formats/drive.md): the populations
 * named are the network's, every population has the same number of rows, each row is as long as its population,
 * and a row for an input that feeds a binary projection holds spikes (0 or 1).
 */

type S = Record<string, unknown>;

export function driveSchema(): S {
  const rows = {
    type: 'array',
    description: 'one row per step (the first is step 1)',
    minItems: 1,
    items: {
      type: 'array',
      description: "one integer per neuron: an input's emission, or a current added to a neuron's input",
      minItems: 1,
      items: { type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
    },
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:ipvae:schema:drive:1',
    title: 'ipvae drive (JSON)',
    description:
      'Per-step integer rows for simulate, energy, report and export --drive. docs/formats/drive.md explains the forms and the checks beyond this schema.',
    oneOf: [
      { ...rows, description: 'the rows of one population (--population, or the default population)' },
      {
        type: 'object',
        description: 'rows by population name, every population the same number of steps',
        minProperties: 1,
        additionalProperties: rows,
      },
    ],
  };
}
