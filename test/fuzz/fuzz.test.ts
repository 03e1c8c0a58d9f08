/**
 * The fuzz harness: every decoder of a user's file (test/fuzz/decoders.ts) against structured mutations of valid
 * files. The oracle, in process: the decoder returns, or throws a UserError (one line once printed); never
 * another error, never more than 5 s, never more than 1 GB resident. End to end, for a few cases per decoder:
 * the CLI exits 0, or 2 with exactly one `ipvae:` line on stderr; no stack, no exit 1, nothing left in the
 * output folder after a failure. CI runs a fixed-seed budget (FUZZ_RUNS, default 300 per decoder);
 * `npm run fuzz -- --runs 2000` goes further.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { oneLine } from '../../src/cli/main.js';
import { DECODERS } from './decoders.js';
import { rng } from './mutate.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const CLI_RUNS = Number(process.env.FUZZ_CLI_RUNS ?? 6);
const BIN = join(__dirname, '..', '..', 'bin', 'ipvae.js');
const dir = mkdtempSync(join(tmpdir(), 'ipvae-fuzz-cases-'));

/** Counts per decoder, printed at the end (the note quotes them). */
const tally: Record<string, { cases: number; accepted: number; refused: number }> = {};

describe('fuzz: every decoder survives hostile files', () => {
  for (const d of DECODERS) {
    it(`${d.name}: ${RUNS} mutated files, each decoded or refused with a UserError`, () => {
      const t = (tally[d.name] = { cases: 0, accepted: 0, refused: 0 });
      const file = join(dir, `${d.name.replace(/\W+/g, '_')}.bin`);
      fc.assert(
        fc.property(fc.nat({ max: d.seeds.length - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (si, seed) => {
          const bytes = d.mutate(d.seeds[si], rng(seed));
          const t0 = performance.now();
          t.cases++;
          try {
            d.decode(bytes, file);
            t.accepted++;
          } catch (e) {
            if (!(e instanceof UserError)) {
              writeFileSync(join(dir, `failing-${seed}.bin`), bytes);
              throw new Error(
                `${d.name}, seed ${seed}: ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message).slice(0, 300)}`,
                { cause: e },
              );
            }
            expect(oneLine(e.message)).not.toMatch(/\n/);
            expect(e.message.length, 'a message that serialises an untrusted structure').toBeLessThan(2000);
            t.refused++;
          }
          expect(performance.now() - t0, `${d.name}, seed ${seed}: time`).toBeLessThan(5000);
          expect(process.memoryUsage().rss, `${d.name}, seed ${seed}: memory`).toBeLessThan(2 ** 30);
        }),
        { numRuns: RUNS },
      );
      expect(t.refused).toBeGreaterThan(0); // the mutations do reach the checks
    });

    if (d.cli)
      it(`${d.name}: ${CLI_RUNS} mutated files through the CLI exit 0 or 2 with one ipvae: line, leaving no file`, () => {
        const r = rng(12345);
        for (let k = 0; k < CLI_RUNS; k++) {
          const seed = 1 + r.int(2 ** 31 - 2);
          const bytes = d.mutate(d.seeds[k % d.seeds.length], rng(seed));
          const file = join(dir, `cli-${k}.in`),
            out = mkdtempSync(join(dir, 'out-'));
          writeFileSync(file, bytes);
          const p = spawnSync(process.execPath, [BIN, ...d.cli!(file, out)], { encoding: 'utf8', timeout: 60_000 });
          expect([0, 2], `${d.name} seed ${seed}: exit ${p.status}: ${p.stderr.slice(0, 300)}`).toContain(p.status);
          if (p.status === 2) {
            const lines = p.stderr.trim().split('\n');
            expect(lines, `${d.name} seed ${seed}`).toHaveLength(1);
            expect(lines[0]).toMatch(/^ipvae: /);
            expect(readdirSync(out), `${d.name} seed ${seed}: files left`).toEqual([]);
          }
          expect(p.stderr).not.toMatch(/internal error|\n\s+at /);
        }
      });
  }

  it('prints the counts', () => {
    console.log(
      Object.entries(tally)
        .map(
          ([k, v]) =>
            `fuzz ${k}: ${v.cases} cases, ${v.accepted} accepted, ${v.refused} refused (UserError), 0 violations`,
        )
        .join('\n'),
    );
  });
});
