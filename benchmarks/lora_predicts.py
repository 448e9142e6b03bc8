"""The predicts-gain study (benchmarks/PREREGISTRATION.md, "Addendum: the predicts-gain study"), run only if the gate opens.

Does the recommended score forecast how much every-block LoRA gains over the best frozen probe? The tasks are the 13
suite tasks and 30 sub-tasks of its six multi-class tasks (for each: the lower and the upper half of its classes, and
three class pairs drawn with a fixed seed), 43 in all. Two kinds of unit, each appended to its own table as soon as it
is done (under a file lock, atomically), which is also what a rerun resumes from:

* a **scores** unit (model × task): the predictors, from the task's training texts only: the recommended score
  (`ntps.score.RECOMMENDED`) at the pre-registered cell (layer ⌊2L/3⌉, k the smallest grid value ≥ C) and LogME at that
  layer, computed by `ntps.study.study_one` on the same texts and truncation LoRA sees;
* a **LoRA** unit (model × task × seed): the gate's unit, unchanged (`lora_gate.py`: every-block LoRA with early
  stopping against the fair best-layer probe). SmolLM2's 13 suite tasks are not rerun: the gate's table holds them.

Units run in the pre-registered order of stages: 1 = SmolLM2 (scores of all 43 tasks, LoRA seed 0 of the 30
sub-tasks), 2 = Gemma-3-270M (scores and LoRA seed 0 of all 43), 3 = SmolLM2 seeds 1 and 2 of the sub-tasks,
4 = Gemma seeds 1 and 2.

    git worktree add ../predicts <the commit that adds the addendum>
    cd ../predicts && for s in 0 1; do OMP_NUM_THREADS=1 nohup python benchmarks/lora_predicts.py --shard $s/2 \\
        --out ../main/ntps/data/study > ../lora_predicts_$s.log 2>&1 & done
    python benchmarks/lora_predicts.py --device cuda --threads 8 --out ...   # the same protocol on a GPU (fp32)
    python benchmarks/lora_predicts.py --list                                # the units, in order, and what is done
"""
import argparse, dataclasses, itertools, sys, time
from pathlib import Path
import numpy as np, pandas as pd, torch

sys.path.insert(0, str(Path(__file__).parent))
from lora_gate import PROTOCOL, locked, layer_features, mcnemar, fair_baseline, commit_of # the gate's unit, unchanged

MODELS = ("smollm2-135m", "gemma3-270m")
GATE_MODEL = "smollm2-135m" # its 13 suite tasks × 3 seeds are the gate's table
N_PAIRS, PAIR_SEED = 3, 0 # class pairs per multi-class task, drawn with this seed
SCORE_COLS = ("ntps", "ntps_white", "ntps_white_z", "ntps_white_excess", "ntps_white_shrunk_z") # at the cell
LAYER_COLS = ("logme", "h_score", "rankme") # at the cell's layer


def subtasks(parents: dict) -> list:
    "(name, parent, class indices) of every sub-task of the tasks `{name: classes}` with C ≥ 3, by the fixed rule."
    out = []
    for p, classes in parents.items():
        C = len(classes)
        if C < 3: continue
        h = (C + 1) // 2
        halves = [tuple(range(h)), tuple(range(h, C))]
        out += [(f"{p}__lower", p, halves[0]), (f"{p}__upper", p, halves[1])]
        pairs = [q for q in itertools.combinations(range(C), 2) if q not in halves]
        pick = sorted(np.random.default_rng(PAIR_SEED).choice(len(pairs), N_PAIRS, replace=False))
        out += [(f"{p}__{classes[i]}_vs_{classes[j]}", p, (i, j)) for i, j in (pairs[k] for k in pick)]
    return out


def class_subset(ds, keep: tuple, name: str):
    "The texts of `ds` whose class is in `keep`, in each split, labels renumbered 0…len(keep)−1 in `keep`'s order."
    new, parts = {c: i for i, c in enumerate(keep)}, {}
    for s in ("train", "test"):
        t, y = getattr(ds, f"{s}_texts"), np.asarray(getattr(ds, f"{s}_labels"))
        idx = np.flatnonzero(np.isin(y, keep))
        parts[f"{s}_texts"], parts[f"{s}_labels"] = tuple(t[i] for i in idx), np.array([new[v] for v in y[idx]])
    return dataclasses.replace(ds, **parts, classes=tuple(ds.classes[i] for i in keep), name=f"suite:{name}",
                               key=f"suite:{name}", meta=dict(ds.meta, parent=ds.key, classes=list(keep)))


def task_list() -> tuple[list, dict]:
    "The 43 task names (suite order, then sub-tasks) and {name: (parent, class indices or None)}."
    from ntps.data import list_datasets, load_dataset
    suite = [n.removeprefix("suite:") for n in list_datasets("suite").name]
    classes = {t: load_dataset(f"suite:{t}").classes for t in suite}
    subs = subtasks(classes)
    return suite + [s[0] for s in subs], {t: (t, None) for t in suite} | {n: (p, k) for n, p, k in subs}


def task_dataset(name: str, spec: dict):
    "A task's texts: a suite task as the gate loads it, a sub-task from its parent's full splits; ≤ 1,000 each."
    from ntps.data import load_dataset
    parent, keep = spec[name]
    P = PROTOCOL
    if keep is None: return load_dataset(f"suite:{parent}", max_train=P["max_train"], max_test=P["max_test"], subsample_seed=0)
    return class_subset(load_dataset(f"suite:{parent}"), keep, name).subsample(P["max_train"], P["max_test"], seed=0)


def plan(tasks: list, spec: dict) -> list:
    "Every unit (kind, model, task, seed), in the pre-registered order of the four stages."
    sm, gm = MODELS
    subs = [t for t in tasks if spec[t][1] is not None]
    return ([("scores", sm, t, None) for t in tasks] + [("lora", sm, t, 0) for t in subs]
            + [("scores", gm, t, None) for t in tasks] + [("lora", gm, t, 0) for t in tasks]
            + [("lora", sm, t, s) for s in (1, 2) for t in subs] + [("lora", gm, t, s) for s in (1, 2) for t in tasks])


def done(table: Path, keys: tuple) -> set:
    "Key tuples already in a table."
    if not table.exists(): return set()
    df = pd.read_parquet(table, columns=list(keys))
    return set(zip(*(df[k].astype(int) if k == "seed" else df[k] for k in keys)))


def append(table: Path, row: dict, keys: tuple):
    "Append one row under the table's lock, atomically; a row whose keys are already there is not written twice."
    from ntps.store import atomic_write
    with locked(table):
        old = pd.read_parquet(table) if table.exists() else None
        if old is not None and np.logical_and.reduce([old[k] == row[k] for k in keys]).any(): return
        df = pd.DataFrame([row]) if old is None else pd.concat([old, pd.DataFrame([row])], ignore_index=True)
        atomic_write(table, lambda p: df.to_parquet(p, index=False))


def scores_row(model, tok, ds, device: str, max_length: int, n_perm: int = 100) -> dict:
    "The predictors of one task from its training texts: score columns at the pre-registered cell, LogME at its layer."
    from ntps.study import StudyConfig, study_one
    from ntps.selection import preregistered_config
    cfg = StudyConfig(max_train=None, max_test=None, max_length=max_length, batch_size=16,
                      layers=(-1,), head_probe=False, n_perm=n_perm, seed=0, device=device)
    df = study_one(model, tok, ds, cfg, model_name="m", progress=False)
    lay, k = preregistered_config(df)[ds.key]
    at = df[(df.layer == lay) & (df.k == k)].iloc[0]
    return (dict(layer=int(lay), k=int(k), L=int(df.layer.max()), n_train=len(ds.train_labels), C=ds.n_classes)
            | {c: float(at[c]) for c in SCORE_COLS + LAYER_COLS})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="ntps/data/study", help="folder of the two tables (read to resume, appended to)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--shard", default="0/1", help="i/n: every n-th unit starting at i")
    ap.add_argument("--max_units", type=int, default=None, help="stop after this many units (a bounded run)")
    ap.add_argument("--only", nargs="*", default=None, help="run only these tasks (checks; never for the study tables)")
    ap.add_argument("--list", action="store_true", help="print the units in order, with what is done, and exit")
    ap.add_argument("--smoke", action="store_true", help="a tiny protocol to check the script (never for the study tables)")
    a = ap.parse_args()
    from ntps.models import load_model
    from ntps.lora import lora_benchmark, LoraTrainConfig
    torch.set_num_threads(a.threads)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    st, lt = out / "lora_predicts_scores.parquet", out / "lora_predicts_units.parquet"
    tasks, spec = task_list()
    units = [u for u in plan(tasks, spec) if a.only is None or u[2] in a.only]
    is_done = lambda u: ((u[1], u[2]) in done(st, ("model", "task")) if u[0] == "scores"
                         else (u[1], u[2], u[3]) in done(lt, ("model", "task", "seed")))
    if a.list:
        for i, u in enumerate(units): print(f"{i:4d} {'done' if is_done(u) else '    '} {u[0]:6s} {u[1]:13s} {u[2]} {'' if u[3] is None else u[3]}")
        return
    i, n = map(int, a.shard.split("/"))
    todo = [u for u in units[i::n] if not is_done(u)]
    print(f"{len(units[i::n]) - len(todo)} of {len(units[i::n])} units of shard {a.shard} done; {len(todo)} to run", flush=True)
    P = PROTOCOL | (dict(max_train=40, max_test=30, max_length=16, steps=6, eval_every=2) if a.smoke else {})
    cfg = LoraTrainConfig(top_blocks=None, steps=P["steps"], batch_size=P["batch_size"], r=P["r"], lr=P["lr"],
                          max_length=P["max_length"], val_frac=P["val_frac"], eval_every=P["eval_every"],
                          patience=P["patience"], precision=P["precision"])
    commit, command = commit_of(Path(__file__).parent), " ".join([Path(sys.executable).name] + sys.argv)
    cur, feats, t_start = {}, {}, time.perf_counter()
    for kind, m, t, seed in todo[:a.max_units]:
        if is_done((kind, m, t, seed)): continue # another shard finished it
        t0 = time.perf_counter()
        if cur.get("name") != m:
            cur = dict(name=m, mt=load_model(m)); cur["mt"][0].to(a.device).eval(); feats = {}
        model, tok = cur["mt"]
        ds = task_dataset(t, spec)
        if a.smoke: ds = ds.subsample(P["max_train"], P["max_test"], seed=0)
        meta = dict(model=m, task=t, parent=spec[t][0], code_commit=commit, command=command, device=a.device,
                    threads=a.threads)
        if kind == "scores":
            row = scores_row(model, tok, ds, a.device, P["max_length"], 50 if a.smoke else 100) | meta | dict(unit_seconds=time.perf_counter() - t0)
            append(st, row, ("model", "task"))
            print(f"{m} {t} scores: layer {row['layer']} k {row['k']}  score {row['ntps_white_excess']:+.4f}  "
                  f"LogME {row['logme']:.4f}; {row['unit_seconds']:.0f} s", flush=True)
            continue
        if t not in feats:
            feats = {t: (layer_features(model, tok, list(ds.train_texts), P["max_length"], a.device),
                         layer_features(model, tok, list(ds.test_texts), P["max_length"], a.device))}
        ytr, yte, (Ftr, Fte) = np.array(ds.train_labels), np.array(ds.test_labels), feats[t]
        fair = fair_baseline(Ftr, ytr, Fte, yte, ds.n_classes, seed, P["val_frac"])
        row = lora_benchmark(model, tok, ds, cfg, seeds=[seed], device=a.device).iloc[0].to_dict()
        lora_ok = np.array([c == "1" for c in row["lora_correct"]])
        n01, n10, p = mcnemar(lora_ok, np.array([c == "1" for c in fair["best_probe_correct"]]))
        row |= fair | meta | dict(seed=seed, gain_fair=row["lora_acc"] - fair["best_probe_acc"], mcnemar_fair_n01=n01,
                                  mcnemar_fair_n10=n10, mcnemar_fair_p=p, unit_seconds=time.perf_counter() - t0)
        append(lt, row, ("model", "task", "seed"))
        print(f"{m} {t} seed {seed}: {row['unit_seconds']:.0f} s, {row['lora_steps']} steps: lora {row['lora_acc']:.3f}  "
              f"best-layer probe {fair['best_probe_acc']:.3f} (layer {fair['best_layer']})  fair gain {row['gain_fair']:+.3f} "
              f"(McNemar p {p:.3g}); {time.perf_counter() - t_start:.0f} s so far", flush=True)


if __name__ == "__main__": main()
