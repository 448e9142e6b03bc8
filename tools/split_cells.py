"""Split export cells that hold more than `--max` top-level definitions into one cell per definition.

The code does not change: the cells are cut at the first line of each top-level `def`/`class` (with the comments,
decorators and assignments right above it), so `nbdev_export` writes the same statements in the same order, only
with more `# %%` cell markers. `--check` lists the cells it would split and exits 1 if there are any.

    python tools/split_cells.py nbs/02_store.ipynb nbs/03_stats.ipynb     # split in place
    python tools/split_cells.py --check nbs/*.ipynb
"""
import argparse, ast, hashlib, json, sys
from pathlib import Path


def cuts(src:str) -> list[int]:
    "0-based line numbers where each top-level definition's block starts (its decorators and the comments above it)."
    body = ast.parse(src).body
    lines, out, prev_end = src.splitlines(), [], 0
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            # comments and blank lines right above belong to the definition
            while start - 1 >= prev_end and (not lines[start - 1].strip() or lines[start - 1].lstrip().startswith("#")):
                start -= 1
            out.append(start)
        prev_end = node.end_lineno
    return out


def n_defs(src:str) -> int:
    return sum(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in ast.parse(src).body)


def split(src:str, per_cell:int=1) -> list[str]:
    "The cell's source as cells of `per_cell` definitions each (a definition keeps the statements that follow it)."
    head, code = src.split("\n", 1) # the `#| export` line
    lines, cs = code.splitlines(), cuts(code)
    if not cs: return [src]
    starts = [0] + cs[1:] # anything before the first definition stays with it
    pieces = ["\n".join(lines[a:b]).strip("\n") for a, b in zip(starts, starts[1:] + [len(lines)])]
    pieces = [p for p in pieces if p.strip()]
    groups = [pieces[i:i + per_cell] for i in range(0, len(pieces), per_cell)] # at most `per_cell` definitions a cell
    return [f"{head}\n" + "\n\n".join(g) for g in groups]


def new_id(old:str, i:int) -> str: return hashlib.sha1(f"{old}:{i}".encode()).hexdigest()[:8]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--max", type=int, default=2, help="most definitions an export cell may keep")
    ap.add_argument("--per_cell", type=int, default=1, help="definitions in each new cell")
    ap.add_argument("--check", action="store_true", help="only list the cells that would be split")
    a = ap.parse_args()
    found = 0
    for p in map(Path, a.notebooks):
        nb = json.loads(p.read_text(encoding="utf-8"))
        cells, changed = [], False
        for c in nb["cells"]:
            s = "".join(c["source"])
            if c["cell_type"] != "code" or not s.startswith("#| export") or n_defs(s.split("\n", 1)[1]) <= a.max:
                cells.append(c); continue
            found += 1
            print(f"{p.name}: cell {c.get('id')} holds {n_defs(s.split(chr(10), 1)[1])} definitions")
            if a.check: cells.append(c); continue
            pieces = split(s, a.per_cell)
            before = ast.dump(ast.parse(s)); after = ast.dump(ast.parse("\n".join(pieces)))
            assert before == after, f"{p.name} {c.get('id')}: the split changed the code"
            for i, piece in enumerate(pieces):
                cells.append(dict(c, id=c["id"] if i == 0 else new_id(c["id"], i), outputs=[], execution_count=None,
                                  source=piece.splitlines(True)))
            changed = True
        if changed:
            nb["cells"] = cells
            p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.exit(1 if a.check and found else 0)


if __name__ == "__main__": main()
