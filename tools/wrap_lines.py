"""Wrap code lines longer than a limit in notebooks' code cells (the source of `ntps/`), without changing what they do.

Rewrites, tried in this order for each long line; one is kept only if the cell's AST is unchanged (line breaks,
comments and implicit string concatenation are all the AST does not see), so no rewrite can change what the code does:

1. A parameter's docments comment moves onto comment lines directly above the parameter (fastcore's `docments` reads
   those when the parameter has no comment on its own line). A return's comment stays on its line (shorten it).
2. A clause with its body on the same line (`if x: raise ...`, `else: ...`) gets the body on its own line;
   `a = 1; b = 2` gets one statement per line; a trailing comment moves above its statement.
3. A break after the shallowest comma that fits, the rest aligned under the bracket's first item.
4. A string literal that crosses the limit is split at a space into two adjacent literals.
5. `ruff format` of the statement, as a last resort.

Usage: python tools/wrap_lines.py [--limit 120] [--target 110] [--check] nbs/NAME.ipynb ...
Prints the lines it could not wrap (left to a person), and with --check exits 1 when any line is over the limit.
"""
import argparse, ast, io, json, re, subprocess, sys, textwrap, tokenize
from pathlib import Path

CLAUSES = (("else", "if True:\n    pass\n"), ("elif", "if True:\n    pass\n"), ("except", "try:\n    pass\n"),
           ("finally", "try:\n    pass\n"))


def _parses(src: str) -> bool:
    try: ast.parse(src)
    except SyntaxError: return False
    return True


def _code_and_comment(line: str):
    "(code, comment or None) of one physical line, by tokenizing it (strings with `#` stay code)."
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        toks = None
    if toks:
        for t in toks:
            if t.type == tokenize.COMMENT: return line[:t.start[1]].rstrip(), t.string[1:].strip()
        return line, None
    # a line inside a bracket does not tokenize alone: find a `#` outside quotes by hand
    q = None
    for i, ch in enumerate(line):
        if q:
            if ch == q: q = None
        elif ch in "\"'": q = ch
        elif ch == "#": return line[:i].rstrip(), line[i + 1:].strip()
    return line, None


def _param_lines(tree) -> dict:
    "line number → column of parameters of every def/lambda and of fields of every class body (dataclasses)."
    out = {}
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = n.args
            for arg in a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]:
                if arg.lineno != n.lineno: out.setdefault(arg.lineno, arg.col_offset)
        elif isinstance(n, ast.ClassDef):
            for s in n.body:
                if isinstance(s, ast.AnnAssign) and s.lineno == s.end_lineno: out.setdefault(s.lineno, s.col_offset)
    return out


def _ruff(fragment: str, width: int) -> str | None:
    r = subprocess.run(["ruff", "format", "--quiet", f"--line-length={max(width, 40)}", "-"], input=fragment,
                       capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def _whole_statements(tree, lineno: int) -> bool:
    "True when every statement touching line `lineno` starts and ends on it (the line can be formatted alone)."
    found = False
    for n in ast.walk(tree):
        if isinstance(n, ast.stmt):
            if n.lineno <= lineno <= n.end_lineno:
                if n.lineno == lineno == n.end_lineno: found = True
                elif not (n.lineno < lineno and hasattr(n, "body")): return False
    return found


def _statement_span(tree, lineno: int):
    "(first, last) line of the simple (bodiless) statement that spans line `lineno` over several lines, else None."
    best = None
    for n in ast.walk(tree):
        if isinstance(n, ast.stmt) and not hasattr(n, "body") and n.lineno <= lineno <= n.end_lineno and n.lineno < n.end_lineno:
            if best is None or n.lineno >= best[0]: best = (n.lineno, n.end_lineno, n.col_offset, n.end_col_offset)
    return best


def _format_span(lines: list[str], span, width: int) -> list[str] | None:
    "A multi-line simple statement formatted by ruff as one fragment, re-indented; None when it is not alone on its lines."
    a, b, col, end = span
    first, last = lines[a - 1], lines[b - 1]
    if first[:col].strip() or _code_and_comment(last[end:])[0].strip(): return None
    ind = first[:col]
    frag = "\n".join(l[col:] if l.startswith(ind) else l.lstrip() for l in lines[a - 1:b]) + "\n"
    out = _ruff(frag, width - len(ind))
    return None if out is None else [(ind + l) if l else l for l in out.rstrip("\n").split("\n")]


def _comment_above(line: str, target: int) -> list[str] | None:
    "A whole-statement line's trailing comment moved onto comment lines above it."
    code, comment = _code_and_comment(line)
    if not comment or not code.strip(): return None
    ind = line[:len(line) - len(line.lstrip())]
    return [ind + "# " + w for w in textwrap.wrap(comment, max(30, target - len(ind) - 2))] + [code]


def _format_line(line: str, width: int) -> list[str] | None:
    "A long line of whole statements (or a clause line) formatted by ruff, re-indented; None when it cannot be."
    ind = line[:len(line) - len(line.lstrip())]
    body = line.lstrip()
    prefix = ""
    for kw, pre in CLAUSES:
        if re.match(rf"{kw}\b", body): prefix = pre
    out = _ruff(prefix + body + "\n", width - len(ind))
    if out is None: return None
    lines = out.rstrip("\n").split("\n")
    if prefix: lines = lines[prefix.count("\n"):]
    return [(ind + l) if l else l for l in lines]


def _split_strings(line: str, limit: int, whole: bool = False) -> list[str] | None:
    "Split the string literal that crosses `limit` at a space (outside `{}` of an f-string) into two literals."
    try: toks = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError): return None
    for t in toks:
        if t.type != tokenize.STRING or t.end[1] <= limit or t.start[0] != 1 or t.end[0] != 1: continue
        s, c0 = t.string, t.start[1]
        m = re.match(r"([rRbBfFuU]{0,2})(['\"])", s)
        if not m or s.startswith(m.group(1) + m.group(2) * 3): continue
        pre, q = m.group(1), m.group(2)
        inner = s[len(pre) + 1:-1]
        depth, cut = 0, None
        for i, ch in enumerate(inner):
            if "f" in pre.lower():
                if ch == "{": depth += 1
                elif ch == "}": depth -= 1
            if ch == " " and depth == 0 and c0 + len(pre) + 1 + i + 2 <= limit and i > 10: cut = i + 1
        if cut is None: continue
        first, second = f"{pre}{q}{inner[:cut]}{q}", f"{pre}{q}{inner[cut:]}{q}"
        depth = sum(1 if u.string in "([{" else -1 for u in toks if u.type == tokenize.OP and u.string in "()[]{}"
                    and u.start[1] < c0)
        if depth <= 0 and whole: # not inside brackets: parenthesise the literal (a `return f"..."`, `x = "..."`)
            return [line[:c0] + "(" + first, " " * (c0 + 1) + second + ")" + line[t.end[1]:]]
        return [line[:c0] + first, " " * c0 + second + line[t.end[1]:]]
    return None


HEADERS = ("if", "elif", "else", "for", "while", "with", "try", "except", "finally", "async", "def")


def _tokens(line: str) -> list:
    "The tokens of one physical line, as far as they go (a line inside brackets stops early, which is fine)."
    out = []
    try:
        for t in tokenize.generate_tokens(io.StringIO(line + "\n").readline): out.append(t)
    except (tokenize.TokenError, IndentationError, SyntaxError): pass
    return out


def _split_header(line: str) -> list[str] | None:
    "`if x: body` (or any clause with its body on the same line) → the header, then the body indented on its own line."
    ind = line[:len(line) - len(line.lstrip())]
    body = line.lstrip()
    if not re.match(rf"({'|'.join(HEADERS)})\b", body): return None
    depth = 0
    for t in _tokens(line):
        if t.type == tokenize.OP and t.string in "([{": depth += 1
        elif t.type == tokenize.OP and t.string in ")]}": depth -= 1
        elif t.type == tokenize.OP and t.string == ":" and depth == 0:
            rest = line[t.end[1]:].strip()
            if not rest or rest.startswith("#"): return None
            return [line[:t.end[1]], ind + "    " + rest]
    return None


def _split_semicolons(line: str) -> list[str] | None:
    "`a = 1; b = 2` → one statement per line (never on a line that opens a block: its body would change scope)."
    if re.match(rf"\s*({'|'.join(HEADERS + ('def', 'class'))})\b", line): return None
    ind, cuts, depth = line[:len(line) - len(line.lstrip())], [], 0
    for t in _tokens(line):
        if t.type == tokenize.OP and t.string in "([{": depth += 1
        elif t.type == tokenize.OP and t.string in ")]}": depth -= 1
        elif t.type == tokenize.OP and t.string == ";" and depth == 0: cuts.append(t.start[1])
    if not cuts: return None
    parts, prev = [], 0
    for c in cuts + [len(line)]:
        parts.append(line[prev:c].strip()); prev = c + 1
    return [ind + p for p in parts if p]


def _break_at_comma(line: str, target: int) -> list[list[str]]:
    "Breaks after a comma that fits, best first: the shallowest (a comma of a bracket opened above counts as the"
    " shallowest), then the last; the rest aligned under the bracket's first item (or at this line's indent)."
    ind = len(line) - len(line.lstrip())
    stack, found = [], []
    for t in _tokens(line):
        if t.type == tokenize.OP and t.string in "([{": stack.append(t.end[1])
        elif t.type == tokenize.OP and t.string in ")]}":
            if stack: stack.pop()
        elif t.type == tokenize.OP and t.string == "," and t.end[1] <= target:
            rest = line[t.end[1]:].strip()
            if not rest or rest.startswith(("#", ")", "]", "}")): continue
            col = stack[-1] if stack else ind
            if col < t.end[1]: found.append(((-len(stack) if stack else 1, t.end[1]), t.end[1], col))
    return [[line[:cut].rstrip(), " " * col + line[cut:].strip()] for _, cut, col in sorted(found, reverse=True)]


def _same(a: str, b: str) -> bool:
    "Do two sources parse to the same AST (line breaks, comments and implicit string concatenation aside)?"
    try: return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except SyntaxError: return False


def wrap_source(src: str, limit: int, target: int) -> tuple[str, list[str]]:
    "The cell source with long lines wrapped (its AST unchanged: checked for every rewrite), and the long lines left."
    if not _parses(src): return src, [l for l in src.split("\n") if len(l) > limit]
    orig = src
    for _ in range(40): # each pass changes line numbers: re-parse and repeat until nothing changes
        lines, tree, changed = src.split("\n"), ast.parse(src), False
        params = _param_lines(tree)
        for i in range(len(lines) - 1, -1, -1):
            line, no = lines[i], i + 1
            if len(line) <= limit: continue
            code, comment = _code_and_comment(line)
            whole = _whole_statements(tree, no)
            returns = re.match(r"\s*\)\s*->", code) is not None # docments reads a return's comment on its line only
            cands = []
            if no in params and comment and len(code) <= limit and not code.lstrip().startswith(("def ", "class ")):
                col = params[no]
                wrapped = textwrap.wrap(comment, max(30, target - col - 2)) or [comment]
                cands.append([" " * col + "# " + w for w in wrapped] + [code])
            cands.append(_split_header(line))
            if whole: cands.append(_split_semicolons(line))
            if comment and code.strip() and len(code) <= limit and no not in params and not returns:
                cands.append(_comment_above(line, target))
            cands += _break_at_comma(line, target) + [_split_strings(line, target, whole)]
            if whole: cands.append(_format_line(line, target))
            new = None
            for c in cands:
                if c is None or c == [line]: continue
                if _same(orig, "\n".join(lines[:i] + c + lines[i + 1:])):
                    new = c
                    break
            if new is None and (span := _statement_span(tree, no)) is not None:
                fmt = _format_span(lines, span, target)
                if fmt is not None and fmt != lines[span[0] - 1:span[1]]:
                    cand = "\n".join(lines[:span[0] - 1] + fmt + lines[span[1]:])
                    if _same(orig, cand):
                        lines, changed = lines[:span[0] - 1] + fmt + lines[span[1]:], True
                        break # line numbers moved: re-parse
            if new is None: continue
            lines, changed = lines[:i] + new + lines[i + 1:], True
        src = "\n".join(lines)
        if not changed: break
    return src, [l for l in src.split("\n") if len(l) > limit]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--limit", type=int, default=120)
    ap.add_argument("--target", type=int, default=110)
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 when a line is over the limit")
    ap.add_argument("--all", action="store_true", help="also cells that are not exported")
    a = ap.parse_args(argv)
    left = 0
    for p in map(Path, a.notebooks):
        nb = json.loads(p.read_text())
        for c in nb["cells"]:
            if c["cell_type"] != "code": continue
            src = "".join(c["source"])
            if not a.all and not src.lstrip().startswith("#| export"): continue
            if a.check: new, rest = src, [l for l in src.split("\n") if len(l) > a.limit]
            else: new, rest = wrap_source(src, a.limit, a.target)
            if new != src: c["source"] = new.splitlines(keepends=True)
            for l in rest: print(f"{p.name}: {len(l)}: {l.strip()[:100]}")
            left += len(rest)
        if not a.check: p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    print(f"{left} line(s) over {a.limit} characters left")
    return 1 if a.check and left else 0


if __name__ == "__main__": sys.exit(main())
