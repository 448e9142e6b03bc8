"""The real LoRA study: a bundled pretrained model on every task of the bundled suite, LoRA against fair baselines.

For each task (resumable: one Parquet part per model × task, written atomically when the task is done):
`ntps.lora.lora_benchmark` caches the hidden states entering the top `--top_blocks` blocks once, then per seed trains
LoRA (r 32, Adafactor lr 1e-3, cosine, batch 8, up to 150 steps, early stopping on a validation split carved from
train) and the head-only control with the same recipe, fits a logistic probe with L2 chosen by 5-fold CV on train and
the paper's head probe, and scores everything once on up to 480 held-out test texts.

    OMP_NUM_THREADS=1 nohup python benchmarks/lora_study.py --out runs/lora_study > runs/lora_study.log 2>&1 &
    python benchmarks/lora_study.py --out runs/lora_study --collect ntps/data/study/lora_study_smollm2.parquet   # gather parts

Run two processes side by side with `--shard 0/2` and `--shard 1/2` (one thread each).
"""
import argparse, time, sys
from pathlib import Path
import pandas as pd, torch

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="runs/lora_study")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--tasks", nargs="*", default=None, help="suite tasks (default: all)")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    ap.add_argument("--max_train", type=int, default=256)
    ap.add_argument("--max_test", type=int, default=480)
    ap.add_argument("--max_length", type=int, default=48)
    ap.add_argument("--top_blocks", type=int, default=4)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--shard", default="0/1", help="i/n: run every n-th task starting at i")
    ap.add_argument("--collect", default=None, help="only gather the finished parts into this Parquet file")
    a = ap.parse_args()
    from ntps.data import list_datasets, load_dataset
    from ntps.store import atomic_write
    out = Path(a.out); (out / "parts").mkdir(parents=True, exist_ok=True)
    tasks = a.tasks or [n.removeprefix("suite:") for n in list_datasets("suite").name]
    slug = lambda t: f"{a.model}__{t}.parquet"
    if a.collect:
        parts = [pd.read_parquet(out / "parts" / slug(t)) for t in tasks if (out / "parts" / slug(t)).exists()]
        res = pd.concat(parts, ignore_index=True).assign(model=a.model)
        if "lora_gain" not in res: res["lora_gain"] = res.gain_vs_paper_head # the paper's definition (parts written before the column existed)
        atomic_write(a.collect, lambda p: res.to_parquet(p, index=False))
        print(f"{len(parts)} of {len(tasks)} tasks, {len(res)} rows → {a.collect}"); return
    torch.set_num_threads(1)
    try: from ntps.lora import lora_benchmark, LoraTrainConfig
    except ImportError: raise SystemExit("this ntps has no ntps.lora.lora_benchmark")
    from ntps.models import load_model
    i, n = map(int, a.shard.split("/"))
    model, tok = load_model(a.model)
    cfg = LoraTrainConfig(top_blocks=a.top_blocks, steps=a.steps, lr=a.lr, max_length=a.max_length)
    for t in tasks[i::n]:
        part = out / "parts" / slug(t)
        if part.exists(): continue
        t0 = time.perf_counter()
        ds = load_dataset(f"suite:{t}", max_train=a.max_train, max_test=a.max_test, subsample_seed=0)
        df = lora_benchmark(model, tok, ds, cfg, seeds=a.seeds).assign(model=a.model, task_seconds=time.perf_counter() - t0)
        atomic_write(part, lambda p: df.to_parquet(p, index=False))
        print(f"{t}: {time.perf_counter() - t0:.0f} s  lora {df.lora_acc.mean():.3f}  logreg_cv {df.logreg_cv_acc.mean():.3f}  "
              f"head {df.head_acc.mean():.3f}  paper head {df.linear_acc.mean():.3f}  flags {int((~df.converged).sum())}", flush=True)

if __name__ == "__main__": main()
