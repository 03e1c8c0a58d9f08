/** ipvae quantize | simulate | validate: the integer Network, its simulator, and integer-vs-float validation. */
import type { Command } from 'commander';
import { loadModel } from '../io/safetensors.js';
import { loadData, DATA_NAMES } from '../data/datasets.js';
import { writeFileAtomic } from '../io/atomic.js';
import { fromIpVae, DEFAULT_QUANT, type QuantOptions, type TensorReport } from '../frontends/ipvae.js';
import { requantizeProjection } from '../net/quantize.js';
import { readNetwork, toJson } from '../net/json.js';
import type { Counters, EngineKind } from '../sim/engine.js';
import { probeResult, runNetwork } from '../sim/run.js';
import type { ProbeRequest } from '../sim/probe.js';
import { isIpVaeNetwork } from '../sim/probes/ipvae-metrics.js';
import { writeRates } from '../sim/rates.js';
import { readDriveFile } from '../sim/drive-file.js';
import { isNeuronModel, neuronModel, neuronModels, resolvePopulation } from '../sim/registry.js';
import { snakeKeys } from '../io/json-case.js';
import { keyName, parseJson, shown } from '../io/json-read.js';
import { VERDICT_LIMITS, validateWidths } from '../net/validate.js';
import { validateNir } from './nir.js';
import { UserError } from '../errors.js';
import type { Network, Population } from '../net/network.js';
import { fmt, inFiles, oneOf, parseIntOpt, progressBar, table } from './common.js';
import { modelHelp } from './models.js';
import { alias, modes, parseSamples, shared } from './options.js';
import { checkPlotPath, validationPlot } from './plots.js';

function quantOpts(o: Record<string, string>, bits?: number): Partial<QuantOptions> {
  return {
    weightBits: bits ?? parseIntOpt('--weight-bits', o.weightBits, 2, 16),
    inputBits: parseIntOpt('--input-bits', o.inputBits, 4, 24),
    uBits: parseIntOpt('--u-bits', o.uBits, 12, 32),
    uFrac: parseIntOpt('--u-frac', o.uFrac, 8, 20),
    countBits: parseIntOpt('--count-bits', o.countBits, 1, 16),
  };
}

/** The quantiser's widths for an iP-VAE's membranes, inputs and counts (not the weights'). */
const QUANT_OPTIONS = ['inputBits', 'uBits', 'uFrac', 'countBits'];

function addQuantOptions(c: Command): Command {
  return c
    .option('--input-bits <n>', 'width of the quantised inputs x (range +-16)', String(DEFAULT_QUANT.inputBits))
    .option('--u-bits <n>', 'membrane register width', String(DEFAULT_QUANT.uBits))
    .option('--u-frac <n>', 'fraction bits of u, b, u0, the clamp and the floor', String(DEFAULT_QUANT.uFrac))
    .option(
      '--count-bits <n>',
      'width of a graded spike count (saturates at 2^n - 1)',
      String(DEFAULT_QUANT.countBits),
    );
}

function reportTable(r: TensorReport[]): string {
  return table(
    ['tensor', 'bits', 'exponent', 'max |w|', 'rms error', 'max error', 'relative rms'],
    r.map((t) => [
      t.name,
      t.bits,
      t.exponentMin === undefined ? t.exponent : `${t.exponentMin}..${t.exponent}`,
      fmt(t.maxAbs, 4),
      fmt(t.rmsError, 6),
      fmt(t.maxError, 6),
      fmt(t.relRmsError, 4),
    ]),
  );
}

/** A one-population network of a registered model for --neuron, its parameters from --params (checked by the model's spec). */
function neuronNet(model: string, params: string, size: number): Network {
  if (!isNeuronModel(model) || neuronModel(model).host)
    throw new UserError(
      `--neuron: ${shown(model)} is not a neuron model (${neuronModels()
        .filter((m) => !m.host)
        .map((m) => m.name)
        .join(', ')}; ipvae neurons lists them)`,
    );
  const needs = neuronModel(model).formats.filter((f) => !f.default);
  if (needs.length)
    throw new UserError(
      `--neuron: ${model} needs formats (${needs.map((f) => f.name).join(', ')}), which --params cannot give; write a network file and use --net`,
    );
  const p = parseJson(params, '--params', 'not JSON (expected an object such as {"vth": 64})');
  if (!p || typeof p !== 'object' || Array.isArray(p))
    throw new UserError('--params: expected a JSON object of integers (or arrays of one integer per neuron)');
  const out: Network['populations'][number]['params'] = Object.fromEntries(
    Object.entries(p).map(([k, v]) => {
      if (Number.isInteger(v)) return [k, v as number];
      if (Array.isArray(v) && v.every((x) => Number.isInteger(x) && Math.abs(x) < 2 ** 31))
        return [k, Int32Array.from(v as number[])];
      throw new UserError(`--params: ${keyName(k)} must be an integer or an array of integers (one per neuron)`);
    }),
  );
  const net: Network = {
    name: model,
    meta: {},
    projections: [],
    populations: [{ name: model, model, size, params: out, formats: {} }],
  };
  const r = resolvePopulation(net.populations[0]);
  if ('problem' in r) throw new UserError(`--params: ${r.problem.field.replace(/^params\./, '')} ${r.problem.what}`);
  return net;
}

/** The counters as printed: snake_case keys, plus means per input. */
function countersJson(c: Counters, N: number): Record<string, unknown> {
  return {
    ...(snakeKeys(c) as Record<string, unknown>),
    per_sample: {
      spikes: c.spikes / N,
      messages: c.messages / N,
      synaptic_events: c.synapticEvents / N,
      neurobench_effective_acs: c.neurobenchEffectiveAcs / N,
      neurobench_effective_macs: c.neurobenchEffectiveMacs / N,
      neurobench_dense: c.neurobenchDense / N,
      neuron_updates: c.neuronUpdates / N,
    },
  };
}

/** The counters in one line of text, per input. */
function countersLine(c: Counters, N: number): string {
  return (
    `per sample: ${fmt(c.spikes / N, 0)} spikes, ${fmt(c.messages / N, 0)} messages, ${fmt(c.synapticEvents / N, 0)} synaptic events (spikes x fan-out), ` +
    `NeuroBench ${fmt(c.neurobenchEffectiveAcs / N, 0)} effective ACs + ${fmt(c.neurobenchEffectiveMacs / N, 0)} effective MACs, ${fmt(c.neurobenchDense / N, 0)} dense; ` +
    `${fmt(c.neuronUpdates / N, 0)} neuron updates`
  );
}

/** What simulate's table columns mean (an iP-VAE network on data): printed under it, and in --help. */
const SIMULATE_NOTES = [
  'Means over the inputs at step t. R2: 1 - |x - Phi z|^2 / |x - mean(x)|^2, Phi the dequantised decoder and z the',
  'integer counts; PZ: share of latents with count 0; spikes: counts summed over the latents at that step.',
];

/** What validate's table columns mean: printed under it, and in ipvae validate --help. */
const VALIDATE_NOTES = [
  'bits: weight width of the integer network. float: the float model; int: the integer network (the same inputs,',
  'steps and seed). R2, PZ: at the last step, from the spike counts: 1 - |x - Phi z|^2 / |x - mean(x)|^2, and the',
  'share of latents with count 0. rate corr: Pearson correlation of the final rates exp(u), float against integer.',
  'active agree: share of (input, latent) pairs on the same side of rate ln 2 (a spike more likely than not) in both.',
  'saturations: values clipped to their register, in the network and the inputs. verdict: ok, degraded or failed',
  'against the float model (the thresholds: ipvae validate --help).',
];

export function addNetCommands(program: Command): void {
  addQuantOptions(
    program
      .command('quantize')
      .description(
        'quantise a float iP-VAE (--model) into an integer Network as JSON, or re-quantise an integer Network (--net) to another weight width',
      )
      .option('--model <file|name>', modelHelp('float model'))
      .option(
        '--net <file>',
        'an integer Network (.json) whose weights to re-quantise (the other width options do not apply)',
      )
      .requiredOption('--out <file>', 'output network (.json)')
      .option('--json', 'print the quantisation report as JSON', false),
  );
  const qz = program.commands[program.commands.length - 1];
  shared(qz, 'weightBits');
  shared(qz, 'exponent');
  modes(qz, [
    {
      mode: 'with --model (--net re-quantises the weights only)',
      active: (o) => o.net === undefined,
      only: [...QUANT_OPTIONS],
      elsewhere: ['--net', 'n.json', '--out', 'o.json'],
    },
  ]);
  qz.action((o) => {
    const exponent = oneOf('--exponent', o.exponent, ['shared', 'per-row'] as const);
    if (!!o.model === !!o.net)
      throw new UserError('quantize: give --model (a float iP-VAE) or --net (an integer Network), one of them');
    if (o.net) {
      const src = readNetwork(o.net);
      const weightBits = parseIntOpt('--weight-bits', o.weightBits, 2, 32);
      const report: TensorReport[] = [];
      const projections = src.projections.flatMap((q) => {
        const nT = src.populations.find((p) => p.name === q.target)!.size;
        const r = requantizeProjection(q, nT, { weightBits, exponent });
        report.push(r.report);
        return r.projections;
      });
      // the record of how the network was made stays true: the quantiser's options get the new width
      const quant = src.meta.quant && typeof src.meta.quant === 'object' ? src.meta.quant : undefined;
      const net: Network = {
        ...src,
        projections,
        meta: {
          ...src.meta,
          ...(quant ? { quant: { ...quant, weight_bits: weightBits, exponent } } : {}),
          requantized_from: o.net,
          weight_bits: weightBits,
          exponent,
        },
      };
      writeFileAtomic(o.out, toJson(net));
      if (o.json) console.log(JSON.stringify({ out: o.out, report: snakeKeys(report) }));
      else
        console.log(
          `${reportTable(report)}\nwrote ${o.out} (${projections.length} projections, ${projections.reduce((a, q) => a + q.indices.length, 0)} synapses; errors over the stored synapses)`,
        );
      return;
    }
    const p = loadModel(o.model);
    const { net, report } = fromIpVae(p, { ...quantOpts(o), exponent });
    net.meta.model_file = o.model;
    writeFileAtomic(o.out, toJson(net));
    if (o.json) console.log(JSON.stringify({ out: o.out, report: snakeKeys(report) }));
    else
      console.log(
        `${reportTable(report)}\nwrote ${o.out} (D=${p.D}, K=${p.K}, ${net.projections.reduce((s, q) => s + q.indices.length, 0)} synapses)`,
      );
  });

  program
    .command('simulate')
    .description(
      'run an integer Network on a data set (iP-VAE nets: R^2, PZ, op counts) or on given input currents (--drive)',
    )
    .addHelpText('after', `\nColumns of the table (an iP-VAE network on --data):\n${SIMULATE_NOTES.join('\n')}`)
    .option('--net <file>', 'network (.json from ipvae quantize, or any Network JSON)')
    .option('--data <name>', `${DATA_NAMES} (held-out split) for an iP-VAE net`);
  const sim = program.commands[program.commands.length - 1];
  for (const name of ['samples', 'steps'] as const) shared(sim, name, { mode: 'with --data' });
  for (const name of ['engine', 'seed'] as const) shared(sim, name);
  shared(sim, 'workers', { mode: 'with --data' });
  shared(sim, 'backend');
  shared(sim, 'drive', {
    detail: '; for an input population a row is what it emits, for any other a current added to its input',
  });
  shared(sim, 'population', { mode: 'with --drive' });
  sim
    .option(
      '--trace <name>',
      'with --drive: the population --probe VAR refers to, printed whole without --probe (default: the driven one)',
    )
    .option(
      '--probe <list>',
      "with --drive: what to print per step, comma-separated: POP.VAR (any population's variable), VAR (of the --trace population) or POP (all its variables); a variable is a model's state variable, or spikes (out for a non-spiking model's emission); default: every variable of the --trace population",
    )
    .option(
      '--neuron <model>',
      'with --drive: a one-population network of this model instead of --net (ipvae neurons lists them)',
    )
    .option('--params <json>', 'with --neuron: its parameters, e.g. {"du":0,"dv":2048,"vth":256}')
    .option('--lava-wrap', 'LIF u register wraps at 24 bits as in Lava (default: saturate and count)', false)
    .option(
      '--rates-out <file>',
      "write every neuron's mean spikes and events per emission, steps 0 .. T, over the data inputs or the one --drive run (JSON ipvae.rates, for ipvae map --rates)",
    )
    .option('--json', 'print one JSON object', false);
  modes(sim, [
    {
      mode: 'with --drive',
      active: (o) => o.drive !== undefined,
      only: ['trace', 'probe', 'neuron', 'params', 'population'],
      elsewhere: ['--net', 'n.json', '--data', 'patches'],
    },
    {
      mode: 'without --drive (a --drive run has one input; its rows are the steps)',
      active: (o) => o.drive === undefined,
      only: ['data', 'samples', 'steps', 'workers'],
      elsewhere: ['--net', 'n.json', '--drive', 'd.json'],
    },
    {
      mode: 'with --neuron',
      active: (o) => o.neuron !== undefined,
      only: ['params'],
      elsewhere: ['--net', 'n.json', '--drive', 'd.json'],
    },
  ]);
  sim.action(async (o) => {
    const engine = oneOf('--engine', o.engine, ['event', 'clock'] as const) as EngineKind;
    const backend = oneOf('--backend', o.backend, ['wasm', 'js'] as const);
    const seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff);
    const lifMode = o.lavaWrap ? 'lava-wrap' : 'saturate';
    const t0 = performance.now();
    if (o.drive) {
      if (o.net && o.neuron) throw new UserError('simulate: give --net or --neuron, not both');
      let net: Network | undefined = o.net ? readNetwork(o.net) : undefined;
      if (net && o.population && !net.populations.some((p) => p.name === o.population))
        throw new UserError(`--population: ${o.net} has no population ${shown(o.population)}`);
      const drives = readDriveFile(o.drive, {
        population: o.population,
        fallback: () => (net ? net.populations.find((p) => !neuronModel(p.model).host)?.name : o.neuron),
        names: net?.populations.map((p) => p.name),
      });
      const width = Object.values(drives)[0][0].length;
      if (!net) {
        if (!o.neuron) throw new UserError('simulate: give --net or --neuron');
        net = neuronNet(o.neuron, o.params ?? '{}', width);
        const only = net.populations[0].name,
          keys = Object.keys(drives);
        if (keys.length !== 1)
          throw new UserError(`${o.drive}: --neuron builds one population; give one array of per-step rows`);
        if (keys[0] !== only) {
          drives[only] = drives[keys[0]];
          delete drives[keys[0]];
        }
      }
      for (const [name, rows] of Object.entries(drives)) {
        const P = net.populations.find((p) => p.name === name);
        if (!P) throw new UserError(`${o.drive}: the network has no population ${shown(name)}`);
        const bad = rows.findIndex((r) => r.length !== P.size);
        if (bad >= 0)
          throw new UserError(
            `${o.drive}: step ${bad + 1} must be ${P.size} integers (population ${shown(name)} has ${P.size} neurons)`,
          );
      }
      const traced = o.trace ?? Object.keys(drives)[0];
      const net_ = net;
      const fail = (msg: string): never => {
        throw new UserError(msg);
      };
      const popOf = (name: string, opt: string) =>
        net_.populations.find((p) => p.name === name) ??
        fail(
          `${opt}: the network has no population ${shown(name)} (${net_.populations.map((p) => p.name).join(', ')})`,
        );
      popOf(traced, '--trace');
      // the emission is "spikes" for a spiking model, "out" otherwise (an input's values, a voltage)
      const emissionOf = (P: Population) => (neuronModel(P.model).spiking ? 'spikes' : 'out');
      const varsOf = (P: Population) => [...neuronModel(P.model).state.map((st) => st.name), emissionOf(P)];
      // --probe items: VAR (of the --trace population), POP.VAR, or POP (all its variables)
      const picked: { pop: string; v: string }[] = [];
      const items = o.probe
        ? String(o.probe)
            .split(',')
            .map((x: string) => x.trim())
        : [traced];
      for (const item of items) {
        const whole = net.populations.find((p) => p.name === item);
        const dot = item.lastIndexOf('.');
        const owner = dot > 0 ? net.populations.find((p) => p.name === item.slice(0, dot)) : undefined;
        if (whole && !(owner && varsOf(owner).includes(item.slice(dot + 1))))
          for (const v of varsOf(whole)) picked.push({ pop: whole.name, v });
        else if (owner)
          picked.push({ pop: owner.name, v: oneOf(`--probe ${owner.name}`, item.slice(dot + 1), varsOf(owner)) });
        else if (dot > 0)
          fail(
            `--probe: ${shown(item)}: the network has no population ${shown(item.slice(0, dot))} (${net.populations.map((p) => p.name).join(', ')})`,
          );
        else
          picked.push({
            pop: traced,
            v: oneOf(`--probe (a variable of ${traced}, or POP.VAR)`, item, varsOf(popOf(traced, '--trace'))),
          });
      }
      const pops = [...new Set(picked.map((x) => x.pop))];
      const label = (x: { pop: string; v: string }) =>
        pops.length === 1 && x.pop === traced ? x.v : `${x.pop}.${x.v}`;
      const probes = picked.map(label);
      const steps = Object.values(drives)[0].length;
      const r = await inFiles({ network: o.net, drive: o.drive }, () =>
        runNetwork(
          net,
          { drives },
          {
            steps,
            seed,
            engine,
            backend,
            lifMode,
            probes: [
              ...pops.map((pop) => ({
                kind: 'trace',
                name: `trace:${pop}`,
                population: pop,
                variables: [
                  ...new Set(picked.filter((x) => x.pop === pop).map((x) => (x.v === 'spikes' ? 'out' : x.v))),
                ],
              })),
              ...(o.ratesOut ? [{ kind: 'rates' }] : []),
            ],
          },
        ),
      );
      // the rates of the one driven run (per emission, steps 0 .. T), for ipvae map --rates
      if (o.ratesOut)
        writeFileAtomic(
          o.ratesOut,
          writeRates(probeResult(r, 'rates'), {
            net: o.net ?? `--neuron ${o.neuron}`,
            data: `drive:${o.drive}`,
            seed,
          }),
        );
      const rowsOf = (x: { pop: string; v: string }): number[][] => {
        const tr = probeResult(r, 'trace', `trace:${x.pop}`);
        const vals = tr.values[x.v === 'spikes' ? 'out' : x.v];
        return Array.from({ length: steps }, (_, t) => Array.from(vals.subarray((t + 1) * tr.size, (t + 2) * tr.size)));
      };
      const out = Object.fromEntries(picked.map((x, i) => [probes[i], rowsOf(x)]));
      const res = {
        population: pops.length === 1 ? pops[0] : pops,
        driven: Object.keys(drives),
        steps,
        ...out,
        spikes_sha256: r.spikesSha256,
        counters: countersJson(r.counters, 1),
      };
      if (o.json) console.log(JSON.stringify(res));
      else {
        console.log(
          table(
            ['t', ...probes],
            Array.from({ length: steps }, (_, t) => [t + 1, ...probes.map((k) => out[k][t].join(' '))]),
          ),
        );
        console.log(countersLine(r.counters, 1).replace('per sample', 'counters'));
        console.log(`saturations ${r.counters.saturations}; spikes_sha256 ${r.spikesSha256}`);
      }
      return;
    }
    if (!o.net) throw new UserError('simulate: give --net (and --data, or --drive)');
    if (!o.data)
      throw new UserError(
        'simulate: give --data for a network with one input population, or --drive with per-step rows',
      );
    const net = readNetwork(o.net);
    const data = loadData(o.data, 'test', o.samples === 'all' ? undefined : parseSamples(o.samples, Infinity));
    const N = parseSamples(o.samples, data.N);
    const steps = parseIntOpt('--steps', o.steps, 1, 1_000_000);
    const bar = o.json ? undefined : progressBar(`simulate (${engine})`);
    const workers = parseIntOpt('--workers', o.workers, 1, 64);
    const ipvae = isIpVaeNetwork(net);
    const probes: ProbeRequest[] = [];
    if (ipvae) probes.push({ kind: 'ipvae-metrics' });
    if (o.ratesOut) probes.push({ kind: 'rates' });
    const r = await inFiles({ network: o.net, data: o.data }, () =>
      runNetwork(
        net,
        { data: data.X, n: N, width: data.D },
        {
          steps,
          seed,
          engine,
          backend,
          workers,
          lifMode,
          probes,
          onProgress: bar?.update,
        },
      ),
    );
    bar?.end();
    if (o.ratesOut)
      writeFileAtomic(o.ratesOut, writeRates(probeResult(r, 'rates'), { net: o.net, data: o.data, seed }));
    const sec = (performance.now() - t0) / 1000;
    const c = r.counters;
    const metrics = ipvae ? probeResult(r, 'ipvae-metrics').metrics : [];
    const res = {
      net: o.net,
      data: o.data,
      samples: N,
      steps,
      engine,
      backend,
      seed,
      workers,
      metrics,
      spikes_sha256: r.spikesSha256,
      counters: countersJson(c, N),
      saturations: c.saturations,
      input_saturations: r.inputSaturations,
      seconds: sec,
    };
    if (o.json) {
      console.log(JSON.stringify(res));
      return;
    }
    if (ipvae)
      console.log(
        table(
          ['t', 'R2', 'PZ', 'spikes'],
          metrics.map((m) => [m.t, fmt(m.r2), fmt(m.pz), fmt(m.spikes, 1)]),
        ),
      );
    if (ipvae) for (const line of SIMULATE_NOTES) console.log(line);
    console.log(countersLine(c, N));
    console.log(
      `saturations: ${c.saturations} in the network, ${r.inputSaturations} in the inputs; spikes_sha256 ${r.spikesSha256}; ${sec.toFixed(1)} s`,
    );
  });

  addQuantOptions(
    program
      .command('validate')
      .description(
        'integer vs float per weight width: an iP-VAE on data (--model, --data: R^2, PZ, rate correlation, saturations, and a verdict) or a NIR graph on input spike trains (--nir, --drive: spike-count correlation, spike-time error, first diverging step)',
      )
      .addHelpText(
        'after',
        `\nVerdict per width (an iP-VAE on data): ok when the integer R^2 is at most ${VERDICT_LIMITS.r2Ok} below the float model's, PZ within ${VERDICT_LIMITS.pzOk} and the rate correlation at least ${VERDICT_LIMITS.corrOk}; failed when the integer R^2 is below 0 (worse than the mean input) or more than ${VERDICT_LIMITS.r2Failed} below float; degraded otherwise. The reason is printed under the table.\n\nColumns of the table (an iP-VAE on data):\n${VALIDATE_NOTES.join('\n')}`,
      )
      .option('--model <file|name>', modelHelp('float iP-VAE, with --data'))
      .option('--data <name>', `${DATA_NAMES} (held-out split)`)
      .option('--nir <file>', 'a NIR graph (.nir), with --drive'),
  );
  const v = program.commands[program.commands.length - 1];
  shared(v, 'drive', { mode: 'with --nir' });
  shared(v, 'population', { mode: 'with --nir' });
  shared(v, 'dt', { mode: 'with --nir' });
  shared(v, 'spikes', { mode: 'with --nir' });
  shared(v, 'weightBitsList');
  alias(v, '--bits <list>', 'weightBits');
  for (const name of ['exponent', 'samples', 'steps', 'seed', 'workers'] as const)
    shared(v, name, { mode: 'with --model' });
  v.option(
    '--plot <file.svg>',
    "also draw the integer R^2 and PZ against the weight width into this SVG file, the float model's as reference lines, and each width's verdict",
  );
  v.option(
    '--json',
    'print {rows: [{bits, float: {r2, pz}, int: {r2, pz}, rate_corr, active_agreement, saturations, verdict, reason}]}',
    false,
  );
  modes(v, [
    {
      mode: 'with --nir',
      active: (o) => o.nir !== undefined,
      only: ['drive', 'population', 'dt', 'spikes'],
      elsewhere: ['--model', 'm.safetensors', '--data', 'patches'],
    },
    {
      mode: 'without --nir (they run an iP-VAE --model on --data)',
      active: (o) => o.nir === undefined,
      only: ['model', 'data', 'exponent', 'samples', 'steps', 'seed', 'workers', 'plot', ...QUANT_OPTIONS],
      elsewhere: ['--nir', 'g.nir', '--drive', 'd.json'],
    },
  ]);
  v.action(async (o) => {
    if (o.nir) return validateNir(o);
    if (!o.model || !o.data) throw new UserError('validate: give --model and --data (an iP-VAE), or --nir and --drive');
    if (o.plot !== undefined) checkPlotPath(String(o.plot));
    const exponent = oneOf('--exponent', o.exponent, ['shared', 'per-row'] as const);
    const p = loadModel(o.model);
    const data = loadData(o.data, 'test', o.samples === 'all' ? undefined : parseSamples(o.samples, Infinity));
    if (data.D !== p.D) throw new UserError(`${o.model}: D=${p.D} but ${o.data} has D=${data.D}`);
    const N = parseSamples(o.samples, data.N);
    const steps = parseIntOpt('--steps', o.steps, 1, 1_000_000),
      seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff);
    const bits = String(o.weightBits)
      .split(',')
      .map((b: string) => parseIntOpt('--weight-bits', b.trim(), 2, 16));
    let bar: ReturnType<typeof progressBar> | undefined;
    const rows = await validateWidths(p, data.X, N, bits, {
      steps,
      seed,
      workers: parseIntOpt('--workers', o.workers, 1, 64),
      quant: quantOpts(o, bits[0]),
      exponent,
      onWidth: (b) => {
        bar = o.json ? undefined : progressBar(`${b}-bit weights`);
        return bar?.update;
      },
      onRow: (row) => {
        bar?.end();
        if (!o.json)
          console.error(
            `${row.bits} bits: int R2 ${fmt(row.int.r2)} PZ ${fmt(row.int.pz)} (float ${fmt(row.float.r2)} / ${fmt(row.float.pz)})`,
          );
      },
    });
    if (o.plot !== undefined)
      writeFileAtomic(o.plot, validationPlot(rows, { model: o.model, data: o.data, samples: N, steps, seed }));
    const res = { model: o.model, data: o.data, samples: N, steps, seed, rows };
    if (o.json) {
      console.log(JSON.stringify(snakeKeys(res)));
      return;
    }
    console.log(
      table(
        ['bits', 'float R2', 'int R2', 'float PZ', 'int PZ', 'rate corr', 'active agree', 'saturations', 'verdict'],
        rows.map((r) => [
          r.bits,
          fmt(r.float.r2),
          fmt(r.int.r2),
          fmt(r.float.pz),
          fmt(r.int.pz),
          fmt(r.rateCorr, 4),
          fmt(r.activeAgreement, 4),
          r.saturations,
          r.verdict,
        ]),
      ),
    );
    for (const r of rows) console.log(`${r.bits} bits: ${r.verdict}: ${r.reason}`);
    for (const line of VALIDATE_NOTES) console.log(line);
    if (o.plot !== undefined)
      console.log(`wrote ${o.plot} (R2 and PZ against the weight width, ${rows.length} widths)`);
  });
}
