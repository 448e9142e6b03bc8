"""The offline study: the bundled SmolLM2-135M on every task of the bundled suite.

Runs `ntps.study.run_study` (resumable: re-run the same command to continue), then `summarize`,
and writes `OUT/results.parquet`, `OUT/report.csv`. Usage:
    python benchmarks/offline_study.py --out runs/offline_study [--max_train 160 --max_test 96 --max_length 48]
(about 30 minutes on 2 CPU cores with OMP_NUM_THREADS=1; the results table is about 1 MB).
"""
import argparse, time
import pandas as pd
from ntps.data import list_datasets
from ntps.study import StudyConfig, run_study, summarize

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="runs/offline_study")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--max_train", type=int, default=160)
    ap.add_argument("--max_test", type=int, default=96)
    ap.add_argument("--max_length", type=int, default=48)
    ap.add_argument("--n_perm", type=int, default=500)
    a = ap.parse_args()
    tasks = list(list_datasets("suite").name)
    cfg = StudyConfig(max_train=a.max_train, max_test=a.max_test, max_length=a.max_length, batch_size=16, ridge_grid=(0.01, 0.1))
    t0 = time.perf_counter()
    res = run_study([a.model], tasks, a.out, cfg)
    print(f"study: {len(tasks)} tasks in {time.perf_counter() - t0:.0f} s")
    preds = ("ntps", "ntps_orth", "ntps_white", "ntps_cc", "ntps_r0.01", "ntps_r0.1", "ntps_white_r0.1")
    rep = summarize(res, targets=("acc", "acc_cc", "neg_mse"), predictors=preds, n_perm=a.n_perm, n_boot=1000)
    rep.to_csv(f"{a.out}/report.csv", index=False)
    pd.set_option("display.width", 200)
    print(rep.drop(columns="chosen").round(3).to_string())

if __name__ == "__main__": main()
