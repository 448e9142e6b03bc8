"""The pre-registered LoRA stage gate (see benchmarks/PREREGISTRATION.md): does every-block LoRA beat the best frozen probe?

One unit = one suite task × one seed. Per unit: `ntps.lora.lora_benchmark` (every-block LoRA with early stopping on a
validation split carved from train, the head-only control, the last-layer cross-validated logistic probe and the paper's
head probe), plus the fair frozen baseline: the layer whose logistic probe is best on the *same* validation split LoRA
early-stops on, then a logistic probe at that layer with its L2 chosen by 5-fold CV on all training texts. Test texts
are used only for the final scores. Every finished unit is appended at once (under a file lock, atomically) to the
results table, which is also what a rerun resumes from: a fresh machine resumes from the committed table alone.

    git worktree add ../gate <fixed commit>          # the code the protocol names; the redesign moves code on main
    cd ../gate && OMP_NUM_THREADS=1 nohup python benchmarks/lora_gate.py \
        --table ../main/ntps/data/study/lora_gate_smollm2.parquet > ../lora_gate.log 2>&1 &
    python benchmarks/lora_gate.py --device cuda --threads 8 --table ...   # the same protocol on a GPU (fp32)

Run two processes side by side with `--shard 0/2` and `--shard 1/2` (one thread each): they share the table safely.
"""
import argparse, fcntl, json, os, subprocess, sys, time
from contextlib import contextmanager
from pathlib import Path
import numpy as np, pandas as pd, torch, scipy.stats

PROTOCOL = dict(max_train=1000, max_test=1000, max_length=48, steps=400, batch_size=8, r=32, lr=1e-3,
                val_frac=0.2, eval_every=25, patience=3, precision="fp32")


@contextmanager
def locked(path: Path):
    "An exclusive lock on `path.lock` while the table is read and rewritten."
    with open(str(path) + ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try: yield
        finally: fcntl.flock(f, fcntl.LOCK_UN)


def done_units(table: Path) -> set:
    "(task, seed) pairs already in the table."
    if not table.exists(): return set()
    df = pd.read_parquet(table, columns=["task", "seed"])
    return set(zip(df.task, df.seed.astype(int)))


def append_row(table: Path, row: dict):
    "Append one unit's row to the table, atomically, under the lock; a unit already there is not written twice."
    from ntps.store import atomic_write
    with locked(table):
        old = pd.read_parquet(table) if table.exists() else None
        if old is not None and ((old.task == row["task"]) & (old.seed == row["seed"])).any(): return
        new = pd.DataFrame([row])
        df = new if old is None else pd.concat([old, new], ignore_index=True)
        atomic_write(table, lambda p: df.to_parquet(p, index=False))


def layer_features(model, tok, texts, max_length: int, device, batch_size: int = 32) -> torch.Tensor:
    "Masked mean of every hidden state (0 = embeddings … L = last, after the final norm) → [N, L+1, d] float32."
    from ntps.lora import encode, prepare_tokenizer
    prepare_tokenizer(tok, model)
    dec, out = model.get_decoder(), []
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            b = encode(tok, texts[i:i + batch_size], max_length, device)
            hs = dec(**b, output_hidden_states=True, use_cache=False).hidden_states
            m = b["attention_mask"][..., None].float()
            out.append(torch.stack([(h.float() * m).sum(1) / m.sum(1).clamp_min(1) for h in hs], 1).cpu())
    return torch.cat(out)


def mcnemar(a: np.ndarray, b: np.ndarray) -> tuple:
    "Exact two-sided McNemar test of paired correctness: (a right & b wrong, a wrong & b right, p)."
    n01, n10 = int((a & ~b).sum()), int((~a & b).sum())
    p = 1.0 if n01 + n10 == 0 else float(min(1.0, 2 * scipy.stats.binom.cdf(min(n01, n10), n01 + n10, 0.5)))
    return n01, n10, p


def fair_baseline(Ftr, ytr, Fte, yte, C: int, seed: int, val_frac: float) -> dict:
    "Layer chosen on LoRA's validation split (logistic probe, L2 1e-3), then the CV logistic probe at that layer."
    from ntps.data import stratified_split
    from ntps.probes import logistic_probe
    from ntps.lora import logistic_cv
    tr, va = stratified_split(ytr.tolist(), test_size=val_frac, seed=seed) # the split `train_lora` carves for this seed
    val_acc = np.asarray(logistic_probe(Ftr[tr], ytr[tr], Ftr[va], ytr[va], n_classes=C).test["acc"])
    j = int(np.argmax(val_acc)) # ties: the lowest layer
    pred, lam = logistic_cv(Ftr[:, j], ytr, Fte[:, j], n_classes=C)
    ok = (pred.numpy() == yte)
    return dict(best_layer=j, best_layer_val_acc=float(val_acc[j]), best_probe_acc=float(ok.mean()), best_probe_l2=lam,
                best_probe_correct="".join("1" if v else "0" for v in ok),
                layer_val_accs=json.dumps([round(float(v), 6) for v in val_acc]))


def commit_of(path: Path) -> str:
    try: return subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except Exception: return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", default="ntps/data/study/lora_gate_smollm2.parquet", help="results table: read to resume, appended to")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--tasks", nargs="*", default=None, help="suite tasks (default: all 13)")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--shard", default="0/1", help="i/n: every n-th unit starting at i")
    ap.add_argument("--max_units", type=int, default=None, help="stop after this many units (a bounded run)")
    ap.add_argument("--smoke", action="store_true", help="a tiny protocol to check the script (never for the study table)")
    a = ap.parse_args()
    from ntps.data import list_datasets, load_dataset
    from ntps.models import load_model
    from ntps.lora import lora_benchmark, LoraTrainConfig
    torch.set_num_threads(a.threads)
    table = Path(a.table)
    tasks = a.tasks or [n.removeprefix("suite:") for n in list_datasets("suite").name]
    i, n = map(int, a.shard.split("/"))
    units = [(t, s) for t in tasks for s in a.seeds][i::n]
    todo = [u for u in units if u not in done_units(table)]
    print(f"{len(units) - len(todo)} of {len(units)} units already in {table}; {len(todo)} to run", flush=True)
    if not todo: return
    P = PROTOCOL | (dict(max_train=40, max_test=30, max_length=16, steps=6, eval_every=2) if a.smoke else {})
    cfg = LoraTrainConfig(top_blocks=None, steps=P["steps"], batch_size=P["batch_size"], r=P["r"], lr=P["lr"],
                          max_length=P["max_length"], val_frac=P["val_frac"], eval_every=P["eval_every"],
                          patience=P["patience"], precision=P["precision"])
    model, tok = load_model(a.model)
    model.to(a.device).eval()
    commit, command = commit_of(Path(__file__).parent), " ".join([Path(sys.executable).name] + sys.argv[:1] + sys.argv[1:])
    loaded, t_start = {}, time.perf_counter()
    for k, (t, seed) in enumerate(todo[:a.max_units]):
        if (t, seed) in done_units(table): continue # another shard finished it
        t0 = time.perf_counter()
        if t not in loaded:
            ds = load_dataset(f"suite:{t}", max_train=P["max_train"], max_test=P["max_test"], subsample_seed=0)
            ytr, yte = np.array(ds.train_labels), np.array(ds.test_labels)
            Ftr = layer_features(model, tok, list(ds.train_texts), P["max_length"], a.device)
            Fte = layer_features(model, tok, list(ds.test_texts), P["max_length"], a.device)
            loaded = {t: (ds, ytr, yte, Ftr, Fte)}
        ds, ytr, yte, Ftr, Fte = loaded[t]
        C = ds.n_classes
        fair = fair_baseline(Ftr, ytr, Fte, yte, C, seed, P["val_frac"])
        row = lora_benchmark(model, tok, ds, cfg, seeds=[seed], device=a.device).iloc[0].to_dict()
        lora_ok = np.array([c == "1" for c in row["lora_correct"]])
        best_ok = np.array([c == "1" for c in fair["best_probe_correct"]])
        n01, n10, p = mcnemar(lora_ok, best_ok)
        row |= fair | dict(task=t, seed=seed, model=a.model, gain_fair=row["lora_acc"] - fair["best_probe_acc"],
                           mcnemar_fair_n01=n01, mcnemar_fair_n10=n10, mcnemar_fair_p=p,
                           unit_seconds=time.perf_counter() - t0, device=a.device, threads=a.threads,
                           code_commit=commit, command=command)
        append_row(table, row)
        print(f"{t} seed {seed}: {row['unit_seconds']:.0f} s, {row['lora_steps']} steps (best {row['lora_best_step']}): "
              f"lora {row['lora_acc']:.3f}  best-layer probe {fair['best_probe_acc']:.3f} (layer {fair['best_layer']})  "
              f"last-layer probe {row['logreg_cv_acc']:.3f}  head-only {row['head_acc']:.3f}  paper head {row['linear_acc']:.3f}  "
              f"fair gain {row['gain_fair']:+.3f} (McNemar p {p:.3g}); {time.perf_counter() - t_start:.0f} s so far", flush=True)


if __name__ == "__main__": main()
