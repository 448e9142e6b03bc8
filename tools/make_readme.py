"""Write README.md from nbs/index.ipynb without Quarto (which `nbdev_readme` needs).

Markdown cells are copied; code cells marked `#| hide` are dropped; cells marked `#| echo: false`
contribute only their outputs; Markdown outputs (`IPython.display.Markdown`) are copied as Markdown;
figures are written to `README_files/` and linked.
Usage: python tools/make_readme.py
"""
import base64, json, re
from pathlib import Path

def main(root=Path(__file__).resolve().parents[1]):
    nb = json.loads((root / "nbs" / "index.ipynb").read_text())
    out, figs = [], root / "README_files"
    figs.mkdir(exist_ok=True)
    for f in figs.glob("figure-*.png"): f.unlink()
    n = 0
    for c in nb["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown": out.append(src); continue
        dirs = [l.strip() for l in src.splitlines() if l.startswith("#|")]
        if "#| hide" in dirs: continue
        code = "\n".join(l for l in src.splitlines() if not l.startswith("#|")).strip()
        if "#| echo: false" not in dirs and code: out.append(f"```python\n{code}\n```")
        for o in c.get("outputs", []):
            d = o.get("data", {})
            if "image/png" in d:
                n += 1; p = figs / f"figure-{n}.png"
                p.write_bytes(base64.b64decode(d["image/png"]))
                out.append(f"![]({p.relative_to(root).as_posix()})")
            elif "text/markdown" in d: out.append("".join(d["text/markdown"]).rstrip()) # computed prose, e.g. a verdict
            elif "text/plain" in d and "#| echo: false" not in dirs:
                out.append("```\n" + "".join(d["text/plain"]) + "\n```")
    text = "\n\n".join(out) + "\n"
    text = re.sub(r"^# (.+)\n\n> (.+)$", r"# \1\n\n> \2", text, count=1, flags=re.M)
    tmp = root / "README.md.tmp"; tmp.write_text(text); tmp.replace(root / "README.md")
    print(f"README.md written ({len(text)} characters, {n} figure(s))")

if __name__ == "__main__": main()
