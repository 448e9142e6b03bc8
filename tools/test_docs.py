"""Browser test of the offline docs: build them, serve them on 127.0.0.1, open every page in headless Chromium.

Usage: python tools/test_docs.py [--out _docs_offline] [--shots _docs_screenshots] [--no_build]

Needs Debian's `chromium` and `chromium-driver` (/usr/bin/chromium, /usr/bin/chromedriver) and `selenium`.
One check per page, and one for the Quarto configuration. A page passes when
* its title (`<h1>` and `<title>`) is the notebook's `# Title`, and its sidebar lists every notebook's page, in order,
  under its title (pages and titles are worked out here from the notebooks, with nbdev's own naming);
* every formula is typeset: MathJax made one `mjx-container` per `$..$`/`$$..$$`/`\\(..\\)`/`\\[..\\]` of the page,
  none is an error, and no raw `$$`, `\\begin{` or `$..$` is left in the text;
* every `<img>` has loaded (`naturalWidth > 0`), the server answered every request (no 404), and every link to
  a page of the site names a file that exists and an anchor that the page has;
* the console has no error (no SEVERE log entry), and no `#|` directive or `#| hide` code is shown;
* on API pages (notebooks with `#| export` cells), every public exported function or class shows nbdev's `show_doc`
  signature (`def name(...`) and no line of the exported source is shown;
* the page does not scroll sideways at 1280 px (wide tables and code scroll inside their own box);
* no table cell breaks its one word or number over several lines (its text is at most 1.6 lines tall), and no code
  of a cell or a signature is wider than its box (it wraps), at 1280 px and on a 390-px phone;
* on the phone (390 x 844, mobile viewport) the content starts in the top half of the first screen (the sidebar is
  a closed list above it) and the page does not scroll sideways (wide formulas, tables and code scroll in their box).
* `show_doc` signatures show no markdown in their comments (`[name](url)`, backticks) and no `:NoneType`;
A full-page screenshot of each page at 1280 px, and one of its first screen on the phone, go to `--shots`.
Prints `N passed, M failed`; exits 1 on any failure.
"""
from __future__ import annotations
import functools, http.server, os, re, shutil, sys, tempfile, threading, time
from pathlib import Path

import nbformat
import yaml
from bs4 import BeautifulSoup
from fastcore.script import call_parse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_docs

ROOT = build_docs.ROOT
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900", "--force-device-scale-factor=1"]

# ---------------------------------------------------------------------------------------------------------------
# What the pages should be, worked out from the notebooks with nbdev's own functions

def expected_pages(nbs:Path) -> list[dict]:
    "Notebooks nbdev would publish, in nbdev's sidebar order (index first), with nbdev's page name and their title."
    from nbdev.doclinks import nbglob, _nbpath2html
    nbs = Path(nbs)
    files = [Path(f) for f in nbglob(nbs)]
    files.sort(key=lambda p: (p.parent.relative_to(nbs).parts, p.name != "index.ipynb", p.name))
    res = []
    for f in files:
        nb = nbformat.read(f, as_version=4)
        md = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
        m = re.match(r"\s*#\s+(.+)", md)
        hidden = []
        shown_src = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and not re.search(r"^#\|\s*hide\b", c.source, re.M))
        for c in nb.cells:
            if c.cell_type == "code" and re.search(r"^#\|\s*hide:?\s*$", c.source, re.M):
                code = [l for l in c.source.splitlines() if l.strip() and not l.lstrip().startswith("#")]
                hidden += [l for l in code[:1] if l not in shown_src and len(l.strip()) > 8]
        title = re.sub(r"[`*]", "", m.group(1).strip()) if m else f.stem # as shown: markdown marks dropped
        api, body = exported_api(nb, shown_src)
        res.append(dict(nb=f, href=_nbpath2html(f.relative_to(nbs)).as_posix(), title=title, hidden=hidden, api=api, body=body))
    return res

_re_export = re.compile(r"^#\|\s*exports?\s*$", re.M)

def exported_api(nb, shown_src:str) -> tuple[list[str], list[str]]:
    "Public functions and classes of the `#| export` cells, and body lines of them that nbdev must not show."
    import ast
    names, body = [], []
    shown_src = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and not _re_export.search(c.source)) + \
                "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for c in nb.cells:
        if c.cell_type != "code" or not _re_export.search(c.source): continue
        try: tree = ast.parse("\n".join(l for l in c.source.splitlines() if not l.lstrip().startswith(("%", "!"))))
        except SyntaxError: continue
        lines = c.source.splitlines()
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): continue
            if not node.name.startswith("_"): names.append(node.name)
            first = node.body[1:] if ast.get_docstring(node) and len(node.body) > 1 else node.body
            for stmt in first[:3]: # a few statements of the body: shown only if the source is
                l = lines[stmt.lineno - 1].strip()
                if len(l) > 15 and l not in shown_src and not l.startswith(("#", "return None", "pass")): body.append(l)
    return names, body

_re_display = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\begin\{([\w*]+)\}.+?\\end\{\1\}", re.S)
_re_inline = re.compile(r"(?<!\\)\$(?:[^$\\]|\\.)+?(?<!\\)\$|\\\(.+?\\\)", re.S)

def count_math(page_html:str) -> int:
    "Formulas MathJax should typeset in a page: delimited maths in its text outside code, scripts and the sidebar."
    from bs4 import Comment
    soup = BeautifulSoup(page_html, "html.parser")
    for t in soup(["pre", "code", "script", "style", "nav", "textarea", "head"]): t.decompose()
    n = 0
    for s in soup.find_all(string=True): # MathJax looks for maths within each run of text between two tags
        if isinstance(s, Comment): continue
        n += len(_re_display.findall(s)) + len(_re_inline.findall(_re_display.sub(" ", s)))
    return n

# ---------------------------------------------------------------------------------------------------------------
# The Quarto configuration (used by `nbdev_docs` where Quarto exists)

def check_quarto_config(root:Path) -> list[str]:
    "Problems with `_quarto.yml`, `nbs/_quarto.yml`, `nbs/nbdev.yml`, `nbs/sidebar.yml` (empty when all is well)."
    from nbdev.config import get_config
    from nbdev.quarto import _nbdev_yml
    errs, cfg = [], get_config(path=root)
    nbs = cfg.nbs_path
    top, used = root/"_quarto.yml", nbs/"_quarto.yml"
    for f in (top, used, nbs/"nbdev.yml", nbs/"sidebar.yml", nbs/"styles.css"):
        if not f.exists(): errs.append(f"{f.relative_to(root)} is missing")
    if errs: return errs
    if top.read_text() != used.read_text(): errs.append("_quarto.yml and nbs/_quarto.yml differ")
    q = yaml.safe_load(used.read_text())
    if q.get("project", {}).get("type") != "website": errs.append("_quarto.yml: project.type is not website")
    for f in q.get("metadata-files", []):
        if not (nbs/f).exists(): errs.append(f"_quarto.yml: metadata file {f} is not in {nbs.name}/")
    css = q.get("format", {}).get("html", {}).get("css")
    if css and not (nbs/css).exists(): errs.append(f"_quarto.yml: css {css} is not in {nbs.name}/")
    vals = {k: cfg[k] for k in ["title", "description", "branch", "git_url", "doc_host", "doc_baseurl"]}
    vals["doc_path"] = cfg.doc_path.name
    if (nbs/"nbdev.yml").read_text() != _nbdev_yml.format(**vals):
        errs.append("nbs/nbdev.yml is not what nbdev writes from settings.ini (run `python tools/build_docs.py --sync_quarto`)")
    side = yaml.safe_load((nbs/"sidebar.yml").read_text())
    listed = side.get("website", {}).get("sidebar", {}).get("contents", []) if side else []
    want = [p["nb"].relative_to(nbs).as_posix() for p in expected_pages(nbs)]
    if [x for x in listed if isinstance(x, str)] != [w for w in want if "/" not in w]:
        print(f"  warning: nbs/sidebar.yml lists {listed}, the notebooks are {want}: run `python tools/build_docs.py --sync_quarto` "
              "(nbdev_docs rewrites it anyway while custom_sidebar = False)")
    return errs

# ---------------------------------------------------------------------------------------------------------------
# Serving and the browser

class _Handler(http.server.SimpleHTTPRequestHandler):
    failures: list
    def log_message(self, *a): pass
    def log_request(self, code="-", size="-"):
        if str(code).isdigit() and int(code) >= 400: self.failures.append(f"HTTP {code} for {self.path}")

def serve(site:Path):
    "Serve `site` on 127.0.0.1 at a free port in a thread; returns `(server, base_url, failures_list)`."
    failures = []
    handler = type("Handler", (_Handler,), {"failures": failures})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/", failures

def start_chromium(profile:Path, chromium="/usr/bin/chromium", chromedriver="/usr/bin/chromedriver"):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    for exe in (chromium, chromedriver):
        if not Path(exe).exists():
            raise SystemExit(f"test_docs: {exe} not found; install it: apt-get install -y chromium chromium-driver")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]: opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=opts)
    driver.set_page_load_timeout(60); driver.set_script_timeout(60)
    return driver

_WAIT_JS = """
const done = arguments[arguments.length - 1];
const imgs = () => Promise.all(Array.from(document.images).map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })));
function go() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise)
    MathJax.startup.promise.then(imgs).then(() => done('ok'), e => done('MathJax failed: ' + e));
  else if (performance.now() > 30000) done('MathJax did not load');
  else setTimeout(go, 50);
}
if (document.readyState === 'complete') go(); else window.addEventListener('load', go);
"""

_INFO_JS = """
const main = document.querySelector('#content') || document.body;
const skip = 'pre, code, script, style, mjx-container';
const w = document.createTreeWalker(main, NodeFilter.SHOW_TEXT,
  {acceptNode: n => n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
let text = []; while (w.nextNode()) text.push(w.currentNode.nodeValue);
return {
  h1: (document.querySelector('#title-block-header h1') || {textContent: null}).textContent,
  title: document.title,
  math: main.querySelectorAll('mjx-container').length,
  math_errors: Array.from(main.querySelectorAll('mjx-merror, [data-mjx-error], [data-mml-node="merror"]'))
                .map(e => e.getAttribute('data-mjx-error') || e.textContent || 'error').slice(0, 3),
  math_undefined: Array.from(main.querySelectorAll('[data-mml-node="mtext"][fill="red"]')).length,
  text: text,
  code: Array.from(main.querySelectorAll('pre')).map(p => p.textContent).join('\\n'),
  images: Array.from(document.images).map(i => ({src: i.getAttribute('src').slice(0, 60), w: i.naturalWidth})),
  sidebar: Array.from(document.querySelectorAll('#sidebar ul.pages > li > a')).map(a => [a.getAttribute('href'), a.textContent]),
  scroll_x: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  // markdown left in the comments of signatures (a name set upright, `.cm-name`, is code shown as code), `:NoneType`
  sig_markup: Array.from(main.querySelectorAll('.text_cell_render pre')).flatMap(p => {
    const c = p.cloneNode(true); c.querySelectorAll('.cm-name').forEach(e => e.remove());
    const comments = Array.from(c.querySelectorAll('.c1, .c')).map(e => e.textContent).join('\\n');
    return (comments.match(/\\[[^\\]\\n]+\\]\\([^)\\s]+\\)|`[^`\\n]+`/g) || [])
      .concat(c.textContent.match(/\\w+:NoneType\\b/g) || []); }),
};
"""

# Layout at the current viewport: where the content starts, what makes the page scroll sideways, table cells whose one
# word (or number) is broken over several lines, code of cells and signatures wider than its box.
_LAYOUT_JS = """
const vw = document.documentElement.clientWidth, vh = window.innerHeight;
const main = document.querySelector('#content') || document.body;
const clipped = el => { for (let e = el.parentElement; e && e !== document.body; e = e.parentElement)
  if (getComputedStyle(e).overflowX !== 'visible') return true; return false; };
const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
  (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/)[0] : '') +
  (e.textContent.trim() ? ' "' + e.textContent.trim().slice(0, 30) + '"' : '');
const wide = [];
for (const e of document.body.querySelectorAll('*')) {
  const r = e.getBoundingClientRect();
  if (r.width && r.right > vw + 1 && !clipped(e) && !wide.some(w => w.contains(e))) wide.push(e);
}
const lineHeight = el => { const s = getComputedStyle(el), v = parseFloat(s.lineHeight);
                           return isNaN(v) ? 1.2 * parseFloat(s.fontSize) : v; };
let tables = 0, bad_tables = 0, bad_cells = 0; const cells = [];
for (const t of main.querySelectorAll('table')) {
  let bad = 0;
  for (const c of t.querySelectorAll('td, th')) {
    const text = c.textContent.trim();
    if (!text || /\\s/.test(text) || c.querySelector('mjx-container, img, svg, table')) continue;
    const r = document.createRange(); r.selectNodeContents(c);
    const h = r.getBoundingClientRect().height, lh = lineHeight(c);
    if (h > 1.6 * lh) {
      bad++;
      if (cells.length < 3)
        cells.push(`'${text.slice(0, 24)}' ${Math.round(h)} px tall (lines of ${Math.round(lh)} px)`);
    }
  }
  tables++; if (bad) { bad_tables++; bad_cells += bad; }
}
const code = Array.from(main.querySelectorAll('.highlight pre'))
  .filter(p => !p.closest('.output_area') && p.scrollWidth > p.clientWidth + 1)
  .map(p => p.textContent.trim().split('\\n')[0].slice(0, 40));
return {vw: vw, vh: vh, content_top: main.getBoundingClientRect().top + window.scrollY,
        scroll_x: document.documentElement.scrollWidth - vw, wide: wide.slice(0, 3).map(name),
        tables: tables, bad_tables: bad_tables, bad_cells: bad_cells, cells: cells, code: code};
"""

PHONE = dict(width=390, height=844) # CSS pixels of a phone held upright

def layout_problems(lay:dict, narrow:bool=False) -> list[str]:
    """What is wrong with a page's layout (`_LAYOUT_JS`): tables breaking a word or a number over lines, code
    wider than its box and, on a narrow screen, content that starts below the top half of the first screen or
    a page that scrolls sideways (at 1280 px the latter is checked by `check_page` itself)."""
    errs = []
    if lay["bad_cells"]:
        errs.append(f"{lay['bad_cells']} one-word table cells span several lines, in {lay['bad_tables']} of "
                    f"{lay['tables']} tables: {lay['cells']}")
    if lay["code"]: errs.append(f"{len(lay['code'])} code blocks are wider than their box: {lay['code'][:3]}")
    if narrow and lay["content_top"] > PHONE["height"] / 2:
        errs.append(f"the content starts {lay['content_top']:.0f} px down, below the top half of the first screen "
                    f"({PHONE['height']} px)")
    if narrow and lay["scroll_x"] > 1:
        errs.append(f"the page scrolls sideways by {lay['scroll_x']} px (wider than the screen: {lay['wide']})")
    return errs

def check_narrow(driver, url:str, shot:Path|None=None) -> list[str]:
    "Problems with a page on a phone (`PHONE`, touch, `mobile` viewport); a screenshot of its first screen to `shot`."
    import base64
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", dict(PHONE, deviceScaleFactor=1, mobile=True))
    try:
        driver.get(url)
        status = driver.execute_async_script(_WAIT_JS)
        errs = [] if status == "ok" else [status]
        errs += layout_problems(driver.execute_script(_LAYOUT_JS), narrow=True)
        if shot:
            png = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
            shot.write_bytes(base64.b64decode(png["data"]))
    finally: driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return [f"at {PHONE['width']} px: {e}" for e in errs]

def screenshot(driver, path:Path, max_height:int=16000):
    "Full-page PNG through the DevTools protocol (at most `max_height` CSS pixels tall)."
    import base64
    m = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = m.get("cssContentSize") or m["contentSize"]
    w, h = int(size["width"]), int(min(size["height"], max_height))
    # a viewport as tall as the page, so that fixed elements (the sidebar) are drawn as a reader sees them
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", dict(width=w, height=h, deviceScaleFactor=1, mobile=False))
    try: png = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": dict(x=0, y=0, width=w, height=h, scale=1)})
    finally: driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(png["data"]))

@functools.cache
def _unpublished_repo() -> str:
    "The repository address while settings.ini names the placeholder owner (every link into it is dead), else ''."
    from add_colab import config as colab_config # the one rule for "published"
    c = colab_config(ROOT)
    return "" if c["published"] else c["git_url"]

def broken_links(site:Path, href:str) -> list[str]:
    "Links of one built page to a missing page of the site, to a missing anchor, or into an unpublished repository."
    from urllib.parse import urlsplit, unquote
    page = site/href
    soup, bad, ids = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser"), [], {}
    dead = _unpublished_repo()
    for a in soup.find_all("a", href=True):
        u = urlsplit(a["href"])
        if dead and a["href"].startswith(dead): bad.append(a["href"]); continue # a placeholder owner: a dead link
        if u.scheme or u.netloc or a["href"].startswith(("data:", "mailto:")): continue
        target = (page.parent/unquote(u.path)).resolve() if u.path else page.resolve()
        if not target.is_file(): bad.append(a["href"]); continue
        if u.fragment and target.suffix == ".html":
            if target not in ids:
                ids[target] = {t["id"] for t in BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser").find_all(id=True)}
            if unquote(u.fragment) not in ids[target]: bad.append(a["href"])
    return sorted(set(bad))

def check_page(driver, url:str, want:dict, pages:list[dict], site:Path, server_failures:list, shot:Path) -> list[str]:
    "Problems with one page (empty when it passes)."
    errs = []
    page_file = site/want["href"]
    if not page_file.exists(): return [f"{want['href']} was not built"]
    n_math = count_math(page_file.read_text(encoding="utf-8"))
    del server_failures[:]
    driver.get(url + want["href"])
    status = driver.execute_async_script(_WAIT_JS)
    if status != "ok": errs.append(status)
    info = driver.execute_script(_INFO_JS)
    if (info["h1"] or "").strip() != want["title"]: errs.append(f"title {info['h1']!r}, expected {want['title']!r}")
    if want["title"] not in info["title"]: errs.append(f"<title> {info['title']!r} lacks {want['title']!r}")
    if info["math"] != n_math: errs.append(f"{info['math']} typeset formulas, the page has {n_math}")
    if info["math_errors"]: errs.append(f"MathJax errors: {info['math_errors']}")
    if info["math_undefined"]: errs.append(f"{info['math_undefined']} undefined TeX macros (shown in red)")
    raw = [m.group(0)[:60] for t in info["text"] for r in (_re_display, _re_inline, re.compile(r"\$\$|\\begin\{"))
           for m in r.finditer(t)][:3]
    if raw: errs.append(f"raw maths left in the text: {raw}")
    bad = [i["src"] for i in info["images"] if not i["w"]]
    if bad: errs.append(f"{len(bad)} of {len(info['images'])} images did not load: {bad[:3]}")
    want_side = [[build_docs._rel(p["href"], build_docs.Page(Path(), want["href"], "")), p["title"]] for p in pages]
    if info["sidebar"] != want_side: errs.append(f"sidebar {info['sidebar']}, expected {want_side}")
    if re.search(r"^\s*#\s*\|", info["code"], re.M): errs.append("a `#|` directive line is shown")
    shown = [h for h in want["hidden"] if h in info["code"]]
    if shown: errs.append(f"code of `#| hide` cells is shown: {shown[:2]}")
    nosig = [n for n in want.get("api", []) if not re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(n)}\b", info["code"], re.M)]
    if nosig: errs.append(f"no show_doc signature for {len(nosig)} exported name(s): {nosig[:4]}")
    src = [b for b in want.get("body", []) if b in info["code"]]
    if src: errs.append(f"exported source is shown: {src[:2]}")
    if info["scroll_x"] > 1: errs.append(f"the page scrolls sideways by {info['scroll_x']} px")
    if info["sig_markup"]: errs.append(f"signatures show {len(info['sig_markup'])} raw marks: {info['sig_markup'][:3]}")
    errs += layout_problems(driver.execute_script(_LAYOUT_JS))
    links = broken_links(site, want["href"])
    if links: errs.append(f"{len(links)} broken links: {links[:5]}")
    screenshot(driver, shot)
    errs += check_narrow(driver, url + want["href"], shot.with_name(shot.stem + f"_{PHONE['width']}px.png"))
    severe = [e["message"][:300] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    if severe: errs.append(f"console errors: {severe[:3]}")
    if server_failures: errs.append(f"server: {server_failures[:3]}")
    return errs

# ---------------------------------------------------------------------------------------------------------------
# Self-check: the checks above must catch broken pages

def make_fixtures(nbs:Path):
    "A tiny notebook folder: an index, a good page (plot, table, all kinds of maths, directives) and a broken page."
    import base64, io, matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt, pandas as pd
    from nbformat.v4 import new_notebook, new_markdown_cell as md, new_code_cell as code, new_output as out
    fig, ax = plt.subplots(figsize=(3, 2)); ax.plot([1, 3, 2]); buf = io.BytesIO(); fig.savefig(buf, format="png"); plt.close(fig)
    png = base64.b64encode(buf.getvalue()).decode()
    df = pd.DataFrame({"a": [1, 2], "b": [0.5, 0.25], **{f"a_long_column_name_{i}": [-0.123456, 12345.5] for i in range(8)}})
    long_sum = " + ".join(f"x_{{{i}}}^2" for i in range(40)) # a formula far wider than a phone
    def nb(*cells):
        n = new_notebook(cells=list(cells))
        n.metadata["kernelspec"] = dict(name="python3", language="python", display_name="Python 3")
        return n
    nbs.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb(md("# fixture\n> A fixture with `code`"), md("See [the plot](01_plots.ipynb#a-plot).\n\n"
        "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/x)")),
        nbs/"index.ipynb")
    nbformat.write(nb(md("# Plots and `tables`\n> Figures, tables, maths"), code("#| default_exp plots"),
        code("#| hide\nhidden_function_xyz = 'not for readers'"),
        md("## A plot\nInline $a^2+b^2$, escaped \\$5, display\n$$\\sum_{i=1}^n x_i$$\nand \\\\(\\alpha\\\\) and\n"
           "\\begin{align} a &= b \\\\ c &= d \\end{align}\n\nPrices: \\$5 and \\$10, code `\\$HOME`.\n\n"
           f"A long inline formula ${long_sum}$ and a long display one\n$${long_sum}$$"),
        code("#| export\ndef f(x, # the input, as `perception_subspace` takes it\n      y=None): # unused\n    \"Doc\"\n"
             "    exported_body_line = x * 12345\n    return exported_body_line"),
        code("#| echo: false\nplt.plot([1, 3, 2])", outputs=[out("display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
        code("df", outputs=[out("execute_result", data={"text/html": df._repr_html_(), "text/plain": str(df)}, execution_count=1)]),
        code("print('hi')\nx = 1 #| hide_line", outputs=[out("stream", name="stdout", text="hi\n")]),
        code("if True:\n    result = some_function(first_argument, second_argument) # " + "a long comment " * 12 + "\n"
             "token = '" + "x" * 150 + "'")), nbs/"01_plots.ipynb")
    nbformat.write(nb(md("# Broken page\n> Everything here must be reported"),
        md("Unbalanced $\\frac{1}{$ and\n\nan error $x^^2$ and\n\nundefined $\\foo + 1$ and ![missing](missing.png)\n\n"
           "[nowhere](03_missing.ipynb), [bad anchor](01_plots.ipynb#no-such-heading)\n\n<div style=\"width:3000px\">wide</div>"),
        code("display(HTML(...))", outputs=[out("display_data", data={"text/html": "<script>console.error('boom')</script>"
                                                                       "<div style='width:3000px'>wide</div>",
                                                                       "text/plain": "x"})]),
        # the stylesheet undone: a word broken in a cell, code that does not wrap, the content pushed down on a phone
        code("'" + "y" * 300 + "'", outputs=[out("display_data", data={"text/plain": "x", "text/html":
            "<table><tr><td style='width:1px; white-space:normal; word-break:break-all'>unbreakable_identifier</td></tr>"
            "</table><style>.highlight pre { white-space: pre !important; }"
            "@media (max-width: 900px) { #content { margin-top: 2000px; } }</style>"})])), nbs/"02_broken.ipynb")

_MUST_CATCH = {"broken.html": ["typeset formulas", "MathJax errors", "undefined TeX macros", "images did not load",
                               "broken links", "console errors", "server: ", "scrolls sideways", "one-word table cells",
                               "code blocks are wider than their box", "at 390 px: the content starts",
                               "at 390 px: the page scrolls sideways"],
               "plots.html (edited)": ["title 'Plots and tables (edited)'", "directive line is shown", "`#| hide` cells",
                                       "no show_doc signature", "exported source is shown", "signatures show 2 raw marks"]}

def self_check(driver, tmp:Path) -> list[str]:
    "Build the fixtures and check them: the good pages must pass and every kind of failure must be reported."
    make_fixtures(tmp/"nbs")
    import contextlib, io
    with contextlib.redirect_stderr(io.StringIO()): _, failed = build_docs.build_docs(tmp/"nbs", tmp/"site", quiet=True) # known warnings
    if failed: return [f"nbdev could not process fixture notebook(s) {[p.name for p in failed]}"]
    pages = expected_pages(tmp/"nbs")
    srv, base, failures = serve(tmp/"site")
    errs, got = [], {}
    try:
        for p in pages: got[p["href"]] = check_page(driver, base, p, pages, tmp/"site", failures, tmp/"shot.png")
        f = tmp/"site"/"plots.html"
        f.write_text(f.read_text().replace("</code></h1>", "</code> (edited)</h1>", 1).replace(
            "<footer>", "<pre>#| export\nhidden_function_xyz = 'not for readers'\n    exported_body_line = x * 12345</pre>"
            "<div class='text_cell_render'><pre>def g(<span class='c1'># see [`f`](plots.html#f)</span>\n"
            "    y:NoneType=None)</pre></div><footer>", 1)
            .replace('<span class="nf">f</span>', '<span class="nf">g</span>'))
        # a later mtime: an edit within the same second as the first load would get a 304 (the cached, good page)
        os.utime(f, (time.time() + 10, time.time() + 10))
        got["plots.html (edited)"] = check_page(driver, base, pages[1], pages, tmp/"site", failures, tmp/"shot.png")
    finally: srv.shutdown(); srv.server_close()
    for name in ("index.html", "plots.html"):
        if got.get(name): errs.append(f"good fixture page {name} failed: {got[name]}")
    for name, kinds in _MUST_CATCH.items():
        missed = [k for k in kinds if not any(k in e for e in got.get(name, []))]
        if missed: errs.append(f"{name}: not reported: {missed} (reported: {got.get(name)})")
    return errs

@call_parse
def main(out:str="_docs_offline", # where the site is built (relative to the repository root unless absolute)
         shots:str="_docs_screenshots", # folder for one screenshot per page
         no_build:bool=False, # test the site already in `out` instead of building it
         nbs:str="nbs", # notebooks folder
         chromium:str="/usr/bin/chromium", # Chromium binary
         chromedriver:str="/usr/bin/chromedriver", # ChromeDriver binary
         no_self_check:bool=False): # skip checking that broken fixture pages are caught
    "Build the offline docs, open every page in headless Chromium, check it and screenshot it."
    t0 = time.time()
    os.chdir(ROOT) # nbdev reads settings.ini from the working directory
    site, shots, nbs = ROOT/out, ROOT/shots, ROOT/nbs
    if not no_build: build_docs.build_docs(nbs, site, quiet=True) # a notebook nbdev cannot process: its page fails below
    pages = expected_pages(nbs)
    results, seconds = {}, {}
    errs = check_quarto_config(ROOT)
    results["quarto config"] = errs
    shutil.rmtree(shots, ignore_errors=True); shots.mkdir(parents=True)
    srv, base, failures = serve(site)
    profile = Path(tempfile.mkdtemp(prefix="ntps-chromium-"))
    driver = None
    try:
        driver = start_chromium(profile, chromium, chromedriver)
        if not no_self_check:
            name = "self-check (broken fixture pages are caught)"
            with tempfile.TemporaryDirectory() as tmp:
                try: results[name] = self_check(driver, Path(tmp))
                except Exception as e: results[name] = [f"{type(e).__name__}: {str(e).strip()[:300]}"]
        for p in pages:
            name, t1 = p["href"], time.time()
            try: results[name] = check_page(driver, base, p, pages, site, failures, shots/(name.replace("/", "__")[:-5] + ".png"))
            except Exception as e: results[name] = [f"{type(e).__name__}: {str(e).strip()[:300]}"]
            seconds[name] = time.time() - t1
    finally:
        if driver: driver.quit()
        srv.shutdown(); srv.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    for name, errs in results.items():
        took = f" ({seconds[name]:.1f} s)" if name in seconds else ""
        print(f"{'FAIL' if errs else 'ok  '} {name}{took}" + "".join(f"\n     - {e}" for e in errs))
    failed = sum(bool(e) for e in results.values())
    print(f"screenshots in {shots} ({time.time() - t0:.0f} s)")
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed or len(pages) == 0 else 0)
