"""Does the library's fair baseline (`lora_benchmark`'s best-layer probe) reproduce the stage gate's?

    OMP_NUM_THREADS=1 python benchmarks/check_fair_baseline.py --tasks book_reviews_fr movie_reviews

The gate (`benchmarks/lora_gate.py`, frozen at its commit) computed its fair baseline in the script: every hidden state
from a full forward pass, the layer chosen on LoRA's validation split, the CV logistic probe there. `lora_benchmark`
now computes it from its cached block inputs (`top_features(..., every_layer=True)`) with
`ntps.probes.best_layer_probe`. This runs the library's path on the gate's protocol (1,000 train / 1,000 test texts at
most, 48 tokens, validation 20%, seeds 0-2) and compares layer, accuracy and per-text correctness with the shipped
gate table. No LoRA is trained.
"""
import argparse
import numpy as np, pandas as pd, torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", nargs="+", default=["book_reviews_fr", "movie_reviews"])
    ap.add_argument("--table", default="ntps/data/study/lora_gate_smollm2.parquet")
    a = ap.parse_args()
    from ntps.data import load_dataset
    from ntps.lora import TopBlocks, block_inputs, n_blocks, prepare_tokenizer, top_features
    from ntps.models import load_model
    from ntps.probes import best_layer_probe
    gate = pd.read_parquet(a.table)
    model, tok = load_model("smollm2-135m"); model.eval(); prepare_tokenizer(tok, model)
    L, same = n_blocks(model), []
    for t in a.tasks:
        ds = load_dataset(f"suite:{t}", max_train=1000, max_test=1000, subsample_seed=0)
        H = [top_features(TopBlocks(model, 0), block_inputs(model, tok, list(x), 0, max_length=48, device="cpu"), "cpu",
                          every_layer=True) for x in (ds.train_texts, ds.test_texts)]
        for _, g in gate[gate.task == t].sort_values("seed").iterrows():
            f = best_layer_probe(H[0], ds.train_labels, H[1], ds.test_labels, ds.n_classes, layers=range(L + 1),
                                 val_size=0.2, seed=int(g.seed))
            ok = "".join("1" if v else "0" for v in f["best_probe_correct"])
            same.append(f["best_layer"] == g.best_layer and ok == g.best_probe_correct)
            print(f"{t} seed {g.seed}: layer {f['best_layer']} (gate {g.best_layer}), validation accuracy "
                  f"{f['best_layer_val_acc']:.4f} (gate {g.best_layer_val_acc:.4f}), test accuracy "
                  f"{f['best_probe_acc']:.4f} (gate {g.best_probe_acc:.4f}), per-text correctness "
                  f"{'identical' if ok == g.best_probe_correct else 'differs'}", flush=True)
    print(f"{sum(same)} of {len(same)} units: the same layer and the same per-text correctness as the gate")


if __name__ == "__main__":
    torch.set_num_threads(1); main()
