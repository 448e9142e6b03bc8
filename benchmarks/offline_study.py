"""The offline study: the bundled pretrained models on every task of the bundled suite (and its two-class sub-tasks).

Runs `ntps.study.run_study` (resumable: re-run the same command to continue), then `summarize`, and writes
`OUT/results.parquet` and `OUT/report.csv`. Usage:

    OMP_NUM_THREADS=1 python benchmarks/offline_study.py --out runs/offline_study --model smollm2-135m
    OMP_NUM_THREADS=1 python benchmarks/offline_study.py --out runs/offline_study_gemma --model gemma3-270m

Settings (fixed before the run): 160 training and 256 test texts per task (stratified), 48 tokens, BOS left out,
the permutation null with 100 label permutations for every (layer, k), Ledoit–Wolf shrinkage of S_xx for the
`*_shrunk` columns, and every two-class sub-task of the multi-class tasks at depths 1/3, 2/3 and 1.
About 40 minutes per model on one CPU thread; the results table is a few MB.
"""
import argparse, time
import pandas as pd
from ntps.data import list_datasets
from ntps.study import StudyConfig, run_study
from ntps.selection import summarize

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="runs/offline_study")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--max_train", type=int, default=160)
    ap.add_argument("--max_test", type=int, default=256)
    ap.add_argument("--max_length", type=int, default=48)
    ap.add_argument("--n_perm", type=int, default=100, help="label permutations of the NTPS null")
    ap.add_argument("--no_subtasks", action="store_true")
    ap.add_argument("--report_perm", type=int, default=500, help="permutations of the correlation p-values")
    a = ap.parse_args()
    tasks = list(list_datasets("suite").name)
    cfg = StudyConfig(max_train=a.max_train, max_test=a.max_test, max_length=a.max_length, batch_size=16, n_perm=a.n_perm,
                      ridge_xx="auto", subtasks=not a.no_subtasks)
    t0 = time.perf_counter()
    res = run_study([a.model], tasks, a.out, cfg)
    print(f"study: {len(tasks)} tasks in {time.perf_counter() - t0:.0f} s")
    suite = res[res.dataset == res.parent]
    rep = summarize(suite, n_perm=a.report_perm, n_boot=1000)
    rep.to_csv(f"{a.out}/report.csv", index=False)
    pd.set_option("display.width", 200)
    print(rep.drop(columns="chosen").round(3).to_string())

if __name__ == "__main__": main()
