"""Benchmarks of NTPS moment extraction (issue 3): the three ratios in one run.

1. overhead of the moment accumulation over a bare forward pass with output_hidden_states=True
   (Llama-style, 4 layers, d = 256, T = 128; goal <= 25% on CPU);
2. speed-up over the straightforward per-text implementation with T x T triangular matrices
   (goal >= 10x, with equal results);
3. growth of peak RSS from 1,000 to 10,000 texts (goal < 5%; each size in a fresh subprocess).
With --storage (issue 11, storage that scales): moment file size of the format of ntps 0.1.0 (every
sum a full float64 matrix) vs packed symmetric float64 vs packed float32, for SmolLM2-135M on the
demo settings (128 texts of one suite task, 40 tokens, BOS left out), the cost of hashing the weights,
and the largest NTPS-curve difference from the in-memory float64 moments (goal: <= half the size, equal to 1e-6), next to
the difference a 1e-15 relative rounding of S_ch alone makes (the curve's own float64 sensitivity).
Measured (Dec 2026): 236 MiB today / 158 packed float64 (67%) / 97 compact float64 (41%; 119 MiB = 50% with
--n-texts 300) / 79 packed float32 (33%); |ntps| changes on reported cells: packed 0, compact <= 3e-6 (k < d/2:
<= 8e-8), the 1e-15 yardstick <= 1.4e-6, float32 <= 1e-3.

Usage:  python benchmarks/bench_moments.py [--reps 5] [--threads 1]
        python benchmarks/bench_moments.py --storage [--task movie_sentences] [--n-texts 128]
        python benchmarks/bench_moments.py --rss-child N   (internal: one RSS measurement)
Ratios are computed per repetition (interleaved runs) and reported as medians, in CPU time of the
process (robust on a shared machine; torch uses --threads threads) and in wall time; moments are float64 unless stated.
"""
import argparse, os, resource, statistics as st, subprocess, sys, time
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
import torch
import transformers
transformers.logging.set_verbosity_error()
from ntps.extract import collect_moments, backbone, forward_hidden, pad_batch
from ntps.toy import char_tokenizer, tiny_lm, toy_texts
from ntps.stats import batch_moments, reference_moments


def fixed_length_batches(n_batches, batch_size, T, seed=0):
    "Batches of random character texts of exactly T tokens (BOS + T-1 characters), as padded model inputs."
    tok, g = char_tokenizer(), torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n_batches):
        ids = torch.randint(4, len(tok), (batch_size, T - 1), generator=g)
        seqs = [[tok.bos_token_id] + r.tolist() for r in ids]
        b = pad_batch(seqs, [0] * batch_size, tok.pad_token_id, "right")
        b["y"] = torch.nn.functional.one_hot(torch.arange(batch_size) % 4, 4).double()
        out.append(b)
    return out


def time_it(f):
    "(wall seconds, CPU seconds of this process, result): CPU time is robust to other jobs on a shared machine."
    w0, c0 = time.perf_counter(), time.process_time(); r = f()
    return time.perf_counter() - w0, time.process_time() - c0, r


def bench_overhead(reps, n_batches=6, batch_size=16, T=128):
    "Per batch: time the bare forward, then the moments of its hidden states (interleaved, so machine load hits both alike)."
    lm = tiny_lm("llama", d=256, n_layers=4, n_heads=4, intermediate_size=1024, max_positions=T)
    bb, batches = backbone(lm), fixed_length_batches(n_batches, batch_size, T)
    ratios = {(k, c): [] for k in ("float64", "float32") for c in ("cpu", "wall")}
    fwd_tok_s = []
    with torch.inference_mode():
        forward_hidden(bb, lm, batches[0], "cpu")  # warm-up
        for _ in range(reps):
            tf, tm = {"wall": 0.0, "cpu": 0.0}, {k: 0.0 for k in ratios}
            for b in batches:
                w, c, hs = time_it(lambda: forward_hidden(bb, lm, b, "cpu")); tf["wall"] += w; tf["cpu"] += c
                for k, dtype in (("float64", torch.float64), ("float32", torch.float32)):
                    w, c, _ = time_it(lambda: batch_moments(hs, b["attention_mask"], b["y"], dtype=dtype))
                    tm[k, "wall"] += w; tm[k, "cpu"] += c
            for k, c in ratios: ratios[k, c].append(tm[k, c] / tf[c])
            fwd_tok_s.append(n_batches * batch_size * T / tf["wall"])
    # end to end: collect_moments (tokenizing, batching, checks included) vs the bare forward loop, same texts
    texts = [t[:T - 1].ljust(T - 1, "a") for t in toy_texts(n_batches * batch_size, min_len=T - 1, max_len=T - 1)[0]]
    labels = [i % 4 for i in range(len(texts))]
    tok = char_tokenizer()
    seqs = tok(texts)["input_ids"]
    bare_batches = [pad_batch(seqs[i:i + batch_size], [0] * batch_size, 0, "right") for i in range(0, len(seqs), batch_size)]
    e2e = {(k, c): [] for k in ("float64", "float32") for c in ("cpu", "wall")}
    for _ in range(max(2, reps // 2)):  # interleaved: the ratio of each repetition, then the median
        with torch.inference_mode():
            bw, bc, _ = time_it(lambda: [forward_hidden(bb, lm, b, "cpu") for b in bare_batches])
        for k, dtype in (("float64", torch.float64), ("float32", torch.float32)):
            w, c, _ = time_it(lambda: collect_moments(lm, tok, texts, labels, batch_size=batch_size, max_length=T,
                                                      moment_dtype=dtype, progress=False))
            e2e[k, "wall"].append(w / bw - 1); e2e[k, "cpu"].append(c / bc - 1)
    return ratios, fwd_tok_s, e2e


def bench_naive(reps, n_texts=48, batch_size=16, T=128, d=256):
    "Moments from the same hidden states: batched cumsum (batch_moments) vs per-text T x T triangular matrices."
    lm = tiny_lm("llama", d=d, n_layers=4, n_heads=4, intermediate_size=4 * d, max_positions=T)
    bb, batches = backbone(lm), fixed_length_batches(n_texts // batch_size, batch_size, T, seed=1)
    with torch.inference_mode():
        hs = [torch.stack(forward_hidden(bb, lm, b, "cpu")) for b in batches]  # [L+1, B, T, d] each
    per_text = [h[:, i] for h in hs for i in range(h.shape[1])]         # unpadded: every text has T tokens
    Y = torch.cat([b["y"] for b in batches])

    def streamed():
        tot = None
        for h, b in zip(hs, batches):
            p = batch_moments(h, b["attention_mask"], b["y"])
            tot = p if tot is None else {k: tot[k] + p[k] for k in ("S_xx", "S_xy", "S_cc", "S_ch")}
        return tot
    speedup = {"cpu": [], "wall": []}
    t_fast = []
    for _ in range(max(2, reps // 2)):  # interleaved: the ratio of each repetition, then the median
        fw, fc, fast = time_it(streamed)
        nw, nc, naive = time_it(lambda: reference_moments(per_text, Y))
        speedup["wall"].append(nw / fw); speedup["cpu"].append(nc / fc); t_fast.append(fc)
    rel = max(((fast[k] - naive[k]).norm() / naive[k].norm()).item() for k in ("S_xx", "S_xy", "S_cc", "S_ch"))
    return speedup, t_fast, rel


def _status_mib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"): return int(line.split()[1]) / 1024


def rss_child(n):
    "One run of collect_moments on n toy texts; prints the process's peak RSS and the peak during the run above the RSS before it (MiB)."
    torch.set_num_threads(1)
    lm = tiny_lm("llama", d=64, n_layers=2, n_heads=4)
    texts, labels = toy_texts(n, 4, min_len=20, max_len=60, seed=0)
    tok = char_tokenizer()
    collect_moments(lm, tok, texts[:64], labels[:64], batch_size=32, progress=False)  # warm-up: lazy imports and allocator
    before = _status_mib("VmRSS")
    with open("/proc/self/clear_refs", "w") as f: f.write("5")  # reset the peak (VmHWM) to the current RSS
    m = collect_moments(lm, tok, texts, labels, batch_size=32, progress=False)
    assert m.n == n
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _status_mib("VmHWM") - before)


def bench_rss(reps):
    out = {}
    for n in (1000, 10000):
        vals = []
        for _ in range(reps):
            r = subprocess.run([sys.executable, __file__, "--rss-child", str(n)], capture_output=True, text=True, check=True)
            vals.append(tuple(float(v) for v in r.stdout.strip().splitlines()[-1].split()))
        out[n] = vals
    return out


def bench_storage(task="movie_sentences", n_texts=128, max_length=40):
    "File sizes of the layouts, and NTPS-curve differences after a save/load round trip and after a 1e-15 rounding of S_ch (the yardstick)."
    import tempfile, numpy as np, warnings
    from pathlib import Path
    from safetensors.torch import save_file
    from ntps.models import load_model
    from ntps.data import load_dataset
    from ntps.score import ntps_curve
    from ntps.stats import MomentAccumulator, Moments
    from ntps.store import weights_hash
    lm, tok = load_model("smollm2-135m")
    ds = load_dataset(f"suite:{task}", max_train=n_texts)
    w, c, wh = time_it(lambda: weights_hash(lm))
    out = dict(weights_hash_s=round(w, 2), n_params=sum(p.numel() for p in lm.parameters()))
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ck = Path(tmp) / "m.safetensors"
        mo, F = collect_moments(lm, tok, list(ds.train_texts), np.asarray(ds.train_labels), num_classes=ds.n_classes, batch_size=16,
                                max_length=max_length, exclude_bos=True, checkpoint=ck, progress=False, keep_features=True)
        acc = MomentAccumulator.load(ck)
        save_file({k: v.contiguous() for k, v in acc.sums.items()}, str(Path(tmp) / "v1.safetensors"))  # the 0.1.0 layout
        sizes = dict(today_full_float64=(Path(tmp) / "v1.safetensors").stat().st_size)
        loaded = {}
        for name, kw in (("packed_float64", {}), ("packed_float32", dict(precision="float32")), ("compact_float64", dict(compact=True))):
            p = acc.save(Path(tmp) / f"{name}.safetensors", **kw); sizes[name] = p.stat().st_size
            loaded[name] = MomentAccumulator.load(p).moments()
    g = torch.Generator().manual_seed(0)
    s = mo.S_ch * (1 + 1e-15 * torch.randn(mo.S_ch.shape, generator=g, dtype=torch.float64))
    loaded["yardstick: S_ch rounded by 1e-15"] = Moments(S_xx=mo.S_xx, S_xy=mo.S_xy, S_cc=mo.S_cc, S_ch=s, n=mo.n, n_pairs=mo.n_pairs)
    diff = {}
    for r in (1e-3, "auto"):
        kw = dict(ridge_xx=r, progress=False, features=F, labels=np.asarray(ds.train_labels), n_perm=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore"); c0 = ntps_curve(mo, **kw)
        num = [k for k in c0.columns if np.issubdtype(c0[k].dtype, np.floating)]
        nd = ~c0.degenerate.to_numpy(bool)
        for q, m in loaded.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore"); c1 = ntps_curve(m, **kw)
            d = np.abs(c1.ntps.to_numpy() - c0.ntps.to_numpy())
            diff[q, r] = (float(d[nd].max()), float(d[(c0.k < mo.d // 2).to_numpy()].max()), float(np.nanmax(np.abs(c1[num].to_numpy() - c0[num].to_numpy()))))
    return out, sizes, diff


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rss-child", type=int, default=None)
    ap.add_argument("--storage", action="store_true", help="only the moment-file size and round-trip benchmark (SmolLM2-135M)")
    ap.add_argument("--task", default="movie_sentences"); ap.add_argument("--n-texts", type=int, default=128)
    a = ap.parse_args()
    if a.rss_child: return rss_child(a.rss_child)
    torch.set_num_threads(a.threads)
    if a.storage:
        info, sizes, diff = bench_storage(a.task, a.n_texts)
        full = sizes["today_full_float64"]
        print(f"SmolLM2-135M, suite:{a.task}, {a.n_texts} texts x 40 tokens; weights_hash {info['weights_hash_s']} s for {info['n_params']:,} parameters")
        for k, v in sizes.items(): print(f"   {k}: {v / 2**20:.2f} MiB ({100 * v / full:.0f}% of today's)")
        print("   max |ntps difference| from the in-memory float64 moments: reported (non-degenerate) cells / k < d/2 / every cell and float column")
        for (q, r), v in diff.items(): print(f"   {q:>34}, ridge_xx={r}: {v[0]:.1e} / {v[1]:.1e} / {v[2]:.1e}")
        return
    med = st.median
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, threads {torch.get_num_threads()}, reps {a.reps}")

    t0 = time.perf_counter()
    ratios, tok_s, e2e = bench_overhead(a.reps)
    pct = lambda v: ", ".join(f"{100 * x:.1f}" for x in v)
    print("\n1. overhead over a bare forward (Llama-style, L=4, d=256, T=128, batch 16; goal <= 25%)")
    print(f"   bare forward: {med(tok_s):.0f} tokens/s (wall)")
    for (k, c), v in ratios.items():
        print(f"   moments ({k} products) after each forward, {c} time: median overhead {100 * med(v):.1f}%  (runs: {pct(v)})")
    for (k, c), v in e2e.items():
        print(f"   end to end, collect_moments ({k}) vs the bare forward loop, {c} time: median overhead {100 * med(v):.1f}%  (runs: {pct(v)})")

    print("\n2. batched cumsum vs per-text T x T triangular implementation (L=4, same hidden states, float64; goal >= 10x)")
    for T, d, n in ((128, 256, 48), (512, 64, 48)):
        sp, t_fast, rel = bench_naive(a.reps, n_texts=n, T=T, d=d)
        print(f"   T={T}, d={d}, {n} texts: speed-up (CPU time) {med(sp['cpu']):.1f}x, (wall) {med(sp['wall']):.1f}x;"
              f" streamed {med(t_fast):.2f} CPU s; max relative difference {rel:.1e}  (runs cpu: {[round(x, 1) for x in sp['cpu']]})")

    rss = bench_rss(max(1, a.reps // 2))
    peak = {n: med(v[0] for v in vals) for n, vals in rss.items()}
    run = {n: med(v[1] for v in vals) for n, vals in rss.items()}
    print("\n3. peak RSS of collect_moments in a fresh process (tiny Llama d=64, batch 32, texts of 20-60 characters; goal < 5% growth)")
    print(f"   process peak (ru_maxrss): 1,000 texts {peak[1000]:.1f} MiB, 10,000 texts {peak[10000]:.1f} MiB: growth {100 * (peak[10000] / peak[1000] - 1):.2f}%")
    print(f"   peak during the run above the RSS before it (VmHWM after clear_refs): 1,000 texts {run[1000]:.1f} MiB, 10,000 texts {run[10000]:.1f} MiB")
    print(f"   runs (ru_maxrss, run peak): {rss[1000]} / {rss[10000]}")
    print(f"\ntotal benchmark time {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
