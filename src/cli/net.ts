/** ipvae quantize | simulate | validate: the integer Network, its simulator, and integer-vs-float validation. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadModel } from '../io/safetensors.js';
import { loadData } from '../data/datasets.js';
import { writeFileAtomic } from '../io/atomic.js';
import { fromIpVae, DEFAULT_QUANT, type QuantOptions, type TensorReport } from '../net/quantize.js';
import { fromJson, toJson } from '../net/json.js';
import { Simulator, type EngineKind } from '../sim/engine.js';
import { runIpVaeNetParallel } from '../sim/run.js';
import { evaluate } from '../model/evaluate.js';
import { UserError } from '../errors.js';
import type { Network } from '../net/network.js';
import { fmt, oneOf, parseIntOpt, progressBar, table } from './common.js';

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
      t.exponent,
      fmt(t.maxAbs, 4),
      fmt(t.rmsError, 6),
      fmt(t.maxError, 6),
      fmt(t.relRmsError, 4),
    ]),
  );
}

function readNet(file: string): Network {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: cannot read the network file`);
  }
  return fromJson(text, file);
}

/** A one-population LIF or IF network for --neuron. */
function neuronNet(model: 'lif' | 'if', params: string, size: number): Network {
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(params);
  } catch {
    throw new UserError(`--params: not JSON: ${params}`);
  }
  const allowed = ['du', 'dv', 'vth', 'bias_mant', 'bias_exp'];
  const out: Record<string, number> = { du: 0, dv: 0, vth: 0, bias_mant: 0, bias_exp: 0 };
  for (const [k, v] of Object.entries(p)) {
    if (!allowed.includes(k))
      throw new UserError(`--params: unknown parameter "${k}" (expected ${allowed.join(', ')})`);
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new UserError(`--params: ${k} = ${JSON.stringify(v)}, expected an integer`);
    out[k] = v;
  }
  return {
    name: model,
    meta: {},
    projections: [],
    populations: [{ name: model, model, size, params: out, formats: {} }],
  };
}

export function addNetCommands(program: Command): void {
  addQuantOptions(
    program
      .command('quantize')
      .description(
        'quantise a float iP-VAE into an integer Network (weights with a per-projection exponent, fixed-point u) as JSON',
      )
      .requiredOption('--model <file>', 'float model (.safetensors)')
      .option('--weight-bits <n>', 'weight width (signed, symmetric range)', String(DEFAULT_QUANT.weightBits))
      .requiredOption('--out <file>', 'output network (.json)')
      .option('--json', 'print the quantisation report as JSON', false),
  ).action((o) => {
    const p = loadModel(o.model);
    const { net, report } = fromIpVae(p, quantOpts(o));
    net.meta.model_file = o.model;
    writeFileAtomic(o.out, toJson(net));
    if (o.json) console.log(JSON.stringify({ out: o.out, report }));
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
    .option(
      '--drive <file>',
      'per-step integer input currents: a JSON array of per-step arrays, one integer per neuron',
    )
    .option('--population <name>', 'the population --drive feeds (default: the first non-input population)')
    .option('--probe <list>', 'with --drive: variables to print per step, of u, v, spikes', 'u,v,spikes')
    .option('--neuron <model>', 'with --drive: a one-population network of this model (lif or if) instead of --net')
    .option('--params <json>', 'with --neuron: {"du":..,"dv":..,"vth":..,"bias_mant":..,"bias_exp":..}', '{}')
    .option('--lava-wrap', 'LIF u register wraps at 24 bits as in Lava (default: saturate and count)', false)
    .option(
      '--rates-out <file>',
      "with --data: write every neuron's mean spikes and events per step (JSON, for ipvae map --rates)",
    )
    .option('--json', 'print one JSON object', false)
    .action(async (o) => {
      const engine = oneOf('--engine', o.engine, ['event', 'clock'] as const) as EngineKind;
      const seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff);
      const t0 = performance.now();
      if (o.drive) {
        let rows: unknown;
        try {
          rows = JSON.parse(readFileSync(o.drive, 'utf8'));
        } catch {
          throw new UserError(`${o.drive}: cannot read a JSON array of per-step arrays`);
        }
        if (!Array.isArray(rows) || rows.length === 0 || !rows.every((r) => Array.isArray(r)))
          throw new UserError(`${o.drive}: expected a non-empty JSON array of per-step arrays`);
        const width = (rows[0] as unknown[]).length;
        const net = o.neuron
          ? neuronNet(oneOf('--neuron', o.neuron, ['lif', 'if'] as const), o.params, width)
          : o.net
            ? readNet(o.net)
            : (() => {
                throw new UserError('simulate: give --net or --neuron');
              })();
        const sim = new Simulator(net, { engine, seed, hash: true, lifMode: o.lavaWrap ? 'lava-wrap' : 'saturate' });
        const target = o.population ?? net.populations.find((p) => p.model !== 'input')?.name;
        if (!target) throw new UserError('simulate: the network has no population to drive');
        const P = sim.pop(target);
        const probes = String(o.probe)
          .split(',')
          .map((s: string) => oneOf('--probe', s.trim(), ['u', 'v', 'spikes'] as const));
        const out: Record<string, number[][]> = Object.fromEntries(probes.map((k) => [k, []]));
        sim.reset(0);
        (rows as unknown[][]).forEach((r, t) => {
          if (r.length !== P.n || !r.every((v) => Number.isInteger(v)))
            throw new UserError(
              `${o.drive}: step ${t} must be ${P.n} integers (population "${target}" has ${P.n} neurons)`,
            );
          sim.setDrive(target, r as number[]);
          sim.step();
          for (const k of probes) out[k].push(Array.from(k === 'u' ? P.u : k === 'v' ? P.v : P.out));
        });
        const res = {
          population: target,
          steps: rows.length,
          ...out,
          spikes_sha256: sim.digest(),
          counters: sim.counters,
        };
        if (o.json) console.log(JSON.stringify(res));
        else {
          console.log(
            table(
              ['t', ...probes],
              (rows as unknown[]).map((_, t) => [t + 1, ...probes.map((k) => out[k][t].join(' '))]),
            ),
          );
          console.log(`spikes_sha256 ${res.spikes_sha256}`);
        }
        return;
      }
      if (!o.net) throw new UserError('simulate: give --net (and --data, or --drive)');
      if (!o.data)
        throw new UserError('simulate: give --data for an iP-VAE network, or --drive with per-step currents');
      const net = readNet(o.net);
      const data = loadData(o.data, 'test');
      const N = Math.min(parseIntOpt('--samples', o.samples, 1), data.N);
      const steps = parseIntOpt('--steps', o.steps, 1, 1_000_000);
      const bar = o.json ? undefined : progressBar(`simulate (${engine})`);
      const workers = parseIntOpt('--workers', o.workers, 1, 64);
      const r = await runIpVaeNetParallel(net, data.X, N, {
        steps,
        seed,
        engine,
        workers,
        onProgress: bar?.update,
        rates: !!o.ratesOut,
      });
      bar?.end();
      if (o.ratesOut) {
        const per = (a: Float64Array) => Array.from(a, (x) => Number((x / (N * steps)).toPrecision(6)));
        writeFileAtomic(
          o.ratesOut,
          JSON.stringify({
            format: 'ipvae.rates',
            version: 1,
            net: o.net,
            data: o.data,
            samples: N,
            steps,
            seed,
            unit: 'per neuron, per step: spikes = mean count, events = fraction of steps with a nonzero count',
            rates: Object.fromEntries(
              Object.entries(r.rates!).map(([k, v]) => [k, { spikes: per(v.spikes), events: per(v.events) }]),
            ),
          }),
        );
      }
      const sec = (performance.now() - t0) / 1000;
      const c = r.counters;
      const res = {
        net: o.net,
        data: o.data,
        samples: N,
        steps,
        engine,
        seed,
        workers,
        metrics: r.metrics,
        spikes_sha256: r.spikes_sha256,
        counters: {
          ...c,
          per_sample: { spikes: c.spikes / N, syn_events: c.synEvents / N, eff_syn_ops: c.effSynOps / N },
        },
        saturations: c.saturations,
        input_saturations: r.inputSaturations,
        seconds: sec,
      };
      if (o.json) {
        console.log(JSON.stringify(res));
        return;
      }
      console.log(
        table(
          ['t', 'R2', 'PZ', 'spikes'],
          r.metrics.map((m) => [m.t, fmt(m.r2), fmt(m.pz), fmt(m.spikes, 1)]),
        ),
      );
      console.log(
        `per sample: ${fmt(c.spikes / N, 0)} spikes, ${fmt(c.synEvents / N, 0)} synaptic events (count x fan-out), ` +
          `${fmt(c.effSynOps / N, 0)} effective synaptic ops (NeuroBench), ${fmt(c.neuronUpdates / N, 0)} neuron updates`,
      );
      console.log(
        `saturations: ${c.saturations} in the network, ${r.inputSaturations} in the inputs; spikes_sha256 ${r.spikes_sha256}; ${sec.toFixed(1)} s`,
      );
    });

  addQuantOptions(
    program
      .command('validate')
      .description('integer vs float iP-VAE per weight width: R^2, PZ, rate correlation, saturations')
      .requiredOption('--model <file>', 'float model (.safetensors)')
      .requiredOption('--data <name>', 'patches | mnist | idx:PATH (held-out split)')
      .option('--bits <list>', 'weight widths', '4,6,8,10,12,16')
      .option('--samples <n>', 'inputs to run', '100')
      .option('--steps <n>', 'steps per input', '1000')
      .option('--seed <n>', 'seed', '0')
      .option('--workers <n>', 'worker threads', '2')
      .option('--json', 'print {rows: [{bits, float: {r2, pz}, int: {r2, pz}, rate_corr, saturations}]}', false),
  ).action(async (o) => {
    const p = loadModel(o.model);
    const data = loadData(o.data, 'test');
    if (data.D !== p.D) throw new UserError(`${o.model}: D=${p.D} but ${o.data} has D=${data.D}`);
    const N = Math.min(parseIntOpt('--samples', o.samples, 1), data.N);
    const steps = parseIntOpt('--steps', o.steps, 1, 1_000_000),
      seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff);
    const bits = String(o.bits)
      .split(',')
      .map((b: string) => parseIntOpt('--bits', b.trim(), 2, 16));
    const fl = await evaluate(p, data.X, N, {
      steps,
      seed,
      workers: parseIntOpt('--workers', o.workers, 1, 64),
      record: [steps],
      keepFinalU: true,
    });
    const fm = fl.metrics[0];
    const K = p.K,
      fr = Float64Array.from(fl.finalU!, (u) => Math.exp(u));
    const rows = [];
    for (const b of bits) {
      const { net } = fromIpVae(p, quantOpts(o, b));
      const bar = o.json ? undefined : progressBar(`${b}-bit weights`);
      const r = await runIpVaeNetParallel(net, data.X, N, {
        steps,
        seed,
        engine: 'event',
        record: [steps],
        keepFinal: true,
        workers: parseIntOpt('--workers', o.workers, 1, 64),
        onProgress: bar?.update,
      });
      bar?.end();
      const ir = r.finalRates!;
      let sa = 0,
        sb = 0,
        saa = 0,
        sbb = 0,
        sab = 0,
        agree = 0;
      const n = N * K;
      for (let i = 0; i < n; i++) {
        const a = fr[i],
          c = ir[i];
        sa += a;
        sb += c;
        saa += a * a;
        sbb += c * c;
        sab += a * c;
        if (a >= Math.LN2 === c >= Math.LN2) agree++;
      }
      const cov = sab / n - (sa / n) * (sb / n),
        va = saa / n - (sa / n) ** 2,
        vb = sbb / n - (sb / n) ** 2;
      const row = {
        bits: b,
        float: { r2: fm.r2, pz: fm.pz },
        int: { r2: r.metrics[0].r2, pz: r.metrics[0].pz },
        rate_corr: cov / Math.sqrt(va * vb),
        active_agreement: agree / n,
        saturations: r.counters.saturations + r.inputSaturations,
        network_saturations: r.counters.saturations,
        input_saturations: r.inputSaturations,
      };
      rows.push(row);
      if (!o.json)
        console.error(
          `${b} bits: int R2 ${fmt(row.int.r2)} PZ ${fmt(row.int.pz)} (float ${fmt(fm.r2)} / ${fmt(fm.pz)})`,
        );
    }
    const res = { model: o.model, data: o.data, samples: N, steps, seed, rows };
    if (o.json) {
      console.log(JSON.stringify(res));
      return;
    }
    console.log(
      table(
        ['bits', 'float R2', 'int R2', 'float PZ', 'int PZ', 'rate corr', 'active agree', 'saturations'],
        rows.map((r) => [
          r.bits,
          fmt(r.float.r2),
          fmt(r.int.r2),
          fmt(r.float.pz),
          fmt(r.int.pz),
          fmt(r.rate_corr, 4),
          fmt(r.active_agreement, 4),
          r.saturations,
        ]),
      ),
    );
  });
}
