"""LoRA levers on the bundled SmolLM2-135M: seconds per step and the gain they measure, in one run.

Levers (same recipe otherwise: r 32, Adafactor lr 1e-3, cosine, batch 8, up to 150 steps, early stopping on 20% of
train, 48 tokens): LoRA on every block (the paper's placement; run through the cached-input path with start = 0,
which is the whole model), on the top 8 and the top 4 blocks (block inputs cached once per text), and the head-only
control. Reports s/step (one thread), the accuracy and the gain over the CV logistic probe per task and seed.

    OMP_NUM_THREADS=1 python benchmarks/bench_lora.py --out runs/bench_lora.csv [--tasks movie_sentences fortune_topic --seeds 0]
    python benchmarks/bench_lora.py --pair   # s/step of one vs two processes side by side (top-4 lever, 20 steps)
"""
import argparse, copy, subprocess, sys, time
import pandas as pd, torch

def one(model, tok, ds, cfg, Ftr, Fte, S, lr_ok):
    from ntps.lora import train_lora, TopBlocks, top_features
    run = train_lora(copy.deepcopy(model), tok, ds.train_texts, ds.train_labels, cfg, n_classes=ds.n_classes, progress=False,
                     **({"inputs": S[0]} if cfg.adapt else {"features": Ftr}))
    yt = torch.as_tensor(ds.test_labels.copy())
    with torch.no_grad():
        F = top_features(TopBlocks(run.classifier.lm, S[1]), S[2], "cpu") if cfg.adapt else Fte
        ok = (run.classifier.head(F).argmax(-1) == yt).numpy()
    return run, float(ok.mean()), float(ok.mean() - lr_ok.mean())

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="runs/bench_lora.csv")
    ap.add_argument("--tasks", nargs="*", default=["movie_sentences", "fortune_topic"])
    ap.add_argument("--seeds", type=int, nargs="*", default=[0])
    ap.add_argument("--levers", nargs="*", default=["all", "top8", "top4", "head"])
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--pair", action="store_true", help="time one process, then two side by side")
    ap.add_argument("--_child", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(1)
    from ntps.models import load_model
    from ntps.data import load_dataset
    from ntps.lora import LoraTrainConfig, block_inputs, TopBlocks, top_features, n_blocks, train_lora
    from ntps.probes import logistic_cv
    if a.pair and not a._child:
        cmd = [sys.executable, __file__, "--pair", "--_child"]
        t = time.perf_counter(); p = subprocess.run(cmd, capture_output=True, text=True); one_s = float(p.stdout.split()[-1])
        ps = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(2)]
        two = [float(q.communicate()[0].split()[-1]) for q in ps]
        print(f"top-4 LoRA, 1 thread: {one_s:.3f} s/step alone, {two[0]:.3f} and {two[1]:.3f} s/step with two processes side by side "
              f"→ throughput ×{2 * one_s / sum(two) * 1:.2f} with two processes")
        return
    model, tok = load_model("smollm2-135m"); L = n_blocks(model)
    if a._child:
        ds = load_dataset("suite:movie_sentences", max_train=64, max_test=8, subsample_seed=0)
        cfg = LoraTrainConfig(top_blocks=4, steps=20, max_length=48, val_frac=0.0)
        run = train_lora(copy.deepcopy(model), tok, ds.train_texts, ds.train_labels, cfg, n_classes=2, progress=False)
        print(run.seconds_per_step); return
    rows = []
    for t in a.tasks:
        ds = load_dataset(f"suite:{t}", max_train=256, max_test=480, subsample_seed=0)
        caches = {}
        for lev in a.levers:
            m = {"all": L, "top8": 8, "top4": 4, "head": 4}[lev]
            if m not in caches:
                t0 = time.perf_counter()
                Str = block_inputs(model, tok, list(ds.train_texts), L - m, max_length=48)
                Ste = block_inputs(model, tok, list(ds.test_texts), L - m, max_length=48)
                caches[m] = (Str, L - m, Ste, time.perf_counter() - t0)
            S = caches[m]
            frozen = TopBlocks(model, S[1])
            Ftr, Fte = top_features(frozen, S[0], "cpu"), top_features(frozen, S[2], "cpu")
            pred, _ = logistic_cv(Ftr, ds.train_labels, Fte, n_classes=ds.n_classes)
            lr_ok = (pred == torch.as_tensor(ds.test_labels.copy())).numpy()
            for s in a.seeds:
                cfg = LoraTrainConfig(top_blocks=m, steps=a.steps, max_length=48, seed=s, adapt=lev != "head")
                run, acc, gain = one(model, tok, ds, cfg, Ftr, Fte, S, lr_ok)
                rows.append(dict(task=t, lever=lev, seed=s, s_per_step=run.seconds_per_step, steps=len(run.losses), best_step=run.best_step,
                                 cache_s=S[3], acc=acc, logreg_cv_acc=float(lr_ok.mean()), gain_vs_logreg=gain, converged=not run.problems()))
                print(rows[-1], flush=True)
                pd.DataFrame(rows).to_csv(a.out, index=False)
    df = pd.DataFrame(rows)
    print(df.groupby("lever").agg(s_per_step=("s_per_step", "mean"), gain=("gain_vs_logreg", "mean"), gain_sd=("gain_vs_logreg", "std")).round(3))

if __name__ == "__main__": main()
