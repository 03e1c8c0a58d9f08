"""The random LIF network of `npm run bench -- sim` in Brian2's C++ standalone mode, one thread: its
synaptic events per second, the figure bench/sim.ts compares against (BRIAN2_EVENTS_PER_S there).

    PYENV_VERSION=system python3 bench/brian2/lif.py [--steps 2000]     (Debian: apt install python3-brian)

The same network as bench/sim.ts lifNet(10000, 100, 7): 10,000 integrate-and-fire neurons (no leak), 100
synapses per neuron to random targets with integer weights in [-20, 20], a bias of 10-20 per step, threshold
1000, reset to 0, one-step delay; the same linear congruential generator, so the same targets and weights.
Loihi's registers scale everything by 64; Brian2 counts in plain units (v > 1000 is v * 64 > 64,000).
Synaptic events = spikes x fan-out, timed over the run after a 200-step warm-up, as the bench does.
"""
import argparse
import tempfile

import numpy as np
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, device, ms, prefs, run,
                    set_device)

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=2000)
ap.add_argument("--n", type=int, default=10000)
ap.add_argument("--fan-out", type=int, default=100)
args = ap.parse_args()

N, F, WARM = args.n, args.fan_out, 200
# bench/sim.ts's generator: s = s * 1664525 + 1013904223 (mod 2^32), value s / 2^32
s = 7
def rnd():
    global s
    s = (s * 1664525 + 1013904223) % 2**32
    return s / 2**32

targets = np.empty(N * F, dtype=np.int64)
weights = np.empty(N * F, dtype=np.float64)
for i in range(N):
    for j in range(F):
        targets[i * F + j] = int(rnd() * N)
        weights[i * F + j] = int(rnd() * 41) - 20
bias = np.array([10 + int(rnd() * 11) for _ in range(N)], dtype=np.float64)

out = tempfile.mkdtemp(prefix="brian2-lif-")
set_device("cpp_standalone", directory=out, build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = 0  # one thread
defaultclock.dt = 1 * ms
G = NeuronGroup(N, "v : 1\nb : 1", threshold="v > 1000", reset="v = 0", method="exact")
G.b = bias
G.run_regularly("v += b", dt=1 * ms)
S = Synapses(G, G, "w : 1", on_pre="v += w", delay=1 * ms)
S.connect(i=np.repeat(np.arange(N), F), j=targets)
S.w = weights
M = SpikeMonitor(G)
run(WARM * ms)
run(args.steps * ms, report=None)
device.build(directory=out, compile=True, run=True)
# Brian2 records the duration of the last run() inside the compiled program: the timed steps alone
sec = device._last_run_time
spikes = int(np.sum(M.t[:] >= WARM * ms))
events = spikes * F
rate = spikes / N / args.steps * 1000
print(f"Brian2 {__import__('brian2').__version__} cpp_standalone, 1 thread: {events / sec / 1e6:.1f} M synaptic events/s "
      f"({spikes} spikes in {args.steps} steps, {rate:.1f} Hz at 1 ms/step, {sec:.3f} s)")
