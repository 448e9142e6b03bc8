"""GPU check of ntps at the paper's model sizes, with no hub access: models built from configs (random weights).

For Qwen2-0.5B, Qwen2-1.5B, Qwen2-7B and Llama-3-8B shapes (bf16 on CUDA), one model at a time:
moments of a few hundred synthetic texts (tokens/s, overhead over a bare forward with all hidden states,
speed-up over the authors' per-text pipeline timed on a few texts, peak GPU memory against `ntps.paper.memory_plan`), the same pass with the lean settings of
`plan_for_gpu(lean=True)` (float32 products, sums on the CPU: speed, peak against its plan, difference to float64),
`ntps_curve` for every layer (within a time budget),
one LoRA step (peft; peak memory against the plan's LoRA phase); then the agreement of the moments
computed on CUDA and on the CPU for a small model, and the study's float64 probes on CUDA against the CPU
(seconds, largest difference). Prints as it goes; writes `gpu_check.json` and
`gpu_check.csv` under --out (default $OUT when set).

    python benchmarks/gpu_check.py --out "$OUT"        # on a GPU machine, < 8 min on one H200
    python benchmarks/gpu_check.py --cpu --tiny         # the same steps on tiny shapes, on the CPU (a minute)

Needs torch, transformers, peft, pandas, scipy, safetensors; fastcore is taken from benchmarks/.wheels/ when
it is not installed (`pip download "fastcore>=1.12.3,<2" --no-deps -d benchmarks/.wheels`).
"""
import argparse, copy, gc, glob, json, math, os, sys, time, warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)) # the checkout's ntps, not an installed one
try: import fastcore # noqa: F401
except ImportError: # pure-Python wheels import from the zip itself
    for whl in sorted(glob.glob(str(HERE / ".wheels" / "*.whl"))): sys.path.insert(0, whl)

import torch

# Published shapes of the paper's models (config.json), and tiny stand-ins of the same families for --tiny
SHAPES = {
    "qwen2-0.5b": ("qwen2", dict(hidden_size=896, num_hidden_layers=24, intermediate_size=4864, num_attention_heads=14,
                                 num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True)),
    "qwen2-1.5b": ("qwen2", dict(hidden_size=1536, num_hidden_layers=28, intermediate_size=8960, num_attention_heads=12,
                                 num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True)),
    "qwen2-7b": ("qwen2", dict(hidden_size=3584, num_hidden_layers=28, intermediate_size=18944, num_attention_heads=28,
                               num_key_value_heads=4, vocab_size=152064, tie_word_embeddings=False)),
    "llama-3-8b": ("llama", dict(hidden_size=4096, num_hidden_layers=32, intermediate_size=14336, num_attention_heads=32,
                                 num_key_value_heads=8, vocab_size=128256, tie_word_embeddings=False)),
}
TINY = {
    "tiny-qwen2-a": ("qwen2", dict(hidden_size=64, num_hidden_layers=2, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2, vocab_size=512)),
    "tiny-qwen2-b": ("qwen2", dict(hidden_size=96, num_hidden_layers=3, intermediate_size=192, num_attention_heads=4, num_key_value_heads=2, vocab_size=512)),
    "tiny-llama": ("llama", dict(hidden_size=128, num_hidden_layers=3, intermediate_size=256, num_attention_heads=4, num_key_value_heads=2, vocab_size=512)),
}
EST_S = {"qwen2-0.5b": 30, "qwen2-1.5b": 50, "qwen2-7b": 110, "llama-3-8b": 130} # rough seconds per model on one H200


def log(*a):
    print(*a, flush=True)


def build(family, kw, dtype, device, seed=0):
    "A randomly initialised causal LM from a config, created directly on `device` in `dtype`."
    import transformers as tf
    cfg = (tf.Qwen2Config if family == "qwen2" else tf.LlamaConfig)(max_position_embeddings=4096, bos_token_id=1, eos_token_id=2,
                                                                        pad_token_id=0, **kw)
    torch.manual_seed(seed)
    prev = torch.get_default_dtype(); torch.set_default_dtype(dtype)
    try:
        with torch.device(device): model = tf.AutoModelForCausalLM.from_config(cfg)
    finally: torch.set_default_dtype(prev)
    return model.to(device=device, dtype=dtype).eval()


def sync(dev):
    if dev.type == "cuda": torch.cuda.synchronize(dev)


def reset_peak(dev):
    if dev.type == "cuda": gc.collect(); torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(dev)


def peak_gib(dev):
    return torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else float("nan")


def texts_for(n, T, seed=0):
    "Synthetic texts of T - 1 characters (the char tokenizer adds a BOS: T tokens each)."
    g = torch.Generator().manual_seed(seed)
    return ["".join(chr(97 + int(i)) for i in torch.randint(0, 26, (T - 1,), generator=g)) for _ in range(n)]


def bare_forward_s(model, tok, texts, B, T, dev):
    "Seconds of the forward passes alone (all hidden states returned), batched like `collect_moments`."
    from ntps.extract import backbone
    bb = backbone(model); ids = torch.tensor([tok(t)["input_ids"][:T] for t in texts])
    with torch.inference_mode():
        bb(input_ids=ids[:B].to(dev), output_hidden_states=True, use_cache=False); sync(dev) # warm-up
        t0 = time.perf_counter()
        for i in range(0, len(ids), B): bb(input_ids=ids[i:i + B].to(dev), output_hidden_states=True, use_cache=False)
        sync(dev)
    return time.perf_counter() - t0


def authors_s(model, tok, texts, T, C, dev):
    "Seconds of the authors' whole per-text pipeline on `texts`: one text per forward, prefix sums by a T x T triangular matrix, float64 sums."
    from ntps.extract import backbone
    bb, S = backbone(model), None
    with torch.inference_mode():
        for i, t in enumerate(texts):
            ids = torch.tensor([tok(t)["input_ids"][:T]], device=dev)
            hs = bb(input_ids=ids, output_hidden_states=True, use_cache=False).hidden_states
            n = ids.shape[1]; tri = torch.tril(torch.ones(n, n, device=dev, dtype=torch.float32))
            y = torch.nn.functional.one_hot(torch.tensor(i % C, device=dev), C).double()
            if S is None:
                d = hs[0].shape[-1]; S = {k: torch.zeros(len(hs), d, d, dtype=torch.float64, device=dev) for k in ("S_xx", "S_cc", "S_ch")}
                S["S_xy"] = torch.zeros(len(hs), d, C, dtype=torch.float64, device=dev)
            if i == 0: sync(dev); t0 = time.perf_counter() # the first text warms up
            for l, h in enumerate(hs):
                h = h[0].float(); c, xbar = (tri @ h)[:-1], h.mean(0)
                S["S_xx"][l] += torch.outer(xbar, xbar).double(); S["S_xy"][l] += torch.outer(xbar.double(), y)
                S["S_cc"][l] += (c.T @ c).double(); S["S_ch"][l] += (c.T @ h[1:]).double()
        sync(dev)
    return (time.perf_counter() - t0) / max(len(texts) - 1, 1)


def curve(mom, args, deadline, dev):
    "`ntps_curve` one layer at a time until every layer is done or the curve's time budget is spent."
    from ntps.score import ntps_curve
    t0, done, L1 = time.perf_counter(), 0, mom.S_xx.shape[0]
    stop = min(deadline, t0 + args.curve_budget)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for l in range(L1):
            ntps_curve(mom, layers=[l], progress=False); done += 1
            if time.perf_counter() > stop: break
    sync(dev); cs = time.perf_counter() - t0
    return dict(curve_layers=done, curve_s=cs, curve_all_layers_s=cs / done * L1)


def lora_step(model, tok, args, dev, dtype):
    "Peak memory and time of one LoRA step (peft adapters on q/k/v, Adafactor) on a copy of `model`."
    from ntps.lora import add_lora, LoraTrainConfig, encode
    import torch.nn.functional as F
    from transformers.optimization import Adafactor
    reset_peak(dev)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore") # peft on a newer transformers
        clf = add_lora(copy.deepcopy(model), 4, LoraTrainConfig(r=32)); clf.train()
        opt = Adafactor([p for p in clf.parameters() if p.requires_grad], lr=1e-4, relative_step=False, scale_parameter=False, warmup_init=False)
        lt = texts_for(args.lora_batch, args.length, seed=1)
        with torch.autocast(dev.type, dtype=dtype, enabled=dev.type == "cuda"):
            logits = clf(**encode(tok, lt, args.length, dev))
        loss = F.cross_entropy(logits.float(), torch.arange(args.lora_batch, device=dev) % 4)
        loss.backward(); opt.step(); sync(dev)
    out = dict(lora_step_s=time.perf_counter() - t0, lora_peak_GiB=peak_gib(dev))
    del clf, opt, logits, loss; gc.collect()
    if dev.type == "cuda": torch.cuda.empty_cache()
    return out


def check_model(name, family, kw, args, dev, dtype, deadline):
    from ntps.extract import collect_moments
    from ntps.toy import char_tokenizer
    from ntps.paper import memory_plan
    from ntps.lora import prepare_tokenizer
    row = dict(model=name, device=str(dev), dtype=str(dtype).removeprefix("torch."), n_texts=args.texts, max_length=args.length,
               batch_size=args.batch)
    t0 = time.perf_counter()
    reset_peak(dev)
    model = build(family, kw, dtype, dev); tok = char_tokenizer(); prepare_tokenizer(tok, model)
    sync(dev); row["build_s"] = time.perf_counter() - t0
    n_params = sum(p.numel() for p in model.parameters())
    row["params_B"] = n_params / 1e9
    texts = texts_for(args.texts, args.length); labels = [i % 4 for i in range(args.texts)]
    N_tok = args.texts * args.length
    row["forward_s"] = bare_forward_s(model, tok, texts, args.batch, args.length, dev)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collect_moments(model, tok, texts[:args.batch], labels[:args.batch], batch_size=args.batch, max_length=args.length, progress=False) # warm-up
    reset_peak(dev)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mom = collect_moments(model, tok, texts, labels, batch_size=args.batch, max_length=args.length, progress=False)
    sync(dev); row["moments_s"] = time.perf_counter() - t0
    row.update(tokens_per_s=N_tok / row["moments_s"], forward_tokens_per_s=N_tok / row["forward_s"],
               overhead=row["moments_s"] / row["forward_s"] - 1, moments_peak_GiB=peak_gib(dev))
    plan = memory_plan(model.config, n_params=n_params / 1e9, dtype=dtype, n_classes=4, n_texts=args.texts, batch_size=args.batch,
                       max_length=args.length, test_split=False, lora_batch_size=args.lora_batch, free_moments=True)
    pk = plan.peaks() / 2**30
    row["moments_plan_GiB"] = float(max(pk.gpu["moments"], pk.gpu["scores"]))
    log(f"  {name}: {row['params_B']:.2f}B params, build {row['build_s']:.1f}s; moments {row['tokens_per_s']:.0f} tok/s "
        f"(bare forward {row['forward_tokens_per_s']:.0f} tok/s, overhead {100 * row['overhead']:.0f}%), "
        f"peak {row['moments_peak_GiB']:.2f} GiB vs plan {row['moments_plan_GiB']:.2f} GiB")
    # the lean settings of `plan_for_gpu(lean=True)`: float32 batch products, the float64 sums on the CPU
    if not args.no_lean and time.perf_counter() < deadline:
        try:
            reset_peak(dev); t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lean = collect_moments(model, tok, texts, labels, batch_size=args.batch, max_length=args.length, progress=False,
                                       moment_dtype=torch.float32, sums_device="cpu")
            sync(dev); row["lean_moments_s"] = time.perf_counter() - t0; row["lean_peak_GiB"] = peak_gib(dev)
            lp = memory_plan(model.config, n_params=n_params / 1e9, dtype=dtype, n_classes=4, n_texts=args.texts, batch_size=args.batch,
                             max_length=args.length, test_split=False, lora=False, moment_dtype=torch.float32, sums_device="cpu").peaks() / 2**30
            row["lean_plan_GiB"] = float(max(lp.gpu["moments"], lp.gpu.get("scores", 0)))
            row["lean_max_rel_diff"] = max(rel_diff(lean, mom).values())
            del lean
            log(f"  {name}: lean moments (float32 products, sums on the CPU) {N_tok / row['lean_moments_s']:.0f} tok/s, "
                f"peak {row['lean_peak_GiB']:.2f} GiB vs plan {row['lean_plan_GiB']:.2f} GiB, max relative difference to float64 {row['lean_max_rel_diff']:.1e}")
        except Exception as e: row["lean_error"] = f"{type(e).__name__}: {e}"[:300]
    # the authors' whole per-text pipeline on a few texts (seconds per text, scaled to all texts)
    try:
        row["authors_s"] = authors_s(model, tok, texts[:args.authors_texts + 1], args.length, 4, dev) * args.texts
        row["speedup_vs_authors"] = row["authors_s"] / row["moments_s"]
        log(f"  {name}: the authors' per-text pipeline ≈ {row['authors_s']:.1f}s for {args.texts} texts "
            f"(from {args.authors_texts}): ntps is {row['speedup_vs_authors']:.1f}x faster")
    except Exception as e: row["authors_error"] = f"{type(e).__name__}: {e}"[:300]
    # NTPS curve, every layer, within the model's share of the time budget
    try: row.update(curve(mom, args, deadline, dev))
    except Exception as e: row["curve_error"] = f"{type(e).__name__}: {e}"[:300]
    log(f"  {name}: " + (f"curve failed: {row['curve_error']}" if "curve_error" in row else
                         f"ntps_curve {row['curve_layers']}/{mom.S_xx.shape[0]} layers in {row['curve_s']:.1f}s"
                         + ("" if row["curve_layers"] == mom.S_xx.shape[0] else f" (all layers ≈ {row['curve_all_layers_s']:.0f}s)")))
    del mom
    # one LoRA step on a copy of the model (the study's LoRA phase, moments freed)
    if time.perf_counter() < deadline:
        try: row.update(lora_step(model, tok, args, dev, dtype), lora_plan_GiB=float(pk.gpu["lora"]))
        except Exception as e: row["lora_error"] = f"{type(e).__name__}: {e}"[:300]
        log(f"  {name}: " + (f"LoRA step failed: {row['lora_error']}" if "lora_error" in row else
                             f"one LoRA step (batch {args.lora_batch} × {args.length}) {row['lora_step_s']:.1f}s, "
                             f"peak {row['lora_peak_GiB']:.2f} GiB vs plan {row['lora_plan_GiB']:.2f} GiB"))
    del model; gc.collect()
    if dev.type == "cuda": torch.cuda.empty_cache()
    return row


def rel_diff(a, b) -> dict:
    "Largest difference of each moment of `a` from `b`, relative to `b`'s largest entry."
    return {k: float((getattr(a, k).cpu() - getattr(b, k).cpu()).abs().max() / getattr(b, k).abs().max()) for k in ("S_xx", "S_xy", "S_cc", "S_ch")}


def agreement(dev):
    "Largest relative difference between the moments of one small float32 model computed on `dev` and on the CPU."
    from ntps.extract import collect_moments
    from ntps.toy import char_tokenizer
    torch.backends.cuda.matmul.allow_tf32 = False; torch.backends.cudnn.allow_tf32 = False
    tok = char_tokenizer(); texts = texts_for(64, 128, seed=2); labels = [i % 3 for i in range(64)]
    kw = dict(hidden_size=128, num_hidden_layers=4, intermediate_size=256, num_attention_heads=4, num_key_value_heads=2, vocab_size=512)
    out = {}
    for where in (dev, torch.device("cpu")):
        m = build("qwen2", kw, torch.float32, where)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[where.type] = collect_moments(m, tok, texts, labels, batch_size=16, max_length=128, progress=False)
    a, b = out[dev.type], out["cpu"]
    return rel_diff(a, b)


def probes_check(dev, n=2000, layers=6, d=768):
    "The study's per-layer probes and baselines (float64) on `dev` against the CPU: seconds each and the largest difference of their metrics."
    import numpy as np
    from ntps.probes import probe_layers
    from ntps.baselines import baselines
    X = torch.randn(n, layers, d, generator=torch.Generator().manual_seed(3)); y = np.arange(n) % 4; k = 3 * n // 4
    X[:, :, :4] += torch.nn.functional.one_hot(torch.as_tensor(y), 4)[:, None].float() # some signal
    out, tabs = {}, {}
    for where in (dev, torch.device("cpu")):
        Xw = X.to(where); sync(where); t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tabs[where.type] = probe_layers(Xw[:k], y[:k], Xw[k:], y[k:], n_classes=4).merge(baselines(Xw[:k], y[:k], Xw[k:], y[k:], n_classes=4), on="layer")
        sync(where); out[f"{where.type}_s"] = time.perf_counter() - t0
    a, b = tabs[dev.type], tabs["cpu"]
    num = [c for c in a.select_dtypes("number").columns if c != "layer"]
    out["max_abs_diff"] = float(np.nanmax(np.abs(a[num].to_numpy(float) - b[num].to_numpy(float))))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.environ.get("OUT"), help="folder for gpu_check.json / .csv (default $OUT)")
    p.add_argument("--cpu", action="store_true", help="run on the CPU (with --tiny: an end-to-end test of this script)")
    p.add_argument("--tiny", action="store_true", help="tiny model shapes instead of the paper's")
    p.add_argument("--models", nargs="*", help="subset of the model names")
    p.add_argument("--texts", type=int, default=None, help="texts per model (default 256; 32 with --tiny)")
    p.add_argument("--length", type=int, default=None, help="tokens per text (default 256; 64 with --tiny)")
    p.add_argument("--batch", type=int, default=16, help="texts per forward pass of the moment pass")
    p.add_argument("--lora-batch", type=int, default=1, help="texts per LoRA step (the paper: 1)")
    p.add_argument("--no-lean", action="store_true", help="skip the lean moment pass (float32 products, sums on the CPU)")
    p.add_argument("--budget", type=float, default=420, help="seconds for the whole check; models that would not fit are skipped")
    p.add_argument("--authors-texts", type=int, default=16, help="texts timed in the authors' per-text pipeline (scaled to --texts)")
    p.add_argument("--curve-budget", type=float, default=45, help="seconds of ntps_curve per model (the rest is extrapolated)")
    args = p.parse_args(argv)
    args.texts = args.texts or (32 if args.tiny else 256); args.length = args.length or (64 if args.tiny else 256)
    start = time.perf_counter(); deadline = start + args.budget
    if not args.cpu and not torch.cuda.is_available(): p.error("no CUDA device: pass --cpu (and --tiny) to run on the CPU")
    dev = torch.device("cpu" if args.cpu else "cuda")
    from ntps.paper import pick_dtype
    dtype = pick_dtype(dev)
    shapes = TINY if args.tiny else SHAPES
    names = args.models or list(shapes)
    unknown = [n for n in names if n not in shapes]
    if unknown: p.error(f"unknown models {unknown}; choose from {list(shapes)}")
    info = dict(device=torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu", dtype=str(dtype), torch=torch.__version__)
    log(f"gpu_check on {info['device']} ({info['dtype']}), budget {args.budget:.0f}s")
    rows, skipped = [], []
    for n in names:
        left = deadline - time.perf_counter()
        if not args.tiny and left < EST_S.get(n, 60): skipped.append(n); log(f"  {n}: skipped ({left:.0f}s left)"); continue
        try: rows.append(check_model(n, *shapes[n], args, dev, dtype, deadline))
        except Exception as e: # record and go on: one failing model must not cost the others
            rows.append(dict(model=n, error=f"{type(e).__name__}: {e}"[:300])); log(f"  {n}: failed: {rows[-1]['error']}")
            gc.collect()
            if dev.type == "cuda": torch.cuda.empty_cache()
    agree = None
    if dev.type == "cuda" and time.perf_counter() < deadline + 30:
        try: agree = agreement(dev); log("  CUDA vs CPU moments, max relative difference (float32 model, no TF32): "
                                         + ", ".join(f"{k} {v:.1e}" for k, v in agree.items()))
        except Exception as e: agree = dict(error=f"{type(e).__name__}: {e}"[:300]); log(f"  CUDA vs CPU agreement failed: {agree['error']}")
    elif dev.type != "cuda":
        agreement(dev); log("  CUDA vs CPU agreement: needs a CUDA device (code path run CPU against CPU)")
    probes = None
    if time.perf_counter() < deadline + 60:
        try:
            probes = probes_check(dev, *((200, 3, 64) if args.tiny else ()))
            log(f"  probes + baselines (float64): {dev.type} {probes[dev.type + '_s']:.1f}s, cpu {probes['cpu_s']:.1f}s, "
                f"largest metric difference {probes['max_abs_diff']:.1e}")
        except Exception as e: probes = dict(error=f"{type(e).__name__}: {e}"[:300]); log(f"  probes check failed: {probes['error']}")
    total = time.perf_counter() - start
    log(f"done in {total:.0f}s" + (f"; skipped {skipped}" if skipped else ""))
    res = dict(info=info, args=vars(args), total_s=total, skipped=skipped, models=rows, cuda_vs_cpu=agree, probes=probes)
    if args.out:
        import pandas as pd
        out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
        (out / "gpu_check.json").write_text(json.dumps(res, indent=1, default=str))
        pd.DataFrame(rows).to_csv(out / "gpu_check.csv", index=False)
        log(f"wrote {out / 'gpu_check.json'} and gpu_check.csv")
    return res


if __name__ == "__main__": main()
