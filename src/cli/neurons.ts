/** ipvae neurons: the registered neuron models, their parameters, state variables and counters. */
import type { Command } from 'commander';
import { neuronModels } from '../sim/registry.js';
import { qName, type QFormat } from '../fixed/q.js';
import { table } from './common.js';

export function addNeuronsCommand(program: Command): void {
  program
    .command('neurons')
    .description(
      'list the registered neuron models (src/sim/models/): parameters with ranges and defaults, state, payload',
    )
    .option('--json', 'print every model in full', false)
    .action((o) => {
      const models = neuronModels();
      if (o.json) {
        console.log(
          JSON.stringify(
            models.map((m) => ({
              name: m.name,
              summary: m.summary,
              doc: m.doc,
              payload: m.payload,
              spiking: m.spiking,
              host: m.host,
              params: m.params,
              state: m.state.map((s) => ({ name: s.name, doc: s.doc, format: formatText(s.format) })),
              formats: m.formats,
              counters: m.counters,
            })),
          ),
        );
        return;
      }
      for (const m of models) {
        console.log(`${m.name}: ${m.summary}`);
        console.log(`  ${m.doc}`);
        console.log(
          `  payload ${m.payload}${m.spiking ? ', spiking' : ''}${m.host ? ', host (not placed on a core)' : ''}; ` +
            `state ${m.state.map((s) => `${s.name} (${formatText(s.format)})`).join(', ') || 'none'}` +
            (m.formats.length ? `; formats ${m.formats.map((f) => f.name).join(', ')}` : '') +
            (m.counters.length ? `; counters ${m.counters.map((c) => c.name).join(', ')}` : ''),
        );
        if (m.params.length)
          console.log(
            table(
              ['  parameter', 'shape', 'range', 'default', 'meaning'],
              m.params.map((p) => [
                `  ${p.name}`,
                p.shape,
                `[${p.min}, ${p.max}]`,
                p.default === undefined ? 'required' : p.default,
                p.doc,
              ]),
            ),
          );
        console.log('');
      }
      console.log('a network names its model in populations[i].model; add one with a file in src/sim/models/');
    });
}

/** A state variable's format as text: fixed (s24.0) or the population format it reads. */
function formatText(f: QFormat | string): string {
  return typeof f === 'string' ? `formats.${f}` : qName(f);
}
