"""Reads .nir files with h5py alone and checks them as NIR's reference reader does (neuromorphs/NIR 1.0.7:
nir.read builds every node from its datasets and refuses unknown types or parameters; NIRGraph type checking
compares, along every edge, the source's output shape with the target's input shape). Written for ipvae's tests
from NIR's documented layout (hardware-spec section 3); no NIR code is copied. Prints 'ok N' per file.
Usage: python3 nir_typecheck.py FILE..."""
import sys
import h5py
import numpy as np

PARAMS = {
    "Input": {"shape"},
    "Output": {"shape"},
    "Affine": {"weight", "bias"},
    "Linear": {"weight"},
    "Scale": {"scale"},
    "Delay": {"delay"},
    "Threshold": {"threshold"},
    "I": {"r"},
    "IF": {"r", "v_threshold", "v_reset"},
    "LI": {"tau", "r", "v_leak"},
    "LIF": {"tau", "r", "v_leak", "v_threshold", "v_reset"},
    "CubaLI": {"tau_syn", "tau_mem", "r", "v_leak", "w_in"},
    "CubaLIF": {"tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"},
}
OPTIONAL = {"metadata", "input_type", "output_type", "type"}
# parameters NIR's constructors default when a file leaves them out (older writers do)
DEFAULTED = {"v_reset", "v_leak", "w_in"}


def text(d):
    v = d[()]
    return v.decode() if isinstance(v, bytes) else str(v)


def types(name, g):
    """(input shape, output shape) of a node group, as NIR derives them."""
    t = text(g["type"])
    if t not in PARAMS:
        raise SystemExit(f"{name}: unknown node type {t}")
    have = set(g.keys()) - OPTIONAL
    if have - PARAMS[t]:
        raise SystemExit(f"{name}: {t} has unknown parameters {sorted(have - PARAMS[t])}")
    if PARAMS[t] - have - DEFAULTED:
        raise SystemExit(f"{name}: {t} misses {sorted(PARAMS[t] - have - DEFAULTED)}")
    a = {k: np.asarray(g[k][()]) for k in have}
    if t in ("Input", "Output"):
        s = tuple(int(x) for x in a["shape"])
        if a["shape"].dtype != np.int64:
            raise SystemExit(f"{name}: shape is {a['shape'].dtype}, NIR writes int64")
        return s, s
    if t in ("Affine", "Linear"):
        w = a["weight"]
        if w.ndim != 2:
            raise SystemExit(f"{name}: weight must be 2-D")
        if t == "Affine" and a["bias"].shape != (w.shape[0],):
            raise SystemExit(f"{name}: bias {a['bias'].shape} against weight {w.shape}")
        return (w.shape[1],), (w.shape[0],)
    shapes = {a[k].shape for k in a}
    if len(shapes) != 1:
        raise SystemExit(f"{name}: {t} parameters of different shapes {sorted(shapes)}")
    s = shapes.pop()
    return s, s


def check(path):
    f = h5py.File(path, "r")
    if text(f["version"]) == "":
        raise SystemExit(f"{path}: no version")
    root = f["node"]
    if text(root["type"]) != "NIRGraph":
        raise SystemExit(f"{path}: the root node is not a NIRGraph")
    nodes = {k: types(k, g) for k, g in root["nodes"].items()}
    edges = [tuple(x.decode() if isinstance(x, bytes) else x for x in e) for e in root["edges"][()]]
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise SystemExit(f"{path}: edge {a} -> {b} names a missing node")
        if nodes[a][1] != nodes[b][0]:
            raise SystemExit(f"{path}: edge {a} -> {b}: {nodes[a][1]} into {nodes[b][0]}")
    if not any(text(g["type"]) == "Input" for g in root["nodes"].values()):
        raise SystemExit(f"{path}: no Input")
    if not any(text(g["type"]) == "Output" for g in root["nodes"].values()):
        raise SystemExit(f"{path}: no Output")
    print("ok", len(nodes))


for p in sys.argv[1:]:
    check(p)
