import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_PROFILES, loadProfile, parseProfile, profileNumber, PROFILE_FIELDS } from '../src/hardware/profile.js';
import type { Json } from './helpers.js';

const raw = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'hardware', 'profiles', `${name}.json`), 'utf8'));

describe('chip profiles', () => {
  it.each(BUNDLED_PROFILES)('%s loads; every number has a source and a confidence tag', (name) => {
    const p = loadProfile(name);
    expect(p.name).toBe(name);
    let n = 0;
    for (const [sec, fields] of Object.entries(p.sections)) {
      expect(Object.keys(PROFILE_FIELDS)).toContain(sec);
      for (const f of Object.values(fields)) {
        expect(f.source.length).toBeGreaterThan(3);
        expect(['published', 'secondary', 'assumption']).toContain(f.confidence);
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(5);
    expect(profileNumber(p, 'chip', 'cores_per_chip')).toBeGreaterThan(0);
  });

  it('carries the hardware-spec figures (spot checks) and leaves unknown numbers out', () => {
    const l1 = loadProfile('loihi1'),
      tn = loadProfile('truenorth'),
      l2 = loadProfile('loihi2');
    expect(profileNumber(l1, 'energy_pj', 'synaptic_op')).toBe(23.6);
    expect(profileNumber(l1, 'core', 'neurons')).toBe(1024);
    expect(profileNumber(tn, 'core', 'fan_in_axons')).toBe(256);
    expect(profileNumber(tn, 'energy_pj', 'synaptic_op')).toBe(26);
    expect(l2.sections.spikes.kind.value).toBe('graded');
    expect(profileNumber(l2, 'core', 'fan_in_axons')).toBeUndefined(); // not public
    expect(l2.sections.chip.cores_per_chip.confidence).toBe('secondary');
    // The synapse cost model: TrueNorth's crossbar is published; Loihi 2's per-core synapses are derived.
    expect(tn.sections.core.synapse_encoding.value).toBe('crossbar');
    expect(profileNumber(tn, 'core', 'neuron_fan_out')).toBe(1);
    expect(profileNumber(l2, 'core', 'synapses')).toBe(120e6 / 128);
  });

  it.each([
    [
      'a number without its source',
      (j: Json) => {
        delete j.core.neurons.source;
      },
      /core\.neurons\.source is missing/,
    ],
    [
      'an unknown confidence tag',
      (j: Json) => {
        j.core.neurons.confidence = 'likely';
      },
      /core\.neurons\.confidence = "likely"/,
    ],
    [
      'a negative value',
      (j: Json) => {
        j.core.neurons.value = -4;
      },
      /core\.neurons\.value = -4, expected a positive integer/,
    ],
    [
      'an unknown field',
      (j: Json) => {
        j.core.neurons_per_core = j.core.neurons;
      },
      /core\.neurons_per_core is not a field of core/,
    ],
    [
      'an unknown section',
      (j: Json) => {
        j.power = {};
      },
      /power is not a profile section/,
    ],
    [
      'a bad spike kind',
      (j: Json) => {
        j.spikes.kind.value = 'analog';
      },
      /spikes\.kind\.value = "analog"/,
    ],
    [
      'a bad mesh',
      (j: Json) => {
        j.chip.mesh.value = [8];
      },
      /chip\.mesh\.value = \[8\]/,
    ],
    [
      'an unknown synapse encoding',
      (j: Json) => {
        j.core.synapse_encoding.value = 'csr';
      },
      /core\.synapse_encoding\.value = "csr", expected one of "sparse", "dense", "crossbar"/,
    ],
    [
      'a wrong format tag',
      (j: Json) => {
        j.format = 'x';
      },
      /format = "x"/,
    ],
    [
      'a mesh smaller than the chip',
      (j: Json) => {
        j.chip.mesh.value = [4, 4];
      },
      /chip\.mesh\.value = \[4, 4\] x 1 core\(s\) per tile holds 16 cores, fewer than chip\.cores_per_chip = 64/,
    ],
    [
      'a count too large for the file',
      (j: Json) => {
        j.chip.cores_per_chip.value = 5e9;
      },
      /chip\.cores_per_chip\.value = 5000000000, expected less than 2\^31/,
    ],
    [
      'a lone surrogate in a source',
      (j: Json) => {
        j.core.neurons.source = 'x\ud800';
      },
      /core\.neurons\.source has a lone UTF-16 surrogate/,
    ],
  ])('rejects %s, naming the field', (_n, mutate, msg) => {
    const j = raw('generic');
    mutate(j);
    expect(() => parseProfile(JSON.stringify(j), 'my.json')).toThrow(msg);
  });

  it('an unknown profile name says which exist', () => {
    expect(() => loadProfile('loihi3')).toThrow(
      /no such profile \(bundled: loihi1, loihi2, truenorth, spinnaker2, generic/,
    );
  });
});
