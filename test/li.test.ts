/** The li model (non-spiking leaky integrator): hand-computed traces, its graded output downstream, saturation. */
import { describe, expect, it } from 'vitest';
import { Simulator, type EngineKind } from '../src/sim/engine.js';
import { csrFromDense, type Network } from '../src/net/network.js';
import { fromJson, toJson } from '../src/net/json.js';
import { neuronModel } from '../src/sim/registry.js';
import { q } from '../src/fixed/q.js';

/** li -> readout (weight w, readout in Q(outFrac)); the li neuron gets a_in(t) as a drive. */
function net(params: Record<string, number>, w = 1, outFrac = 6): Network {
  return {
    name: 'li',
    meta: {},
    populations: [
      { name: 'l', model: 'li', size: 1, params, formats: {} },
      { name: 'y', model: 'readout', size: 1, params: {}, formats: { out: q(32, outFrac) } },
    ],
    projections: [
      {
        name: 'ly',
        source: 'l',
        target: 'y',
        ...csrFromDense([w], 1, 1),
        weightBits: 8,
        exponent: 0,
        delay: 1,
        payload: 'graded',
        payloadBits: 24,
        static: false,
      },
    ],
  };
}

function run(n: Network, aIn: number[], engine: EngineKind = 'event') {
  const sim = new Simulator(n, { engine, seed: 0, hash: true });
  sim.reset(0);
  const u: number[] = [],
    v: number[] = [],
    out: number[] = [],
    y: number[] = [];
  for (const a of aIn) {
    sim.setDrive('l', [a]);
    sim.step();
    const l = sim.pop('l');
    u.push(l.state.u[0]);
    v.push(l.state.v[0]);
    out.push(l.out[0]);
    y.push(sim.pop('y').state.v[0]);
  }
  return { u, v, out, y, sim };
}

describe('li: leaky integrator without threshold (graded output)', () => {
  it('du = 2047, dv = 2048, input 1 at step 1: u halves, v integrates it (hand-computed)', () => {
    const r = run(net({ du: 2047, dv: 2048 }), [1, 0, 0, 0, 0, 0, 0, 0]);
    // u: 64, then trunc(u * 2048 / 4096); v: trunc(v * 2048 / 4096) + u
    expect(r.u).toEqual([64, 32, 16, 8, 4, 2, 1, 0]);
    expect(r.v).toEqual([64, 64, 48, 32, 20, 12, 7, 3]);
    expect(r.out).toEqual(r.v); // it emits v every step
  });

  it('truncates toward zero: a negative input gives the mirrored trace', () => {
    const r = run(net({ du: 2047, dv: 2048 }), [-1, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.v).toEqual([-64, -64, -48, -32, -20, -12, -7, -3]);
  });

  it('a bias with no decay ramps v without ever resetting (no threshold), then saturates and counts', () => {
    const r = run(net({ bias_mant: 3, bias_exp: 2 }), [0, 0, 0, 0]);
    expect(r.v).toEqual([12, 24, 36, 48]);
    const big = run(net({ bias_mant: 4095, bias_exp: 7 }), new Array(18).fill(0));
    // 524,160 per step: 16 steps reach 8,386,560; the 17th would pass 2^23 - 1
    expect(big.v[15]).toBe(16 * 524160);
    expect(big.v[16]).toBe(2 ** 23 - 1);
    expect(big.sim.sat[0]).toBe(2);
  });

  it('its graded output reaches the next population a step later, scaled by 2^-6 (payload fraction 6)', () => {
    const r = run(net({ du: 2047, dv: 2048 }, 3, 6), [1, 0, 0, 0]);
    expect(r.y).toEqual([0, 3 * 64, 3 * 64, 3 * 48]); // readout in Q6: exactly w x v(t - 1)
    const r0 = run(net({ du: 2047, dv: 2048 }, 3, 0), [1, 0, 0, 0]);
    expect(r0.y).toEqual([0, 3, 3, Math.floor((3 * 48) / 64)]); // readout in Q0: floor(w x v / 64)
    const c = r.sim.counters;
    expect(c.spikes).toBe(0); // a voltage is not a spike
    expect(c.messages).toBe(4); // v != 0 at every step
    expect(c.synapticEvents).toBe(4); // one event per synapse per message, whatever the value
    // v = 64, 64, 48, 32 are 1, 1, 0.75, 0.5 in real units (v x 2^-6): two steps of ACs, two of MACs
    expect([c.neurobenchEffectiveAcs, c.neurobenchEffectiveMacs]).toEqual([2, 2]);
  });

  it('both engines agree, and a net file with li round-trips and refuses a threshold', () => {
    const a = run(net({ du: 100, dv: 300, bias_mant: -7, bias_exp: 3 }), [5, -2, 0, 9, 0, 0, 1]);
    const b = run(net({ du: 100, dv: 300, bias_mant: -7, bias_exp: 3 }), [5, -2, 0, 9, 0, 0, 1], 'clock');
    expect(a.sim.digest()).toBe(b.sim.digest());
    expect(a.v).toEqual(b.v);
    const n = net({ du: 1 });
    expect(toJson(fromJson(toJson(n), 'li.json'))).toBe(toJson(n));
    const j = JSON.parse(toJson(n));
    j.populations[0].params.vth = 10;
    expect(() => fromJson(JSON.stringify(j), 'li.json')).toThrow(/params\.vth is not a parameter of li/);
    expect(neuronModel('li').spiking).toBe(false);
  });
});
