/**
 * One vocabulary across the command line: every command's options are walked (the same Command objects that
 * print --help). An option name used by several commands has one placeholder and one default everywhere (the
 * exceptions below say why), a shared option keeps its one meaning, old spellings still work with one
 * deprecation line, and every option declared for one mode of a command is refused, naming it, in another.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { buildProgram } from '../src/cli/main.js';
import { SHARED, modesOf, sharedOf } from '../src/cli/options.js';
import { UserError } from '../src/errors.js';

const BIN = join(__dirname, '..', 'bin', 'ipvae.js');
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });

/** Options whose placeholder or default differs between commands on purpose: option -> command -> why. */
const EXCEPTIONS: Record<string, Record<string, string>> = {
  '--workers': { train: 'the gradient is split over at most 2 threads' },
  '--profile': {
    energy: "the chip's prices default to the deployment file's own profile",
    report: "the chip's prices default to the deployment file's own profile",
    export: "the chip's prices default to the deployment file's own profile",
  },
  '--weight-bits': {
    validate: 'a list of widths to compare, not the one width to quantise to',
    report: 'a list of widths to compare, not the one width to quantise to',
  },
  '--samples': {
    compare:
      'R^2 of a trained family is scored on 500 held-out inputs: 100 leave intervals wider than the gaps between families',
  },
  '--plot': { compare: 'compare always draws its trade-off plot (compare.svg unless told)' },
  '--out': {
    compare: 'compare always writes its results (compare.json unless told)',
    demo: 'the one command whose output file has a default (report.html)',
    export: 'a file (nir) or a folder (sanafe): <path>',
  },
};

const program = buildProgram();
const commands = program.commands as Command[];
const visible = (c: Command) => (c.options as Option[]).filter((o) => !o.hidden && o.long && o.long !== '--help');
const placeholder = (o: Option) => o.flags.replace(/^.*?--[\w-]+\s*/, '');

describe('one vocabulary', () => {
  it('an option name has one placeholder and one default in every command (--help agrees)', () => {
    const uses = new Map<string, { cmd: string; o: Option }[]>();
    for (const c of commands)
      for (const o of visible(c)) uses.set(o.long!, [...(uses.get(o.long!) ?? []), { cmd: c.name(), o }]);
    const shared = [...uses].filter(([, u]) => u.length > 1);
    // the options every user meets in several commands are among them
    for (const f of ['--samples', '--steps', '--seed', '--workers', '--rows', '--weight-bits', '--profile', '--json'])
      expect(shared.map(([k]) => k)).toContain(f);
    const problems: string[] = [];
    for (const [flag, u] of shared) {
      const regular = u.filter((x) => !EXCEPTIONS[flag]?.[x.cmd]);
      const kinds = new Set(regular.map((x) => `${placeholder(x.o)} default ${JSON.stringify(x.o.defaultValue)}`));
      if (kinds.size > 1)
        problems.push(`${flag}: ${regular.map((x) => `${x.cmd} ${placeholder(x.o)} ${x.o.defaultValue}`).join('; ')}`);
      // what --help prints for it says the same
      for (const x of regular) {
        const help = commands
          .find((c) => c.name() === x.cmd)!
          .helpInformation()
          .replace(/\s+/g, ' ');
        if (x.o.defaultValue !== undefined && x.o.defaultValue !== false)
          expect(help).toContain(`(default: ${JSON.stringify(x.o.defaultValue)})`);
      }
    }
    expect(problems).toEqual([]);
    // an exception names a command that really uses the option
    for (const [flag, byCmd] of Object.entries(EXCEPTIONS))
      for (const cmd of Object.keys(byCmd))
        expect(
          uses.get(flag)?.some((x) => x.cmd === cmd),
          `${flag} ${cmd}`,
        ).toBe(true);
  });

  it('a shared option is declared once (src/cli/options.ts) and keeps its meaning in every command', () => {
    const sharedFlags = new Map(Object.entries(SHARED).map(([name, s]) => [s.flags.split(' ')[0], name]));
    for (const c of commands) {
      const declared = sharedOf(c);
      for (const o of visible(c)) {
        const name = declared.get(o.attributeName());
        if (sharedFlags.has(o.long!))
          expect(name, `${c.name()} ${o.long} is written by hand, not with shared()`).toBeDefined();
        if (name) expect(o.description, `${c.name()} ${o.long}`).toContain(SHARED[name].doc);
      }
    }
  });

  it('old spellings still work, with one deprecation line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-vocab-'));
    const r = run('init', '--d', '4', '--k', '3', '--out', join(dir, 'm.safetensors'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('ipvae: --k is deprecated; use --latents\n');
    expect(r.stdout).toMatch(/D=4, K=3/);
    const both = run('init', '--d', '4', '--k', '3', '--latents', '3', '--out', join(dir, 'n.safetensors'));
    expect(both.status).toBe(2);
    expect(both.stderr.trim().split('\n')).toEqual(['ipvae: init: give --latents or its old spelling --k, not both']);
    // validate --bits: the notice, then the run goes on with the list as --weight-bits (here to the missing model)
    const v = run('validate', '--model', join(dir, 'none.safetensors'), '--data', 'patches', '--bits', '4,8');
    expect(v.status).toBe(2);
    const lines = v.stderr.trim().split('\n');
    expect(lines[0]).toBe('ipvae: --bits is deprecated; use --weight-bits');
    expect(lines.length).toBe(2);
  });

  it('no option is silently ignored: each mode-specific option is refused in another mode, naming it', async () => {
    let tried = 0;
    const seen = new Set<string>();
    for (const c of commands)
      for (const rule of modesOf(c))
        for (const attr of rule.only) {
          const opt = (c.options as Option[]).find((o) => o.attributeName() === attr)!;
          expect(opt, `${c.name()}: ${attr} is not an option`).toBeDefined();
          const value = opt.required ? ['1'] : [];
          const p = buildProgram();
          p.exitOverride();
          p.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
          for (const sub of p.commands) sub.exitOverride();
          const args = [c.name(), ...rule.elsewhere, opt.long!, ...value];
          const err = await p.parseAsync(['node', 'ipvae', ...args]).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, args.join(' ')).toBeInstanceOf(UserError);
          const msg = (err as Error).message;
          expect(msg, args.join(' ')).toMatch(
            new RegExp(`^${c.name()}: .*${opt.long} appl(y|ies) only ${escape(rule.mode)}$`),
          );
          tried++;
          seen.add(c.name());
        }
    // every command with modes was tried
    expect([...seen].sort()).toEqual(
      ['energy', 'export', 'inspect', 'map', 'quantize', 'report', 'simulate', 'train', 'validate'].sort(),
    );
    expect(tried).toBeGreaterThan(40);
  });

  it('the refusal is one line and exit 2 on the real command line', () => {
    const r = run('simulate', '--net', 'n.json', '--data', 'patches', '--probe', 'v');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ipvae: simulate: --probe applies only with --drive\n');
    const m = run('map', '--net', 'n.json', '--rows', '5', '--json');
    expect(m.stderr).toBe('ipvae: map: --rows applies only without --json (--json prints every row)\n');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
