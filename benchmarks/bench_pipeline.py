"""End-to-end CPU benchmark of the whole NTPS pipeline on the bundled SmolLM2-135M (issue 11, item 1): three ratios in one run.

(a) ntps (`collect_moments`: batched, sorted by length, cumulative-sum contexts) versus the authors' whole per-text
    pipeline (one text per forward pass, T x T triangular matrix for the prefix-sum contexts of every text and layer),
    same model, texts and product dtype; the two must give equal moments (goal: >= 10x);
(b) overhead of the moment pass over a bare batched forward pass of the same batches (goal: <= 25%);
(c) time of `ntps_curve` for all L+1 layers versus the forward pass that produced the moments (goal: curve < forward).
It also times the authors' per-text forward passes alone, which bounds (a): on a CPU a batched forward is barely faster
per token than one text at a time, so no moment code can reach 10x there; on a GPU, per-text forwards leave the device
idle and the ratio is measured by `benchmarks/gpu_check.py`.

Usage:  python benchmarks/bench_pipeline.py [--task suite:movie_sentences] [--texts 128] [--batch_size 32]
                                            [--max_length 64] [--threads 1] [--moment_dtype float32|float64] [--reps 1]
Times are CPU seconds of this process (robust on a shared machine; torch uses --threads threads) and wall seconds;
each ratio is the median over --reps interleaved repetitions.
"""
import argparse, os, statistics as st, time, warnings
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TRANSFORMERS_OFFLINE", "1"); os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
import numpy as np
import torch
import transformers
transformers.logging.set_verbosity_error()
from ntps.data import load_dataset
from ntps.extract import collect_moments, backbone, forward_hidden, pad_batch, length_batches
from ntps.models import load_model
from ntps.score import ntps_curve


def time_it(f):
    "(wall seconds, CPU seconds of this process, result)."
    w0, c0 = time.perf_counter(), time.process_time(); r = f()
    return time.perf_counter() - w0, time.process_time() - c0, r


def token_ids(tok, texts, max_length):
    "Token ids per text as `collect_moments` tokenizes them (special tokens added, truncated to max_length)."
    return [s[:max_length] for s in tok(list(texts), add_special_tokens=True, truncation=False, return_attention_mask=False)["input_ids"]]


def bare_forward(lm, tok, seqs, batch_size):
    "The batched forward passes alone (same sorting, batching and padding as `collect_moments`), hidden states requested."
    bb, pad = backbone(lm), next(t for t in (tok.pad_token_id, tok.eos_token_id, 0) if t is not None)
    side = getattr(tok, "padding_side", "right")
    with torch.inference_mode():
        for idx in length_batches([len(s) for s in seqs], batch_size, sort=True):
            forward_hidden(bb, lm, pad_batch([seqs[i] for i in idx], [0] * len(idx), pad, side), "cpu")


def authors_pipeline(lm, seqs, labels, C, dtype):
    "One text per forward; per layer c = tril(1_{T×T}) h (prefix sums), then the four outer-product sums (float64 accumulators)."
    bb, Y = backbone(lm), torch.nn.functional.one_hot(torch.as_tensor(labels), C).to(torch.float64)
    S = None
    with torch.inference_mode():
        for s, y in zip(seqs, Y):
            ids = torch.as_tensor([s])
            hs = bb(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True, use_cache=False).hidden_states
            T = ids.shape[1]
            tri = torch.tril(torch.ones(T, T, dtype=dtype))
            if S is None:
                d = hs[0].shape[-1]
                S = dict(S_xx=torch.zeros(len(hs), d, d, dtype=torch.float64), S_xy=torch.zeros(len(hs), d, C, dtype=torch.float64),
                         S_cc=torch.zeros(len(hs), d, d, dtype=torch.float64), S_ch=torch.zeros(len(hs), d, d, dtype=torch.float64))
            for l, h in enumerate(hs):
                h = h[0].to(dtype)
                c, xbar = (tri @ h)[:-1], h.mean(0)
                S["S_xx"][l] += torch.outer(xbar, xbar); S["S_xy"][l] += torch.outer(xbar.double(), y)
                S["S_cc"][l] += c.T @ c; S["S_ch"][l] += c.T @ h[1:]
    return {k: v / len(seqs) for k, v in S.items()}


def authors_forward(lm, seqs):
    "The authors' per-text forward passes alone (no moments): what their pipeline costs even with free moments."
    bb = backbone(lm)
    with torch.inference_mode():
        for s in seqs:
            ids = torch.as_tensor([s])
            bb(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True, use_cache=False)


def formula_check(lm, seqs, labels, C, n=4, dtype=torch.float64):
    "Both moment formulas on the same (per-text) hidden states: batched cumsum (`batch_moments`, products in `dtype`) vs T x T triangular in float64."
    from ntps.stats import batch_moments
    bb, tot = backbone(lm), None
    with torch.inference_mode():
        for s, y in zip(seqs[:n], labels[:n]):
            ids = torch.as_tensor([s])
            hs = bb(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True, use_cache=False).hidden_states
            p = batch_moments(hs, torch.ones_like(ids), torch.nn.functional.one_hot(torch.as_tensor([y]), C).double(), dtype=dtype)
            p = {k: p[k].double() for k in ("S_xx", "S_xy", "S_cc", "S_ch")}
            tot = p if tot is None else {k: tot[k] + p[k] for k in p}
    ref = authors_pipeline(lm, seqs[:n], labels[:n], C, torch.float64)
    return max(((tot[k] / n - ref[k]).norm() / ref[k].norm()).item() for k in ref)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--task", default="suite:movie_sentences", help="a suite task (or any `load_dataset` source)")
    ap.add_argument("--texts", type=int, default=128, help="number of (training) texts")
    ap.add_argument("--batch_size", type=int, default=32)
    ap.add_argument("--max_length", type=int, default=64, help="tokens per text at most")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--moment_dtype", choices=("float32", "float64"), default="float64", help="dtype of the per-batch products (sums are float64)")
    ap.add_argument("--reps", type=int, default=1, help="interleaved repetitions (medians are reported)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    warnings.filterwarnings("ignore", message=r".*were truncated") # the header gives max_length
    dtype = getattr(torch, a.moment_dtype)
    lm, tok = load_model("smollm2-135m")
    ds = load_dataset(a.task)
    texts, labels = list(ds.train_texts[:a.texts]), ds.train_labels[:a.texts].tolist()
    seqs = token_ids(tok, texts, a.max_length)
    n_tok, L1, d = sum(map(len, seqs)), lm.config.num_hidden_layers + 1, lm.config.hidden_size
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, threads {torch.get_num_threads()}; SmolLM2-135M "
          f"(L+1 = {L1} layers, d = {d}); {a.task}: {len(texts)} texts, {n_tok} tokens (max_length {a.max_length}), "
          f"batch {a.batch_size}, moment_dtype {a.moment_dtype}")
    bare_forward(lm, tok, seqs[:a.batch_size], a.batch_size) # warm-up
    run = lambda: collect_moments(lm, tok, texts, labels, batch_size=a.batch_size, max_length=a.max_length, moment_dtype=dtype,
                                  num_classes=ds.n_classes, progress=False)
    t = {k: [] for k in ("bare", "ntps", "authors", "authors_fwd", "curve")}
    for _ in range(a.reps):
        for k, f in (("bare", lambda: bare_forward(lm, tok, seqs, a.batch_size)), ("ntps", run),
                     ("authors", lambda: authors_pipeline(lm, seqs, labels, ds.n_classes, dtype)), ("authors_fwd", lambda: authors_forward(lm, seqs))):
            w, c, r = time_it(f); t[k].append((w, c))
            if k == "ntps": M = r
            if k == "authors": ref = r
        with warnings.catch_warnings():
            warnings.simplefilter("ignore") # N <= d: the "perception directions fit noise" warning
            w, c, cur = time_it(lambda: ntps_curve(M, progress=False)); t["curve"].append((w, c))
    rel = {k: ((getattr(M, k) - ref[k]).norm() / ref[k].norm()).item() for k in ref}
    exact, f32 = formula_check(lm, seqs, labels, ds.n_classes), formula_check(lm, seqs, labels, ds.n_classes, dtype=torch.float32)
    med = lambda k, i: st.median(x[i] for x in t[k])
    for k in t: print(f"   {k:8s} CPU {med(k, 1):7.2f} s, wall {med(k, 0):7.2f} s   (runs: {[round(x[1], 2) for x in t[k]]})")
    per = lambda num, den, i: st.median(t[num][r][i] / t[den][r][i] for r in range(a.reps))
    print(f"\n(a) ntps vs the authors' per-text pipeline: {per('authors', 'ntps', 1):.1f}x (CPU), {per('authors', 'ntps', 0):.1f}x (wall); goal >= 10x")
    print(f"    ceiling on this machine: the authors' per-text forwards alone take {per('authors_fwd', 'bare', 1):.2f}x the batched forward (CPU time), "
          f"so even free moments would make ntps at most {per('authors', 'bare', 1):.1f}x faster; their moment arithmetic is "
          f"{100 * (per('authors', 'authors_fwd', 1) - 1):.0f}% on top of their forwards")
    print(f"    equal moments: max relative difference {max(rel.values()):.1e} ({', '.join(f'{k} {v:.1e}' for k, v in rel.items())}): "
          f"the float32 forward of padded batches vs single texts; the two formulas on the same hidden states: {exact:.1e} (float64 products), {f32:.1e} (float32 products vs the float64 oracle)")
    print(f"(b) moment pass over the bare batched forward: +{100 * (per('ntps', 'bare', 1) - 1):.1f}% (CPU), "
          f"+{100 * (per('ntps', 'bare', 0) - 1):.1f}% (wall); goal <= 25%")
    print(f"(c) ntps_curve, all {L1} layers ({len(cur)} rows) vs the forward pass: {per('curve', 'bare', 1):.2f}x the forward (CPU), "
          f"{per('curve', 'bare', 0):.2f}x (wall); goal < 1  [{med('curve', 1) / L1:.3f} CPU s per layer]")
    print(f"    bare forward {n_tok / med('bare', 0):.0f} tokens/s (wall)")


if __name__ == "__main__":
    main()
