"""Benchmark: the label-permutation null (P permutations, all three variants) against `ntps_curve` itself.

Random but realistic moments for a small LM: d = 576 (SmolLM2-135M), 31 layers, N pooled texts
with a large constant offset and a power-law spectrum, C-class labels read from a few directions,
and next-token moments from 8·d context/target pairs. Everything runs on one thread.

Three timings per N: `ntps_curve` alone; `ntps_curve` with `features`/`labels` (curve + null, the
difference is what the null adds); `permutation_null` alone, given the next-token directions
(which also redoes the S_xx eigendecomposition and the QRs of V that `ntps_curve` shares with the null). Run: `python benchmarks/bench_null.py [--n 160 512] [--perm 100]`.
"""
import os
os.environ.setdefault("OMP_NUM_THREADS", "1")
import argparse, time, warnings
import numpy as np, torch
from ntps.score import ntps_curve, next_token_subspace, permutation_null, shrinkage_ridge

def layer_data(d, N, C, n_pairs, g):
    "Pooled features [N, d] (float32), labels [N] and the four float64 moments of one layer."
    spec = torch.arange(1, d + 1, dtype=torch.float64) ** -0.7 # power-law spectrum
    R = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))[0]
    offset = 20.0 * torch.randn(d, generator=g, dtype=torch.float64) / d ** 0.5 # a large constant offset, as in LM hidden states
    x = ((torch.randn(N, d, generator=g, dtype=torch.float64) * spec) @ R.T + offset).float()
    labels = (x.double() @ R[:, :C] + 0.1 * torch.randn(N, C, generator=g, dtype=torch.float64)).argmax(1)
    X, Y = x.double(), torch.nn.functional.one_hot(labels, C).double()
    c = (torch.randn(n_pairs, d, generator=g, dtype=torch.float64) * spec) @ R.T + offset
    h = c @ (torch.randn(d, d, generator=g, dtype=torch.float64) / d ** 0.5) + 0.3 * torch.randn(n_pairs, d, generator=g, dtype=torch.float64)
    return x, labels, dict(S_xx=X.T @ X / N, S_xy=X.T @ Y / N, S_cc=c.T @ c / n_pairs, S_ch=c.T @ h / n_pairs)

def data(d, L, N, C, seed=0):
    "Moments [L, …] and features [N, L, d] of L layers that share the texts (labels of the first layer)."
    g = torch.Generator().manual_seed(seed)
    feats, moms, labels = [], [], None
    for l in range(L):
        x, lab, m = layer_data(d, N, C, 8 * d, g)
        if labels is None: labels = lab
        else: # same texts, same labels in every layer: recompute S_xy with the shared labels
            m["S_xy"] = x.double().T @ torch.nn.functional.one_hot(labels, C).double() / N
        feats.append(x); moms.append(m)
    return {k: torch.stack([m[k] for m in moms]) for k in moms[0]}, torch.stack(feats, 1), labels

def timed(f, repeats):
    ts, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter(); out = f(); ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=576)
    ap.add_argument("--layers", type=int, default=31)
    ap.add_argument("--n", type=int, nargs="+", default=[160, 512])
    ap.add_argument("--classes", type=int, default=6)
    ap.add_argument("--perm", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, d={a.d}, layers={a.layers}, C={a.classes}, P={a.perm}")
    for N in a.n:
        mom, F, y = data(a.d, a.layers, N, a.classes)
        kw = dict(ridge_xx=1e-3, progress=False) # N < d: a ridge on S_xx, in both runs
        t_curve, cur = timed(lambda: ntps_curve(**mom, **kw), a.repeats)
        t_full, full = timed(lambda: ntps_curve(**mom, features=F, labels=y, n_perm=a.perm, **kw), a.repeats)
        assert np.allclose(full.ntps.values, cur.ntps.values, atol=1e-12)
        Vs = [next_token_subspace(mom["S_cc"][l], mom["S_ch"][l]).X for l in range(a.layers)]
        ks = [np.arange(1, V.shape[1] + 1) for V in Vs]
        t_null, _ = timed(lambda: [permutation_null(mom["S_xx"][l], mom["S_xy"][l], Vs[l], F[:, l], y, ks[l], n_perm=a.perm, ridge=1e-3)
                                   for l in range(a.layers)], a.repeats)
        t_lw, _ = timed(lambda: shrinkage_ridge(F), a.repeats)
        print(f"N={N}: ntps_curve {t_curve:.2f}s; with the null {t_full:.2f}s (+{t_full - t_curve:.2f}s, "
              f"{(t_full - t_curve) / t_curve:.2f}x the curve); permutation_null alone {t_null:.2f}s "
              f"({t_null / t_curve:.2f}x the curve, {1e3 * t_null / a.layers:.0f} ms/layer, including its own S_xx eigendecomposition and QRs); "
              f"shrinkage_ridge (all layers) {1e3 * t_lw:.0f} ms; {len(full)} rows")

if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("error") # the benchmark itself must be warning-free
        main()
