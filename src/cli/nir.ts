/** ipvae import: a NIR graph (.nir, HDF5) as an integer Network; and the NIR view of ipvae inspect. */
import type { Command } from 'commander';
import { readNir } from '../nir/file.js';
import { checkGraph, isGraph, type NirGraph, type NirNode } from '../nir/ir.js';
import { fromNir, type Discretisation } from '../frontends/nir.js';
import { toJson } from '../net/json.js';
import { writeFileAtomic } from '../io/atomic.js';
import { snakeKeys } from '../io/json-case.js';
import { UserError } from '../errors.js';
import { fmt, oneOf, parseFloatOpt, parseIntOpt, table } from './common.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** The graph's nodes as rows: name, type, shape, parameters (nested graphs indented). */
function nodeRows(g: NirGraph, file: string, at: string, indent = ''): string[][] {
  const shapes = checkGraph(g, file, at);
  const rows: string[][] = [];
  for (const [name, n] of g.nodes) {
    const shape = shapes.get(name) ?? [];
    const params = isGraph(n)
      ? `${n.nodes.size} nodes, ${n.edges.length} edges`
      : Object.entries((n as NirNode).params)
          .map(([k, p]) => (typeof p === 'string' ? `${k}=${p}` : `${k}[${p.shape.join('x')}]`))
          .join(' ');
    rows.push([indent + name, n.type, `[${shape.join(', ')}]`, String(prod(shape)), params]);
    if (isGraph(n)) rows.push(...nodeRows(n, file, `${at}.${name}`, `${indent}  `));
  }
  return rows;
}

export async function inspectNir(file: string, json: boolean): Promise<void> {
  const { version, graph } = await readNir(file);
  if (json) {
    const dump = (g: NirGraph): unknown => ({
      type: 'NIRGraph',
      nodes: Object.fromEntries(
        [...g.nodes].map(([k, n]) => [
          k,
          isGraph(n)
            ? dump(n)
            : {
                type: n.type,
                params: Object.fromEntries(
                  Object.entries(n.params).map(([p, v]) => [
                    p,
                    typeof v === 'string' ? v : { shape: v.shape, dtype: `${v.type}${v.size * 8}` },
                  ]),
                ),
              },
        ]),
      ),
      edges: g.edges,
    });
    console.log(JSON.stringify({ file, version, graph: dump(graph) }));
    return;
  }
  console.log(`${file}: NIR ${version || '(no version)'}, ${graph.nodes.size} nodes, ${graph.edges.length} edges`);
  console.log(table(['node', 'type', 'shape', 'size', 'parameters'], nodeRows(graph, file, 'node')));
  console.log(`edges: ${graph.edges.map(([a, b]) => `${a} -> ${b}`).join(', ')}`);
}

export function addNirCommands(program: Command): void {
  program
    .command('import')
    .description(
      'a NIR graph (.nir, from snnTorch, Norse, Sinabs, ...) as an integer Network: neurons discretised at --dt onto Loihi registers, linear chains folded and quantised; prints the graph, the discretisation and the quantisation report',
    )
    .argument('<file>', 'the .nir file')
    .option('--dt <seconds>', "time step (NIR files carry none; default: the root graph's metadata dt)")
    .option('--weight-bits <n>', 'weight width (signed, a shared exponent per projection)', '8')
    .option(
      '--discretisation <d>',
      'zoh (exact for input held over a step; the default) or euler (as snnTorch and Norse train)',
    )
    .option('--out <file>', 'write the integer Network (.json)')
    .option('--json', 'print {graph, populations, tensors, latency_steps, notes} as JSON', false)
    .action(async (file: string, o) => {
      const { graph } = await readNir(file);
      const md = graph.metadata?.children.get('dt');
      const fromFile = md && md.kind === 'dataset' && md.type !== 'string' ? md.value[0] : undefined;
      if (o.dt === undefined && fromFile === undefined)
        throw new UserError(
          `${file}: the graph states no time step; give --dt (snnTorch and the NIR paper use 1e-4 s, Norse 1e-3 s, Sinabs 1 step)`,
        );
      const dt = o.dt !== undefined ? parseFloatOpt('--dt', o.dt, Number.MIN_VALUE) : fromFile!;
      // a file ipvae wrote states its discretisation; --discretisation overrides it
      const stated = graph.metadata?.children.get('ipvae_discretisation');
      const fromMeta = stated?.kind === 'dataset' && stated.type === 'string' ? stated.value[0] : undefined;
      const discretisation = oneOf('--discretisation', o.discretisation ?? (fromMeta === 'euler' ? 'euler' : 'zoh'), [
        'zoh',
        'euler',
      ] as const) as Discretisation;
      const { net, report } = fromNir(graph, file, {
        dt,
        weightBits: parseIntOpt('--weight-bits', o.weightBits, 2, 16),
        discretisation,
      });
      if (o.out) writeFileAtomic(o.out, toJson(net));
      if (o.json) {
        console.log(JSON.stringify(snakeKeys({ file, ...report, out: o.out ?? null })));
        return;
      }
      console.log(table(['node', 'type', 'shape', 'size', 'parameters'], nodeRows(graph, file, 'node')));
      console.log(`discretisation: ${discretisation} at dt = ${dt} s; a spike is 1 for one step`);
      console.log(
        table(
          ['population', 'NIR type', 'model', 'neurons', 'v keeps', 'Loihi', 'u keeps', 'Loihi', 'scale'],
          report.populations.map((p) => [
            p.node,
            p.type,
            p.model,
            p.size,
            p.vRetain === undefined ? '-' : fmt(p.vRetain, 5),
            p.vRetainLoihi === undefined ? '-' : fmt(p.vRetainLoihi, 5),
            p.uRetain === undefined ? '-' : fmt(p.uRetain, 5),
            p.uRetainLoihi === undefined ? '-' : fmt(p.uRetainLoihi, 5),
            `2^${p.scale}`,
          ]),
        ),
      );
      console.log(
        table(
          ['tensor', 'bits', 'exponent', 'max |w|', 'rms error', 'relative rms'],
          report.tensors.map((t) => [
            t.name,
            t.bits,
            t.exponent,
            fmt(t.maxAbs, 4),
            fmt(t.rmsError, 6),
            fmt(t.relRmsError, 4),
          ]),
        ),
      );
      for (const [k, v] of Object.entries(report.latencySteps))
        console.log(
          `latency: ${k} answers ${v} step(s) after its input (one per neuron layer; NIR edges are instantaneous)`,
        );
      for (const n of report.notes) console.log(`note: ${n}`);
      if (o.out)
        console.log(
          `wrote ${o.out} (${net.populations.length} populations, ${net.projections.reduce((a, p) => a + p.indices.length, 0)} synapses)`,
        );
    });
}
