"""Time `ntps demo` as a new user meets it: a fresh process, its stages as they print, the first readable result.

Runs the demo's console command in a subprocess, stamps every line it prints with the seconds since the start, and
reports the time to the first task's result (`[1/N] …`), each stage (model, every task, the report) and the whole run.
The numbers depend on the machine and on what else runs on it: compare runs made side by side, never across machines.

    python benchmarks/bench_demo.py                      # the demo's defaults, into a scratch folder
    python benchmarks/bench_demo.py --threads 2 --json out.json -- --layer_step 1   # extra demo options after --
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path


def run_demo(extra:list[str], threads:int|None) -> tuple[list[tuple[float, str]], int, float]:
    "Run `ntps demo` into a scratch folder; return the (seconds, line) pairs it printed, its exit code, its time."
    out = Path(tempfile.mkdtemp(prefix="ntps-bench-demo-"))
    cmd = [shutil.which("ntps") or "ntps"] # the console script a user types
    cmd += (["--threads", str(threads)] if threads else []) + ["demo", "--out", str(out / "demo")] + extra
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    t0, lines = time.perf_counter(), []
    try:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        for line in p.stdout:
            lines.append((time.perf_counter() - t0, line.rstrip("\n")))
            print(f"{lines[-1][0]:7.1f} s | {lines[-1][1]}", flush=True)
        code = p.wait()
    finally: shutil.rmtree(out, ignore_errors=True)
    return lines, code, time.perf_counter() - t0


def stages(lines:list[tuple[float, str]]) -> dict:
    "Seconds at which each stage ended, from the demo's own progress lines."
    at = {}
    for t, l in lines:
        if l.startswith("[model]"): at["model loaded"] = t
        elif (m := re.match(r"\[(\d+)/(\d+)\]", l)): at[f"task {m.group(1)}/{m.group(2)}"] = t
        elif l.startswith("[report]"): at["report"] = t
    return at


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads of the demo (default torch's)")
    ap.add_argument("--json", default=None, help="also write the timings here")
    ap.add_argument("extra", nargs="*", help="options passed to `ntps demo` (after --)")
    a = ap.parse_args()
    lines, code, total = run_demo(a.extra, a.threads)
    at = stages(lines)
    first = next((t for k, t in at.items() if k.startswith("task 1/")), None)
    tasks = sorted(t for k, t in at.items() if k.startswith("task "))
    res = dict(exit_code=code, total_s=round(total, 1), first_result_s=None if first is None else round(first, 1),
               model_s=at.get("model loaded"), report_s=None if "report" not in at or not tasks else
               round(at["report"] - tasks[-1], 1),
               per_task_s=[round(b - a, 1) for a, b in zip([at.get("model loaded", 0.0)] + tasks[:-1], tasks)],
               cpu_count=os.cpu_count(), threads=a.threads, extra=a.extra)
    print(json.dumps(res, indent=1))
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1) + "\n")
    sys.exit(code)


if __name__ == "__main__": main()
