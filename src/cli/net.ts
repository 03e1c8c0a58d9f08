/** ipvae quantize | simulate | validate: the integer Network, its simulator, and integer-vs-float validation. */
import type { Command } from 'commander';
import { loadModel } from '../io/safetensors.js';
import { loadData } from '../data/datasets.js';
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
import type { Network } from '../net/network.js';
import { fmt, inFiles, oneOf, parseIntOpt, progressBar, table } from './common.js';
import { modelHelp } from './models.js';
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
      .option('--weight-bits <n>', 'weight width (signed, symmetric range)', String(DEFAULT_QUANT.weightBits))
      .option(
        '--exponent <mode>',
        'one weight exponent per projection (shared) or per target neuron (per-row)',
        'shared',
      )
      .requiredOption('--out <file>', 'output network (.json)')
      .option('--json', 'print the quantisation report as JSON', false),
  ).action((o, cmd: Command) => {
    const exponent = oneOf('--exponent', o.exponent, ['shared', 'per-row'] as const);
    if (o.net) {
      const given = ['inputBits', 'uBits', 'uFrac', 'countBits'].filter((k) => cmd.getOptionValueSource(k) === 'cli');
      if (given.length)
        throw new UserError(
          `quantize --net re-quantises weights only; ${given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} apply to --model`,
        );
    }
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
    .option('--data <name>', 'patches | mnist | idx:PATH (held-out split) for an iP-VAE net')
    .option('--samples <n>', 'inputs to run', '100')
    .option('--steps <n>', 'steps per input', '1000')
    .option(
      '--engine <kind>',
      'event (push, synaptic work only for neurons that fired) or clock (pull, the reference)',
      'event',
    )
    .option('--seed <n>', 'seed of the integer Poisson sampler', '0')
    .option('--workers <n>', 'worker threads over the inputs (identical results for any number)', '2')
    .option('--backend <kind>', 'wasm (WebAssembly loops) or js (the readable reference): the same bytes', 'wasm')
    .option(
      '--drive <file>',
      'per-step integers, one row per step: a current into a model population, or the emitted values (spikes or payloads) of an input population; a JSON array of rows for --population, or {population: rows}',
    )
    .option('--population <name>', 'the population a --drive array feeds (default: the first non-input population)')
    .option('--trace <name>', 'with --drive: the population whose variables are printed (default: the driven one)')
    .option(
      '--probe <list>',
      "with --drive: variables to print per step: the model's state variables, and spikes (or out, a non-spiking model's emission); default all",
    )
    .option(
      '--neuron <model>',
      'with --drive: a one-population network of this model instead of --net (ipvae neurons lists them)',
    )
    .option('--params <json>', 'with --neuron: its parameters, e.g. {"du":0,"dv":2048,"vth":256}', '{}')
    .option('--lava-wrap', 'LIF u register wraps at 24 bits as in Lava (default: saturate and count)', false)
    .option(
      '--rates-out <file>',
      "write every neuron's mean spikes and events per emission, steps 0 .. T, over the data inputs or the one --drive run (JSON ipvae.rates, for ipvae map --rates)",
    )
    .option('--json', 'print one JSON object', false)
    .action(async (o, cmd: Command) => {
      const engine = oneOf('--engine', o.engine, ['event', 'clock'] as const) as EngineKind;
      const backend = oneOf('--backend', o.backend, ['wasm', 'js'] as const);
      const fromCli = (k: string) => cmd.getOptionValueSource(k) === 'cli';
      const notWith = (mode: string, keys: string[]) => {
        const bad = keys.filter(fromCli);
        if (bad.length)
          throw new UserError(
            `simulate: ${bad.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} ${bad.length === 1 ? 'does' : 'do'} not apply with ${mode}`,
          );
      };
      if (o.drive)
        notWith('--drive (its rows are the steps; there is one input)', ['data', 'samples', 'steps', 'workers']);
      else notWith('--data', ['trace', 'probe', 'neuron', 'params', 'population']);
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
          net = neuronNet(o.neuron, o.params, width);
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
        const TP = net.populations.find((p) => p.name === traced);
        if (!TP) throw new UserError(`--trace: the network has no population ${shown(traced)}`);
        // the emission is "spikes" for a spiking model, "out" otherwise (an input's values, a voltage)
        const emission = neuronModel(TP.model).spiking ? 'spikes' : 'out';
        const avail = [...neuronModel(TP.model).state.map((st) => st.name), emission];
        const probes: string[] = o.probe
          ? String(o.probe)
              .split(',')
              .map((s: string) => oneOf('--probe', s.trim(), avail))
          : avail;
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
                { kind: 'trace', population: traced, variables: probes.map((k) => (k === emission ? 'out' : k)) },
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
        const tr = probeResult(r, 'trace');
        const rowsOf = (k: string): number[][] =>
          Array.from({ length: steps }, (_, t) =>
            Array.from(tr.values[k === emission ? 'out' : k].subarray((t + 1) * tr.size, (t + 2) * tr.size)),
          );
        const out = Object.fromEntries(probes.map((k) => [k, rowsOf(k)]));
        const res = {
          population: traced,
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
      const samples = parseIntOpt('--samples', o.samples, 1);
      const data = loadData(o.data, 'test', samples);
      const N = Math.min(samples, data.N);
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
      .option('--data <name>', 'patches | mnist | idx:PATH (held-out split)')
      .option('--nir <file>', 'a NIR graph (.nir), with --drive')
      .option('--drive <file>', 'with --nir: the input rows (JSON, or a NumPy .npy array [steps, neurons])')
      .option('--population <name>', 'with --nir: the input a --drive array feeds (default: the first)')
      .option('--dt <seconds>', "with --nir: the time step (default: the file's)")
      .option('--spikes <kind>', 'with --nir: held (1 for a step; default) or dirac (a pulse of integral 1)')
      .option('--bits <list>', 'weight widths', '4,6,8,10,12,16')
      .option(
        '--exponent <mode>',
        'one weight exponent per projection (shared) or per target neuron (per-row)',
        'shared',
      )
      .option('--samples <n>', 'inputs to run', '100')
      .option('--steps <n>', 'steps per input', '1000')
      .option('--seed <n>', 'seed', '0')
      .option('--workers <n>', 'worker threads', '2')
      .option(
        '--plot <file.svg>',
        "with --model: also draw the integer R^2 and PZ against the weight width into this SVG file, the float model's as reference lines, and each width's verdict",
      )
      .option(
        '--json',
        'print {rows: [{bits, float: {r2, pz}, int: {r2, pz}, rate_corr, active_agreement, saturations, verdict, reason}]}',
        false,
      ),
  ).action(async (o) => {
    if (o.nir && o.plot !== undefined)
      throw new UserError('validate: --plot draws an iP-VAE run (--model, --data); a --nir run has no plot');
    if (o.nir) return validateNir(o);
    if (!o.model || !o.data) throw new UserError('validate: give --model and --data (an iP-VAE), or --nir and --drive');
    if (o.plot !== undefined) checkPlotPath(String(o.plot));
    const exponent = oneOf('--exponent', o.exponent, ['shared', 'per-row'] as const);
    const p = loadModel(o.model);
    const samples = parseIntOpt('--samples', o.samples, 1);
    const data = loadData(o.data, 'test', samples);
    if (data.D !== p.D) throw new UserError(`${o.model}: D=${p.D} but ${o.data} has D=${data.D}`);
    const N = Math.min(samples, data.N);
    const steps = parseIntOpt('--steps', o.steps, 1, 1_000_000),
      seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff);
    const bits = String(o.bits)
      .split(',')
      .map((b: string) => parseIntOpt('--bits', b.trim(), 2, 16));
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
