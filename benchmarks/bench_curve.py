"""Benchmark: `ntps_curve` (one eigendecomposition per problem + nested-QR prefix sums) against the
naive way (solve once, then for every k build the projector with a pseudo-inverse and project).

Both run in the same process on the same moments; the script checks that the values agree and
prints the time ratio. Run: `python benchmarks/bench_curve.py [--d 512 1024] [--naive-stride 1]`.
`--naive-stride s` times the naive method on every s-th k only and scales its time by s (reported
as an estimate); the default s = 1 runs every k.
"""
import argparse, time
import numpy as np, torch
from ntps.score import ntps_curve, perception_subspace, next_token_subspace

def moments(d, C=8, n=None, seed=0):
    g = torch.Generator().manual_seed(seed)
    n = n or 4 * d
    x = torch.randn(n, d, generator=g, dtype=torch.float64) @ torch.randn(d, d, generator=g, dtype=torch.float64) / d**.5
    y = torch.nn.functional.one_hot(torch.randint(0, C, (n,), generator=g), C).to(x)
    y = y + 0 * x[:, :1]
    c = torch.randn(n, d, generator=g, dtype=torch.float64)
    h = c @ torch.randn(d, d, generator=g, dtype=torch.float64) / d**.5 + 0.5 * torch.randn(n, d, generator=g, dtype=torch.float64)
    x = x + 0.3 * y @ torch.randn(C, d, generator=g, dtype=torch.float64)
    return dict(S_xx=x.T @ x / n, S_xy=x.T @ y / n, S_cc=c.T @ c / n, S_ch=c.T @ h / n)

def naive_curve(S_xx, S_xy, S_cc, S_ch, ks):
    "Solve both problems, then for every k: P_V = V_k pinv(V_k) and ‖P_V U_k‖² / ‖U_k‖²."
    pu, pv = perception_subspace(S_xx, S_xy), next_token_subspace(S_cc, S_ch)
    out = []
    for k in ks:
        U, V = pu.X[:, :min(k, pu.rank)], pv.X[:, :k]
        P = V @ torch.linalg.pinv(V)
        out.append(float(((P @ U) ** 2).sum() / (U ** 2).sum()))
    return np.array(out)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, nargs="+", default=[512, 1024])
    ap.add_argument("--naive-stride", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for d in a.d:
        m = moments(d)
        fast_t = []
        for _ in range(a.repeats):
            t0 = time.perf_counter(); cur = ntps_curve(**m, progress=False); fast_t.append(time.perf_counter() - t0)
        K = int(cur.m.iloc[0]); ks = list(range(1, K + 1))[::a.naive_stride]
        t0 = time.perf_counter(); slow = naive_curve(**m, ks=ks); naive_t = (time.perf_counter() - t0) * a.naive_stride
        err = np.abs(slow - cur.set_index("k").loc[ks, "ntps"].values).max()
        ft = float(np.median(fast_t))
        est = " (estimated from every %d-th k)" % a.naive_stride if a.naive_stride > 1 else ""
        print(f"d={d}: K={K} ks; ntps_curve {ft:.3f}s (median of {a.repeats}, all variants); naive {naive_t:.1f}s{est}; "
              f"speed-up {naive_t / ft:.0f}x; max |difference| {err:.2e}")
        assert err < 1e-8, "fast and naive curves disagree"

if __name__ == "__main__": main()
