"""Progress of the predicts-gain study by pre-registered stage, and the time left, from `lora_predicts.py --list`.

    python benchmarks/lora_predicts.py --list --out ntps/data/study | python benchmarks/progress.py ntps/data/study

Reads the unit list on stdin (lines `index [done] kind model task [seed]`). A unit's expected time is the mean
`unit_seconds` of the finished units of its kind and model in the study's tables; for a model with no finished LoRA
unit yet, the gate's mean (SmolLM2 on the 13 suite tasks). The wall time until a stage is done follows the two
shards of `background.sh` (`--shard 0/2` and `1/2`: unit i runs on shard i mod 2, in order): the later of the two
shards' finishing times of their last unit of that stage.
"""
import sys
from pathlib import Path
import pandas as pd

STAGES = {1: "SmolLM2: scores, LoRA seed 0", 2: "Gemma-3-270M: scores, LoRA seed 0", 3: "SmolLM2: LoRA seeds 1-2",
          4: "Gemma-3-270M: LoRA seeds 1-2"}


def parse(lines) -> pd.DataFrame:
    "One row per unit: unit (its number), done, kind, model, task, seed (-1 for a scores unit), stage."
    rows = []
    for line in lines:
        f = line.split()
        if not f or not f[0].isdigit(): continue
        done = f[1] == "done"
        kind, model, task, *seed = f[2:] if done else f[1:]
        seed = int(seed[0]) if seed else -1
        stage = 1 + model.startswith("gemma") + 2 * (kind == "lora" and seed > 0)
        rows.append(dict(unit=int(f[0]), done=done, kind=kind, model=model, task=task, seed=seed, stage=stage))
    return pd.DataFrame(rows)


def unit_seconds(study: Path) -> dict:
    "{(kind, model): mean seconds of a finished unit}, with the gate's LoRA mean as the fallback (key ('lora', None))."
    out = {}
    for kind, name in (("scores", "lora_predicts_scores.parquet"), ("lora", "lora_predicts_units.parquet")):
        if (study / name).exists():
            t = pd.read_parquet(study / name, columns=["model", "unit_seconds"])
            out |= {(kind, m): s for m, s in t.groupby("model").unit_seconds.mean().items()}
    gate = study / "lora_gate_smollm2.parquet"
    if gate.exists(): out[("lora", None)] = pd.read_parquet(gate, columns=["unit_seconds"]).unit_seconds.mean()
    return out


def main():
    units = parse(sys.stdin)
    if units.empty: sys.exit("no unit list on stdin (pipe `lora_predicts.py --list` into this)")
    sec = unit_seconds(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("ntps/data/study"))
    fallback = dict(scores=60.0, lora=sec.get(("lora", None), 1560.0))
    units["expect_s"] = [sec.get((k, m), fallback[k]) for k, m in zip(units.kind, units.model)]
    todo = units[~units.done].sort_values("unit")
    # each shard runs its units in order: a unit ends when the shard's earlier units and it are done
    todo["ends_h"] = todo.groupby(todo.unit % 2).expect_s.cumsum() / 3600
    done_in = lambda u: todo.ends_h[todo.index.isin(u.index)].max() if (~u.done).any() else 0.0
    print("predicts-gain study, by stage (wall time until done on the two shards, from the mean finished unit):")
    for st, g in units.groupby("stage"):
        print(f"  stage {st} ({STAGES[st]}): {int(g.done.sum())} of {len(g)} units done; done in ≈ {done_in(g):.1f} h")
    print(f"  all: {int(units.done.sum())} of {len(units)}; done in ≈ {done_in(units):.1f} h")


if __name__ == "__main__":
    main()
