/** ipvae import: a NIR graph (.nir, HDF5) as an integer Network; and the NIR view of ipvae inspect. */
import type { Command } from 'commander';
import { shared } from './options.js';
import { readNir } from '../nir/file.js';
import { checkGraph, isGraph, type NirGraph, type NirNode } from '../nir/ir.js';
import { fromNir, metaNumber, metaString, planNir, simulateNirFloat, type Discretisation } from '../frontends/nir.js';
import { readDriveFile } from '../sim/drive-file.js';
import { correlation } from '../net/validate.js';
import { probeResult, runNetwork } from '../sim/run.js';
import type { NirGraph as Graph } from '../nir/ir.js';
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
    .option(
      '--discretisation <d>',
      'zoh (exact for input held over a step; the default) or euler (as snnTorch and Norse train)',
    );
  const imp = program.commands[program.commands.length - 1];
  for (const name of ['dt', 'weightBits', 'spikes'] as const) shared(imp, name);
  imp
    .option('--out <file>', 'write the integer Network (.json)')
    .option('--json', 'print {graph, populations, tensors, latency_steps, notes} as JSON', false)
    .action(async (file: string, o) => {
      const { graph } = await readNir(file);
      const { dt, discretisation } = timeStep(graph, file, o);
      const { net, report } = fromNir(graph, file, {
        dt,
        weightBits: parseIntOpt('--weight-bits', o.weightBits, 2, 16),
        discretisation,
        spikes: spikesOf(graph, o.spikes),
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
      console.log(
        "v keeps, u keeps: the share of the voltage and of the current a neuron keeps per step, exact and as Loihi's " +
          '12-bit decay (Loihi); scale: the power of two its inputs are scaled by to fit the registers.',
      );
      console.log(
        "tensors: bits and exponent of the integer weights (a weight w stands for w x 2^exponent); max |w|: the largest float weight; rms error, relative rms: the quantisation's error over the tensor's weights.",
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

/** --dt: a positive number of seconds. */
export function positiveDt(v: string): number {
  const dt = parseFloatOpt('--dt', v, -Infinity);
  if (!(dt > 0)) throw new UserError(`--dt: ${v} is not a positive time step (seconds, e.g. 1e-4)`);
  return dt;
}

/** What a spike is: the option, else what a file ipvae wrote states, else held. */
function spikesOf(graph: Graph, opt: string | undefined): 'held' | 'dirac' {
  const stated = metaString(graph, 'ipvae_spikes') === 'dirac' ? 'dirac' : 'held';
  return oneOf('--spikes', opt ?? stated, ['held', 'dirac'] as const);
}

/** dt and discretisation: the options, else the file's (ipvae's own files state both), else an error. */
function timeStep(graph: Graph, file: string, o: { dt?: string; discretisation?: string }) {
  const fromFile = metaNumber(graph, 'dt');
  if (o.dt === undefined && fromFile === undefined)
    throw new UserError(
      `${file}: the graph states no time step; give --dt (snnTorch and the NIR paper use 1e-4 s, Norse 1e-3 s, Sinabs 1 step)`,
    );
  const dt = o.dt !== undefined ? positiveDt(o.dt) : fromFile!;
  const stated = metaString(graph, 'ipvae_discretisation') === 'euler' ? 'euler' : 'zoh';
  const discretisation = oneOf('--discretisation', o.discretisation ?? stated, [
    'zoh',
    'euler',
  ] as const) as Discretisation;
  return { dt, discretisation };
}

/** Spike-train agreement of two T x n 0/1 arrays. */
export function spikeAgreement(a: Float64Array, b: Float64Array, T: number, n: number) {
  const ca = new Float64Array(n),
    cb = new Float64Array(n);
  let first = -1,
    paired = 0,
    err = 0,
    unpaired = 0;
  for (let t = 0; t < T; t++)
    for (let i = 0; i < n; i++) {
      ca[i] += a[t * n + i];
      cb[i] += b[t * n + i];
      if (first < 0 && a[t * n + i] !== b[t * n + i]) first = t + 1;
    }
  for (let i = 0; i < n; i++) {
    const ta: number[] = [],
      tb: number[] = [];
    for (let t = 0; t < T; t++) {
      if (a[t * n + i]) ta.push(t);
      if (b[t * n + i]) tb.push(t);
    }
    const k = Math.min(ta.length, tb.length);
    for (let j = 0; j < k; j++) err += Math.abs(ta[j] - tb[j]);
    paired += k;
    unpaired += Math.abs(ta.length - tb.length);
  }
  let sa = 0,
    sb = 0;
  for (let i = 0; i < n; i++) {
    sa += ca[i];
    sb += cb[i];
  }
  // two identical constant count vectors agree; otherwise Pearson's r (NaN when one of them is constant)
  const same = ca.every((x, i) => x === cb[i]);
  const corr = same ? 1 : correlation(ca, cb);
  return {
    spikesFloat: sa,
    spikesInt: sb,
    countCorrelation: corr,
    meanSpikeTimeErrorSteps: paired ? err / paired : 0,
    unpairedSpikes: unpaired,
    firstDivergingStep: first < 0 ? null : first,
  };
}

/** ipvae validate --nir F --drive D: the float64 reference against the integer network per weight width. */
export async function validateNir(o: Record<string, string | boolean | undefined>): Promise<void> {
  const file = o.nir as string;
  if (!o.drive) throw new UserError('validate --nir: give --drive (the input spike trains, JSON or .npy)');
  const { graph } = await readNir(file);
  const t = timeStep(graph, file, o as { dt?: string; discretisation?: string });
  const spikes = spikesOf(graph, o.spikes as string | undefined);
  const plan = planNir(graph, file, { ...t, spikes });
  const inputs = [...plan.nodes].filter(([, n]) => n.type === 'Input').map(([k]) => k);
  const drives = readDriveFile(o.drive as string, {
    population: o.population as string | undefined,
    fallback: () => inputs[0],
    names: inputs,
  });
  for (const [name, rows] of Object.entries(drives)) {
    const size = plan.sizeOf(name, plan.nodes.get(name)!);
    const bad = rows.findIndex((r) => r.length !== size);
    if (bad >= 0) throw new UserError(`${o.drive}: step ${bad + 1} must be ${size} values (input ${name} has ${size})`);
  }
  const T = Object.values(drives)[0].length;
  const ref = simulateNirFloat(plan, drives);
  const watched = [...new Set(Object.values(plan.outputs).flat())].filter((p) => plan.neurons.get(p)?.threshold);
  if (!watched.length) throw new UserError(`${file}: no spiking population feeds an Output; nothing to compare`);
  const bits = String(o.weightBits)
    .split(',')
    .map((b) => parseIntOpt('--weight-bits', b.trim(), 2, 16));
  const rows = [];
  for (const b of bits) {
    const { net } = fromNir(graph, file, { ...t, spikes, weightBits: b });
    for (const pop of watched) {
      const r = await runNetwork(
        net,
        { drives },
        {
          steps: T,
          seed: 0,
          engine: 'event',
          workers: 1,
          probes: [{ kind: 'trace', population: pop, variables: ['out'] }],
        },
      );
      const tr = probeResult(r, 'trace');
      const n = tr.size;
      const int = Float64Array.from(tr.values.out.subarray(n), (x) => (x !== 0 ? 1 : 0)); // steps 1..T
      rows.push({
        bits: b,
        population: pop,
        saturations: r.counters.saturations,
        ...spikeAgreement(ref.get(pop)!, int, T, n),
      });
    }
  }
  const res = { nir: file, drive: o.drive, dt: t.dt, discretisation: t.discretisation, steps: T, rows };
  if (o.json) {
    console.log(JSON.stringify(snakeKeys(res)));
    return;
  }
  console.log(
    `${file}: float64 reference (${t.discretisation}, dt = ${t.dt} s) against the integer network, ${T} steps`,
  );
  console.log(
    table(
      [
        'bits',
        'population',
        'spikes float',
        'spikes int',
        'count corr',
        'time error (steps)',
        'unpaired',
        'first diverging step',
        'saturations',
      ],
      rows.map((r) => [
        r.bits,
        r.population,
        r.spikesFloat,
        r.spikesInt,
        fmt(r.countCorrelation, 4),
        fmt(r.meanSpikeTimeErrorSteps, 3),
        r.unpairedSpikes,
        r.firstDivergingStep ?? 'none',
        r.saturations,
      ]),
    ),
  );
}
