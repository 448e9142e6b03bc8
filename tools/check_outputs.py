"""Fail when a notebook's saved outputs carry noise a reader should not see.

Usage: python tools/check_outputs.py [nbs/NAME.ipynb ...]   (default: every notebook under nbs/)

Looks at every stream, text, HTML, markdown and error output of every code cell for
* progress-bar frames (tqdm): a carriage return, `it/s]`, `s/it]` or `%|`;
* warnings: `Warning:` (what `warnings.warn` prints) or `warnings.warn`;
* another library's deprecation notice, however it is printed (the CLI shows every warning as `ntps: warning: …`):
  `is deprecated` or `will be removed in`;
* machine paths: `/work/`, `/tmp/`, `/root/`, `/home/`, `site-packages`.
Prints one line per offending cell (notebook, cell number, what was found, an excerpt) and
`N notebooks clean, M with noise`; exits 1 when any notebook has noise.
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = {
    "progress-bar frame": re.compile(r"\r(?!\n)|it/s\]|s/it\]|%\|"),
    "warning": re.compile(r"Warning:|warnings\.warn"),
    "deprecation notice": re.compile(r"is deprecated|will be removed in"),
    "machine path": re.compile(r"/work/|/tmp/|/root/|/home/|site-packages"),
}

def _texts(out:dict):
    "The texts of one output a reader sees (images are skipped)."
    if "text" in out: yield "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
    for mime in ("text/plain", "text/html", "text/markdown"):
        v = out.get("data", {}).get(mime)
        if v: yield "".join(v) if isinstance(v, list) else v
    if out.get("output_type") == "error": yield "\n".join(out.get("traceback", [])) + out.get("evalue", "")

def noise(path:Path) -> list[str]:
    "One line per code cell of `path` whose outputs carry noise."
    nb, res = json.loads(Path(path).read_text()), []
    for i, cell in enumerate(nb.get("cells", [])):
        found = {}
        for out in cell.get("outputs", []):
            for text in _texts(out):
                for kind, pat in CHECKS.items():
                    m = pat.search(text)
                    if m and kind not in found:
                        found[kind] = text[max(0, m.start() - 40):m.end() + 40].replace("\r", "\\r").replace("\n", "\\n")
        for kind, excerpt in found.items(): res.append(f"{Path(path).name} cell {i}: {kind}: ...{excerpt}...")
    return res

def main(argv):
    paths = [Path(a) for a in argv] or sorted(p for p in (ROOT/"nbs").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    bad = 0
    for p in paths:
        lines = noise(p)
        bad += bool(lines)
        for l in lines: print(l)
    print(f"{len(paths) - bad} notebooks clean, {bad} with noise")
    return 1 if bad else 0

if __name__ == "__main__": sys.exit(main(sys.argv[1:]))
