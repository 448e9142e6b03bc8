"""Offline HTML docs from nbdev's own processing: no Quarto, no network when viewed.

Usage: python tools/build_docs.py [--out _docs_offline] [--nbs nbs] [--mathjax PATH/tex-svg-full.js] [--cache DIR]

The Quarto site (`nbdev_docs`, configured by `_quarto.yml`) is the published one. Quarto renders what nbdev's
processors make of the notebooks (`nbdev_proc_nbs`, output in `_proc/`); this build runs the same processors on every
notebook (`nbdev.serve_drv.main` with `nbdev.processors.FilterDefaults`, the call `nbdev_proc_nbs` makes for each
file, without the Quarto install it starts with) into `_proc/` next to the notebooks folder, then renders the
processed notebooks to HTML with nbconvert. So `show_doc` signatures replace exported source, `#| hide` cells,
`#| hide_line`, `#| filter_stream` and headings ending ` -` are handled by nbdev, and backticked names link as nbdev
links them. What is left here is Quarto's part: the front matter (title, description), the cell options
`echo`, `output` (`false`, `asis`) and `include`, links between notebooks, and the page around it.
A notebook that nbdev cannot process is reported (with nbdev's error) and makes the build fail; the other pages are
still built so that the browser test (`tools/test_docs.py`) can check them.

* Nothing is executed except what nbdev's processors execute (exported cells, imports and `show_doc` calls).
* Page names follow nbdev (`01_linalg.ipynb` -> `linalg.html`, `index.ipynb` -> `index.html`), so links agree.
* MathJax 3 (SVG output, one self-contained file) is copied into the site. It is fetched once from the npm registry
  with `npm pack` into a cache and checked against a pinned hash; it is never committed.
* The site is built in a temporary folder next to `--out` and renamed into place.
* Layout (checked by `tools/test_docs.py` at 1280 px and on a 390-px phone): a table scrolls sideways in its own box
  and never breaks a word or a number; code of cells and signatures wraps with a hanging indent; a formula wider than
  its paragraph scrolls in its own box; at most `NARROW` px wide, the sidebar is a closed list above the page.
* `show_doc` signatures: the `[`name`](url)` links and backticks nbdev leaves in docments comments become links and
  plain names, and a parameter without annotation whose default is `None` is shown as written (`x=None`), not as
  `x:NoneType=None`.
"""
from __future__ import annotations
import base64, concurrent.futures as cf, hashlib, html, json, multiprocessing, os, re, shutil, subprocess, sys, tarfile, tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat, yaml
from bs4 import BeautifulSoup, NavigableString, Tag
from fastcore.script import call_parse

ROOT = Path(__file__).resolve().parents[1]
MATHJAX_VERSION = "3.2.2"
# sha512 "integrity" of mathjax-3.2.2.tgz as published on the npm registry (`npm view mathjax@3.2.2 dist.integrity`)
MATHJAX_INTEGRITY = "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
MATHJAX_FILE = "tex-svg-full.js" # every TeX extension and the SVG fonts in one file: nothing is loaded later

# ---------------------------------------------------------------------------------------------------------------
# nbdev's processing (what `nbdev_proc_nbs` does for each notebook)

@dataclass
class Page:
    src: Path # the notebook
    href: str # path of the page in the site, e.g. "linalg.html" or "tutorials/demo.html"
    title: str
    description: str = ""
    section: str = "" # sub-folder of nbs/ ("" at the top)
    proc: Path|None = None # nbdev's processed notebook (None when processing failed)

def find_notebooks(nbs:Path) -> list[Path]:
    "Notebooks nbdev publishes (`nbdev.doclinks.nbglob`), in nbdev's sidebar order: index first, then by path."
    from nbdev.doclinks import nbglob
    nbs = Path(nbs)
    found = [Path(f) for f in nbglob(nbs)]
    return sorted(found, key=lambda p: (p.parent.relative_to(nbs).parts, p.name != "index.ipynb", p.name))

def page_href(rel:Path) -> str:
    "nbdev's page name for a notebook path relative to nbs/ (`nbdev.doclinks._nbpath2html`)."
    from nbdev.doclinks import _nbpath2html
    return _nbpath2html(Path(rel)).as_posix()

def _proc_worker_init(cwd:str):
    os.chdir(cwd) # nbdev reads settings.ini from the working directory
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("MPLBACKEND", "Agg")

def _proc_one(src:str, dst:str) -> str|None:
    "Run nbdev's processors on one notebook (as `nbdev_proc_nbs` does); the error text, or None."
    import contextlib, io
    from nbdev.serve_drv import main
    from nbdev.processors import FilterDefaults
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()): # what the cells print
            main((Path(src), Path(dst), FilterDefaults))
    except BaseException as e:
        chain = []
        while e is not None: chain.append(f"{type(e).__name__}: {str(e).strip()[:600]}"); e = e.__cause__
        return "\n".join(chain)
    return None

def process_notebooks(nbs:Path, proc:Path, n_workers:int=2, quiet:bool=False) -> dict[Path, str|None]:
    "nbdev's processors over every notebook of `nbs`, written to `proc` (replaced); `{notebook: error or None}`."
    nbs, proc = Path(nbs).resolve(), Path(proc).resolve()
    shutil.rmtree(proc, ignore_errors=True); proc.mkdir(parents=True)
    jobs = {p: proc/p.relative_to(nbs) for p in find_notebooks(nbs)}
    for d in jobs.values(): d.parent.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("spawn") # as nbdev: a fresh interpreter per worker
    with cf.ProcessPoolExecutor(max(1, n_workers), mp_context=ctx, initializer=_proc_worker_init, initargs=(str(ROOT),)) as ex:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import build_docs as mod # by module name, so that a spawned worker can find the function
        futs = {p: ex.submit(mod._proc_one, str(p), str(d)) for p, d in jobs.items()}
        res = {p: f.result() for p, f in futs.items()}
    for p, err in res.items():
        if err: print(f"nbdev processing FAILED for {p.relative_to(nbs)}:\n  " + err.replace("\n", "\n  "), file=sys.stderr)
        elif not quiet: print(f"processed {p.relative_to(nbs)}")
    return res

def front_matter(nb) -> dict:
    "The YAML front matter nbdev's `FrontmatterProc` puts in the first raw cell (title, description, ...)."
    for c in nb.cells:
        if c.cell_type == "raw" and c.source.lstrip().startswith("---"):
            try: return yaml.safe_load(c.source.strip().strip("-")) or {}
            except yaml.YAMLError: return {}
    return {}

def list_pages(nbs:Path, proc:Path, errors:dict[Path, str|None]) -> list[Page]:
    "One `Page` per notebook, in sidebar order, titled from nbdev's front matter."
    nbs, pages = Path(nbs).resolve(), []
    for p in find_notebooks(nbs):
        rel = p.relative_to(nbs)
        d = Path(proc)/rel
        ok = not errors.get(p) and d.exists()
        fm = front_matter(nbformat.read(d, as_version=4)) if ok else {}
        if not fm:
            md = next((c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "markdown"), "")
            m = re.match(r"\s*#\s+(.+)", md)
            fm = dict(title=m.group(1).strip() if m else p.stem)
        section = rel.parent.as_posix() if rel.parent != Path(".") else ""
        pages.append(Page(p, page_href(rel), str(fm.get("title") or p.stem), str(fm.get("description") or ""), section,
                          d if ok else None))
    return pages

# ---------------------------------------------------------------------------------------------------------------
# Quarto's part: cell options and front matter

_re_opt = re.compile(r"^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")
_re_pandoc_attr = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)\{[^}]*\}") # [text](url){target=... style=...}

def split_options(source:str) -> tuple[dict[str, str], str]:
    "Leading Quarto cell options `#| key: value` as `{key: value}`, and the rest of the code."
    lines, opts, i = source.splitlines(), {}, 0
    while i < len(lines) and (m := _re_opt.match(lines[i])): opts[m.group(1).lower()] = m.group(2).lower(); i += 1
    return opts, "\n".join(lines[i:]).strip("\n")

DOLLAR = "XntpsLiteralDollarX" # stands for an escaped `\$` of markdown until the HTML is made
_re_esc_dollar = re.compile(r"(?<!\\)\\\$")

def _md(src:str) -> str: return _re_esc_dollar.sub(DOLLAR, _re_pandoc_attr.sub(r"[\1](\2)", src))

_re_fence = re.compile(r"^```python\n.*?^```", re.M | re.S)

def clean_signature(md:str) -> str:
    """`show_doc` markdown without the `:NoneType` fastcore's docments gives a parameter that has no annotation and
    the default `None` (it takes `type(default)` as the type); such a parameter is shown as written, `name=None`.
    An annotated one (`n:int|None=None`) keeps its annotation."""
    return _re_fence.sub(lambda m: re.sub(r"(?<=\w):NoneType(?==None\b)", "", m.group(0)), md)

def quarto_cells(nb):
    "The cells of a processed notebook as Quarto shows them; `output: asis` markdown becomes a markdown cell."
    from nbformat.v4 import new_markdown_cell
    cells = []
    for c in nb.cells:
        if c.cell_type == "raw": continue # front matter
        if c.cell_type == "markdown": c.source = _md(c.source); cells.append(c); continue
        opts, code = split_options(c.get("source", ""))
        if opts.get("include") == "false": continue
        if opts.get("output") == "false": c.outputs = []
        if opts.get("output") == "asis":
            for o in c.outputs:
                md = o.get("data", {}).get("text/markdown")
                if md: cells.append(new_markdown_cell(_md(clean_signature(md)), metadata={"showdoc": True}))
            continue
        c.source = code
        if opts.get("echo") == "false" or not code.strip(): c.metadata.setdefault("transient", {})["remove_source"] = True
        if not code.strip() and not c.outputs: continue
        cells.append(c)
    nb.cells = cells
    return nb

# ---------------------------------------------------------------------------------------------------------------
# MathJax: fetched from the npm registry once, cached, checked

def _integrity_ok(tgz:Path) -> bool:
    algo, want = MATHJAX_INTEGRITY.split("-", 1)
    return base64.b64encode(hashlib.new(algo, tgz.read_bytes()).digest()).decode() == want

def fetch_mathjax(cache:Path) -> Path:
    "Path of MathJax's `tex-svg-full.js`, unpacked from `npm pack mathjax@VERSION` into `cache` (downloaded once)."
    cache = Path(cache)
    js = cache/f"mathjax-{MATHJAX_VERSION}"/MATHJAX_FILE
    if js.exists(): return js
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache/f"mathjax-{MATHJAX_VERSION}.tgz"
    if not tgz.exists():
        if not shutil.which("npm"):
            raise SystemExit(f"build_docs: MathJax is not in the cache ({js}) and `npm` is not installed to fetch it; "
                             "install Node.js/npm or pass --mathjax PATH/tex-svg-full.js")
        r = subprocess.run(["npm", "pack", f"mathjax@{MATHJAX_VERSION}", "--silent", "--pack-destination", str(cache)],
                           capture_output=True, text=True)
        if r.returncode or not tgz.exists():
            raise SystemExit(f"build_docs: `npm pack mathjax@{MATHJAX_VERSION}` failed: {r.stderr.strip()[-500:]}")
    if not _integrity_ok(tgz):
        tgz.unlink()
        raise SystemExit(f"build_docs: {tgz.name} does not match the pinned integrity hash; removed it, try again")
    tmp = Path(tempfile.mkdtemp(dir=cache))
    with tarfile.open(tgz) as tf:
        for name in (f"package/es5/{MATHJAX_FILE}", "package/LICENSE"):
            (tmp/Path(name).name).write_bytes(tf.extractfile(name).read())
    try: tmp.rename(js.parent)
    except OSError: shutil.rmtree(tmp) # another build unpacked it first
    return js

# An inline formula wider than its paragraph (a phone) gets the class `mjx-wide`: shown on its own line, scrolling
# sideways in its own box; the page itself never does.
_MATHJAX_CONFIG = """function ntpsWideMath() {
  for (const m of document.querySelectorAll('mjx-container:not([display="true"])')) {
    m.classList.remove('mjx-wide');
    let blk = m.parentElement;
    while (blk.parentElement && getComputedStyle(blk).display.startsWith('inline')) blk = blk.parentElement;
    const b = blk.getBoundingClientRect(), pad = parseFloat(getComputedStyle(blk).paddingRight) || 0;
    if (m.getBoundingClientRect().right > b.right - pad + 1) m.classList.add('mjx-wide');
  }
}
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
        processEscapes: true, processEnvironments: true},
  options: {skipHtmlTags: ['script', 'noscript', 'style', 'textarea', 'pre', 'code'], enableMenu: false},
  svg: {fontCache: 'global'},
  startup: {pageReady: () => MathJax.startup.defaultPageReady().then(() => {
    ntpsWideMath();
    let t; window.addEventListener('resize', () => { clearTimeout(t); t = setTimeout(ntpsWideMath, 100); });
  })}
};"""

# The sidebar's list of pages is a <details>: open beside the page on a wide screen, closed above it on a narrow one
# (the page comes first; a tap opens the list). Without JavaScript it stays open.
NARROW = 900 # px: at most this wide, the sidebar sits above the page, closed
_NAV_JS = f"""(function () {{
  const d = document.getElementById('nav-pages'), m = matchMedia('(max-width: {NARROW}px)');
  const f = () => {{ d.open = !m.matches; }}; f(); m.addEventListener('change', f);
}})();"""

# ---------------------------------------------------------------------------------------------------------------
# HTML

_COLAB_BADGE = ('<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" role="img" aria-label="Open in Colab">'
                '<rect rx="3" width="117" height="20" fill="#555"/><rect rx="3" x="24" width="93" height="20" fill="#f9ab00"/>'
                '<circle cx="9" cy="10" r="5" fill="none" stroke="#f9ab00" stroke-width="2.5"/>'
                '<circle cx="17" cy="10" r="5" fill="none" stroke="#e8710a" stroke-width="2.5"/>'
                '<text x="70" y="14" fill="#fff" font-family="Verdana,sans-serif" font-size="11" text-anchor="middle">'
                'Open in Colab</text></svg>')
COLAB_BADGE_URI = "data:image/svg+xml;base64," + base64.b64encode(_COLAB_BADGE.encode()).decode()

def _exporter():
    from nbconvert import HTMLExporter
    return HTMLExporter(template_name="basic", exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True)

def _rel(href:str, page:Page) -> str: return os.path.relpath(href, os.path.dirname(page.href) or ".").replace(os.sep, "/")

_re_comment_md = re.compile(r"\[`?([^\]`]+)`?\]\(([^)\s]+)\)|`([^`\n]+)`") # [`name`](url), [text](url) or `name`

def comment_markup(soup, pre) -> int:
    """Markdown left in the comments of a code block of a markdown cell (the docments of a `show_doc` signature:
    nbdev links every backticked name as `[`name`](url)`, which the code block shows as typed) made HTML: links
    become links, backticks are dropped around a name that is then set upright. The number of marks replaced."""
    n = 0
    for span in pre.select("span.c1, span.c, span.cm"):
        text = span.get_text()
        if not _re_comment_md.search(text): continue
        new, pos = [], 0
        for m in _re_comment_md.finditer(text):
            new.append(soup.new_string(text[pos:m.start()]))
            if m.group(2):
                a = soup.new_tag("a", href=m.group(2))
                a.string = m.group(1)
                new.append(a)
            else:
                name = soup.new_tag("span", attrs={"class": "cm-name"})
                name.string = m.group(3)
                new.append(name)
            pos, n = m.end(), n + 1
        new.append(soup.new_string(text[pos:]))
        span.clear()
        for x in new:
            if str(x): span.append(x)
    return n

def code_lines(soup, pre):
    """Each line of a highlighted code block in its own `span.line`, its indentation in `--i` (characters), so that
    the stylesheet can wrap a long line with a hanging indent (continuation lines 4 characters in from the line's
    own indentation). The text of the block is unchanged (copying it gives the same code)."""
    lines, cur = [], []
    for node in list(pre.contents):
        node.extract()
        text = node.get_text() if isinstance(node, Tag) else str(node)
        for j, part in enumerate(text.split("\n")):
            if j: lines.append((cur, True)); cur = []
            if not part: continue
            if isinstance(node, Tag):
                t = soup.new_tag(node.name, attrs=dict(node.attrs))
                t.string = part
            else: t = NavigableString(part)
            cur.append(t)
    if cur: lines.append((cur, False))
    for nodes, newline in lines:
        text = "".join(x.get_text() if isinstance(x, Tag) else str(x) for x in nodes)
        indent = len(text) - len(text.lstrip(" "))
        span = soup.new_tag("span", attrs={"class": "line", "style": f"--i:{indent}"} if indent else {"class": "line"})
        for x in nodes: span.append(x)
        if newline: span.append("\n")
        pre.append(span)

def _postprocess(body:str, page:Page, pages:list[Page], site:dict) -> tuple[str, list[str]]:
    "Literal dollars, links between notebooks and to the doc site made relative, remote images replaced; warnings."
    soup, warns = BeautifulSoup(body, "html.parser"), []
    for s in soup.find_all(string=re.compile(DOLLAR)):
        if s.find_parent(["code", "pre"]): s.replace_with(s.replace(DOLLAR, "\\$")); continue
        parts = str(s).split(DOLLAR)
        new = [soup.new_string(parts[0])]
        for part in parts[1:]:
            span = soup.new_tag("span", attrs={"class": "dollar"}) # its own text node: MathJax never pairs it
            span.string = "$"
            new += [span, soup.new_string(part)]
        s.replace_with(*new)
    for pre in soup.select("div.highlight > pre"):
        if pre.find_parent(class_="output_area"): continue # outputs keep their lines and scroll (tables, logs)
        code_lines(soup, pre)
        if pre.find_parent(class_="text_cell_render"): comment_markup(soup, pre)
    by_nb = {p.src.resolve(): p for p in pages}
    hrefs = {p.href for p in pages}
    base = site["doc_url"].rstrip("/") + "/"
    for a in soup.find_all("a", href=True):
        if base != "/" and a["href"].startswith(base): # nbdev's `add_links` points at the published site
            target = a["href"][len(base):]
            if target.split("#")[0] in hrefs: a["href"] = _rel(target, page); a["class"] = a.get("class", []) + ["doclink"]
            continue
        m = re.match(r"^([^:#?]+\.ipynb)(#.*)?$", a["href"])
        if m:
            target = by_nb.get((page.src.parent/m.group(1)).resolve())
            if target: a["href"] = _rel(target.href, page) + (m.group(2) or "")
            else: warns.append(f"link to a notebook that has no page: {a['href']}")
        if a.get_text() == "source" and a["href"].startswith("http"): a["class"] = a.get("class", []) + ["source-link"]
    for img in soup.find_all("img", src=True):
        src = img["src"]
        if not re.match(r"^(https?:)?//", src): continue
        if "colab-badge" in src or "colab.research.google.com" in src: img["src"] = COLAB_BADGE_URI; continue
        span = soup.new_tag("span", attrs={"class": "remote-img", "title": src})
        span.string = img.get("alt") or "image"
        img.replace_with(span)
        warns.append(f"remote image shown as its alt text (no network offline): {src}")
    return str(soup), warns

def _sidebar(page:Page, pages:list[Page], toc:list[tuple[str, str, str]]) -> str:
    out, section = [], None
    for p in pages:
        if p.section != section:
            if section is not None: out.append("</ul>")
            section = p.section
            if section: out.append(f'<div class="sidebar-section">{html.escape(section)}</div>')
            out.append('<ul class="pages">')
        cls = ' class="active"' if p is page else ""
        out.append(f'<li><a href="{_rel(p.href, page)}"{cls}>{_inline_md(p.title)}</a>')
        if p is page and toc:
            out.append('<ul class="toc">' + "".join(f'<li class="toc-{lvl}"><a href="#{i}">{html.escape(t)}</a></li>'
                                                  for lvl, i, t in toc) + "</ul>")
        out.append("</li>")
    out.append("</ul>")
    return "\n".join(out)

def pandoc_id(text:str) -> str:
    "The identifier pandoc (so Quarto) gives a heading: lower case, spaces to `-`, only `\\w`, `-`, `.`, from a letter on."
    s = re.sub(r"[^\w\s.-]", "", text.strip()).lower()
    s = re.sub(r"\s+", "-", s)
    s = re.sub(r"^[^a-z\u00c0-\uffff]+", "", s)
    return s or "section"

def _quarto_ids(soup):
    "Give headings Quarto's ids (`#a-plot`), keeping Jupyter's (`#A-plot`) as a second anchor so both kinds of link work."
    seen = {t["id"] for t in soup.find_all(id=True)}
    for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"], id=True):
        old, new = h["id"], pandoc_id(h.get_text().rstrip("¶"))
        if new == old: continue
        base, i = new, 0
        while new in seen: i += 1; new = f"{base}-{i}"
        seen.add(new)
        h["id"] = new
        h.insert(0, soup.new_tag("a", id=old, attrs={"class": "jupyter-anchor"}))
        for a in h.select("a.anchor-link"): a["href"] = f"#{new}"

def plain_text(s:str) -> str:
    "A title without its markdown marks (backticks and asterisks), as the browser shows it."
    return re.sub(r"[`*]", "", s)

def _inline_md(s:str) -> str:
    "A one-line subtitle as HTML: escaped, with `code`, **bold** and *italic* (maths is left to MathJax)."
    parts = re.split(r"(`[^`]+`)", s)
    out = []
    for i, part in enumerate(parts):
        if i % 2: out.append(f"<code>{html.escape(part[1:-1])}</code>"); continue
        t = html.escape(part, quote=False)
        t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
        out.append(re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", t))
    return "".join(out)

def render_page(page:Page, pages:list[Page], site:dict, exporter=None) -> tuple[str, list[str]]:
    "The full HTML of one page (from nbdev's processed notebook) and its warnings."
    nb = quarto_cells(nbformat.read(page.proc, as_version=4))
    body, _ = (exporter or _exporter()).from_notebook_node(nb, resources={"metadata": {"path": str(page.src.parent)}})
    body, warns = _postprocess(body, page, pages, site)
    soup = BeautifulSoup(body, "html.parser")
    _quarto_ids(soup)
    toc = [(h.name, h["id"], h.get_text().rstrip("¶").strip()) for h in soup.find_all(["h2", "h3"]) if h.get("id")]
    body = str(soup)
    up = _rel("assets", page)
    desc = f'<p class="description">{_inline_md(page.description)}</p>' if page.description else ""
    head_title = plain_text(page.title) if page.title == site["title"] else f'{plain_text(page.title)} – {site["title"]}'
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(head_title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{up}/site.css">
<script>{_MATHJAX_CONFIG}</script>
<script defer id="MathJax-script" src="{up}/mathjax/{MATHJAX_FILE}"></script>
</head>
<body>
<nav id="sidebar">
<a class="site-title" href="{_rel('index.html', page)}">{html.escape(site["title"])}</a>
<details id="nav-pages" open><summary>Pages and contents</summary>
{_sidebar(page, pages, toc)}
</details>
<script>{_NAV_JS}</script>
</nav>
<main id="content">
<header id="title-block-header"><h1 class="title">{_inline_md(page.title)}</h1>{desc}</header>
{body}
<footer>Offline build of the <code>{html.escape(site["title"])}</code> docs from <code>{html.escape(page.src.name)}</code>
(stored outputs processed by nbdev, not re-run). {site["repo_link"]}</footer>
</main>
</body>
</html>
""", warns

_SITE_CSS = """
:root { --sidebar: 17rem; --accent: #2780e3; --code-bg: #f7f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #212529; background: #fff; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
#sidebar { position: fixed; top: 0; bottom: 0; left: 0; width: var(--sidebar); overflow-y: auto; padding: 1.2rem 1rem;
           background: #f8f9fa; border-right: 1px solid #dee2e6; font-size: .92rem; }
#sidebar .site-title { display: block; font-size: 1.35rem; font-weight: 600; color: #212529; margin-bottom: 1rem; }
#sidebar ul { list-style: none; padding-left: 0; margin: 0 0 .5rem; }
#sidebar li { margin: .15rem 0; }
#sidebar a.active { font-weight: 600; color: #212529; }
#sidebar ul.toc { padding-left: .8rem; border-left: 2px solid #dee2e6; margin: .3rem 0 .5rem .2rem; font-size: .85rem; }
#sidebar ul.toc li.toc-h3 { padding-left: .8rem; }
#sidebar .sidebar-section { margin-top: .8rem; font-weight: 600; text-transform: capitalize; color: #6c757d; }
#sidebar summary { display: none; }
#content { margin-left: var(--sidebar); max-width: 60rem; min-width: 0; padding: 1.5rem 2.5rem 3rem;
           overflow-wrap: break-word; }
header h1.title { font-size: 2.2rem; margin: .5rem 0 .3rem; }
p.description { font-style: italic; font-size: 1.25rem; opacity: .7; margin-top: 0; }
h1, h2, h3, h4 { line-height: 1.25; margin-top: 1.6rem; }
.anchor-link { visibility: hidden; margin-left: .3rem; font-size: .8em; }
h1:hover .anchor-link, h2:hover .anchor-link, h3:hover .anchor-link, h4:hover .anchor-link { visibility: visible; }
.cell { margin-bottom: 1rem; }
.input_area pre, .output_area pre { margin: 0; padding: .6rem .8rem; overflow-x: auto; font-size: .86rem; line-height: 1.45; }
/* code (cells and signatures) wraps inside its box: a long line continues 4 characters in from its own indentation,
   at most half the box in (deep indents on a phone) */
.highlight pre { white-space: pre-wrap; overflow-wrap: anywhere; container-type: inline-size; }
.highlight pre .line { --hang: min(calc((var(--i, 0) + 4) * 1ch), 50cqw); display: block; padding-left: var(--hang);
                       text-indent: calc(-1 * var(--hang)); }
.highlight pre .c1 a, .highlight pre .c1 .cm-name { font-style: normal; }
.highlight pre .cm-name { color: #333; }
.input_area { background: var(--code-bg); border-radius: 4px; border: 1px solid #e9ecef; }
.output_wrapper { margin: .25rem 0 0 .8rem; border-left: 2px solid lightsalmon; }
.output_area { overflow-x: auto; }
.output_area img { max-width: 100%; height: auto; display: block; margin: .3rem .8rem; }
.output_subarea.output_html, .output_subarea.output_markdown { padding: .3rem .8rem; }
.output_stderr pre { background: #fdd; }
.output_error pre { background: #fdd; }
code { font-size: .88em; background: var(--code-bg); padding: .1em .25em; border-radius: 3px; }
pre code { background: none; padding: 0; }
a.doclink code { color: var(--accent); }
blockquote { margin: 1rem 0; padding: .2rem 1rem; border-left: 4px solid #dee2e6; color: #555; }
/* a table scrolls sideways in its own box; a cell never breaks a word or a number (output tables: one line a cell) */
table { border-collapse: collapse; margin: .5rem 0; font-size: .88rem; display: block; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #dee2e6; padding: .25rem .55rem; text-align: right; overflow-wrap: normal;
         word-break: normal; }
.output_area th, .output_area td { white-space: nowrap; }
thead th { background: #f1f3f5; }
.text_cell_render th, .text_cell_render td { text-align: left; }
.dataframe tbody tr:nth-child(odd) { background: #fafafa; }
.remote-img { display: inline-block; border: 1px dashed #aaa; padding: 0 .4rem; font-size: .8rem; color: #666; }
mjx-container[display="true"], mjx-container.mjx-wide { overflow-x: auto; overflow-y: hidden; max-width: 100%; }
mjx-container.mjx-wide { display: block; padding: .2rem 0; }
footer { margin-top: 3rem; padding-top: .8rem; border-top: 1px solid #dee2e6; color: #6c757d; font-size: .85rem; }
pre { overflow-x: auto; max-width: 100%; }
.text_cell_render pre { background: var(--code-bg); padding: .6rem .8rem; border-radius: 4px; font-size: .86rem; }
a.source-link { float: right; font-size: smaller; }
.output_area, .output_subarea { max-width: 100%; min-width: 0; }
@media (max-width: NARROWpx) {
  /* the sidebar becomes a bar above the page: the site's name and a closed list of pages */
  #sidebar { position: static; width: auto; border-right: 0; border-bottom: 1px solid #dee2e6; padding: .6rem 1rem;
             display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 1rem; }
  #sidebar .site-title { margin: 0; }
  #sidebar details { flex: 1 1 100%; }
  #sidebar summary { display: list-item; cursor: pointer; color: var(--accent); padding: .3rem 0; }
  #sidebar details[open] summary { margin-bottom: .4rem; }
  #content { margin-left: 0; padding: 1rem; }
  header h1.title { font-size: 1.7rem; }
}
"""
def site_css() -> str:
    from pygments.formatters import HtmlFormatter
    css = _SITE_CSS.replace("NARROWpx", f"{NARROW}px")
    return css + HtmlFormatter(style="default").get_style_defs(".highlight") + "\n" + _ansi_css()

def _ansi_css() -> str:
    "Colours for the `ansi-*` classes nbconvert gives to coloured stream and error output."
    cols = dict(black="#3e424d", red="#e75c58", green="#00a250", yellow="#ddb62b", blue="#208ffb", magenta="#d160c4",
                cyan="#60c6c8", white="#c5c1b4")
    return "\n".join(f".ansi-{k}-fg {{ color: {v}; }} .ansi-{k}-bg {{ background-color: {v}; }} "
                     f".ansi-{k}-intense-fg {{ color: {v}; font-weight: 600; }}" for k, v in cols.items()) + \
           "\n.ansi-bold { font-weight: bold; } .ansi-underline { text-decoration: underline; }\n"

# ---------------------------------------------------------------------------------------------------------------
# Whole site

def fix_doclinks(site:Path):
    """nbdev links every backticked library name; where the target page has no such anchor (a private name, a method
    without its own `show_doc`), point the link at the class's anchor, or at the page."""
    files = {f.relative_to(site).as_posix(): f for f in site.rglob("*.html")}
    ids = {k: {t["id"] for t in BeautifulSoup(f.read_text(encoding="utf-8"), "html.parser").find_all(id=True)} for k, f in files.items()}
    for k, f in files.items():
        soup, changed = BeautifulSoup(f.read_text(encoding="utf-8"), "html.parser"), False
        for a in soup.select("a.doclink[href]"):
            path, _, frag = a["href"].partition("#")
            target = os.path.normpath(os.path.join(os.path.dirname(k), path)).replace(os.sep, "/") if path else k
            if not frag or target not in ids or frag in ids[target]: continue
            head = frag.split(".")[0]
            a["href"] = f"{path}#{head}" if head in ids[target] else (path or "#")
            changed = True
        if changed: f.write_text(str(soup), encoding="utf-8")

def _site_info(root:Path) -> dict:
    from nbdev.config import get_config
    from add_colab import config as colab_config # one rule for "published" (a real owner in settings.ini)
    cfg = get_config(path=root)
    title, url, lib = cfg.get("title") or cfg.lib_name, cfg.get("git_url", ""), cfg.lib_path
    published = colab_config(root)["published"]
    link = f'<a href="{html.escape(url)}">Source on GitHub</a>.' if url and published else ""
    return dict(title=title, repo_link=link, lib=lib, doc_url=f'{cfg.get("doc_host", "")}{cfg.get("doc_baseurl", "")}',
                repo=url if published else "", dead_repo="" if published else url)

def drop_dead_repo_links(site:Path, url:str):
    """Until the repository is published, its address is a placeholder: unwrap every link into it (nbdev's
    `source` links of each signature, links in prose), keeping the text, so the site has no dead link."""
    if not url: return
    for f in site.rglob("*.html"):
        soup, changed = BeautifulSoup(f.read_text(encoding="utf-8"), "html.parser"), False
        for a in soup.find_all("a", href=True):
            if a["href"].startswith(url):
                if a.get_text(strip=True).lower() == "source": a.decompose() # nbdev's per-signature link
                else: a.unwrap()
                changed = True
        if changed: f.write_text(str(soup), encoding="utf-8")

def build_docs(nbs:Path=ROOT/"nbs", # folder of the notebooks
               out:Path=ROOT/"_docs_offline", # the site; replaced as a whole once the new one is complete
               mathjax:Path|None=None, # MathJax's `tex-svg-full.js`; default: fetched with npm into `cache`
               cache:Path|None=None, # download cache for MathJax; default `$XDG_CACHE_HOME/ntps-docs` or ~/.cache/ntps-docs
               quiet:bool=False, # no progress lines
               n_workers:int=2, # notebooks processed by nbdev in parallel
              ) -> tuple[list[Page], list[Path]]: # the pages, in sidebar order; notebooks nbdev could not process
    "Process the notebooks of `nbs` with nbdev into `_proc/` beside it, build the offline site into `out`."
    nbs, out = Path(nbs).resolve(), Path(out).resolve()
    if not (nbs/"index.ipynb").exists(): raise SystemExit(f"build_docs: {nbs}/index.ipynb is missing")
    cache = Path(cache) if cache else Path(os.environ.get("XDG_CACHE_HOME") or Path.home()/".cache")/"ntps-docs"
    mj = Path(mathjax) if mathjax else fetch_mathjax(cache)
    if not mj.exists(): raise SystemExit(f"build_docs: MathJax file not found: {mj}")
    errors = process_notebooks(nbs, nbs.parent/"_proc", n_workers=n_workers, quiet=quiet)
    pages = list_pages(nbs, nbs.parent/"_proc", errors)
    site = _site_info(ROOT)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        (tmp/"assets"/"mathjax").mkdir(parents=True)
        shutil.copyfile(mj, tmp/"assets"/"mathjax"/MATHJAX_FILE)
        if (mj.parent/"LICENSE").exists(): shutil.copyfile(mj.parent/"LICENSE", tmp/"assets"/"mathjax"/"LICENSE")
        (tmp/"assets"/"site.css").write_text(site_css())
        exporter = _exporter()
        for p in pages:
            if p.proc is None: continue
            text, warns = render_page(p, pages, site, exporter)
            dest = tmp/p.href
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
            if not quiet: print(f"{p.src.relative_to(nbs)} -> {p.href}  ({p.title})")
            for w in warns: print(f"  warning: {w}", file=sys.stderr)
        fix_doclinks(tmp)
        drop_dead_repo_links(tmp, site["dead_repo"])
        (tmp/"pages.json").write_text(json.dumps([dict(notebook=p.src.relative_to(nbs).as_posix(), href=p.href, title=p.title,
                                                       description=p.description, built=p.proc is not None) for p in pages], indent=1))
        os.chmod(tmp, 0o755)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
            out.rename(old/"site")
        tmp.rename(out)
        if old: shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    failed = [p for p, e in errors.items() if e]
    if not quiet: print(f"built {sum(p.proc is not None for p in pages)} of {len(pages)} pages in {out}")
    return pages, failed

def sync_quarto(root:Path=ROOT):
    "Rewrite `nbs/nbdev.yml` and `nbs/sidebar.yml` as `nbdev_docs` would (it keeps an existing `_quarto.yml`)."
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    cwd = os.getcwd()
    os.chdir(root)
    try:
        refresh_quarto_yml()
        nbdev_sidebar.__wrapped__()
    finally: os.chdir(cwd)

@call_parse
def main(out:str="_docs_offline", # output folder (relative to the repository root unless absolute)
         nbs:str="nbs", # notebooks folder (relative to the repository root unless absolute)
         mathjax:str=None, # use this MathJax `tex-svg-full.js` instead of fetching it with npm
         cache:str=None, # MathJax download cache (default ~/.cache/ntps-docs)
         quiet:bool=False, # no progress lines
         n_workers:int=2, # notebooks processed by nbdev in parallel
         sync_quarto:bool=False): # only rewrite nbs/nbdev.yml and nbs/sidebar.yml as `nbdev_docs` would, then stop
    "Process the notebooks with nbdev's processors and build the offline HTML docs (no Quarto needed)."
    if sync_quarto: return globals()["sync_quarto"](ROOT)
    os.chdir(ROOT)
    _, failed = build_docs(ROOT/nbs, ROOT/out, mathjax=mathjax, cache=cache, quiet=quiet, n_workers=n_workers)
    if failed:
        print(f"build_docs: nbdev could not process {len(failed)} notebook(s): {', '.join(p.name for p in failed)}", file=sys.stderr)
        sys.exit(1)
