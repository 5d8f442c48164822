"""The book's reproduction scorecard: every claim of every chapter in one table.

A local Sphinx extension (``_config.yml``: ``sphinx: local_extensions``). The
``{scorecard}`` directive (used in ``scorecard.md``) reads, for every chapter
notebook listed in ``_toc.yml``, the claims its claims cell stored
(:func:`mnist1d.claims.read_claims`) and the chapter's wall time and peak
memory that ``tools/execute_notebooks.py`` stored in ``execution.json``
beside it, and renders one table. Nothing is typed by hand and nothing is
executed: with execution off, the page shows the chapters' stored outputs.
When the HTML build finishes, the same data is written to
``<html>/scorecard.json``.

The data is computed by :func:`scorecard`, a plain function that the tests
call too.
"""

import json
from pathlib import Path

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

from mnist1d.claims import CLAIMS_MIME, Claim, read_claims

JSON_NAME = "scorecard.json"
EXECUTION_FILE = "execution.json"  # written by tools/execute_notebooks.py beside the chapters
COLUMNS = ["chapter", "claim", "paper", "this book", "band", "holds", "wall time", "peak memory"]
STATIC = Path(__file__).resolve().parent / "static"  # scorecard.css
MISSING = "–"


def toc_files(toc):
    """Every ``file`` entry of a Jupyter Book ``_toc.yml`` (parts, chapters, sections), in book order."""
    found = []

    def walk(entries):
        for entry in entries or []:
            if isinstance(entry, dict):
                if "file" in entry:
                    found.append(entry["file"])
                for key in ("parts", "chapters", "sections"):
                    walk(entry.get(key))

    walk([toc])
    return [name for name in found if name != toc.get("root")]


def chapter_notebooks(root, toc="_toc.yml"):
    """The chapter notebooks listed in the table of contents, in book order (paths under ``root``)."""
    root = Path(root)
    entries = toc_files(yaml.safe_load((root / toc).read_text(encoding="utf-8")))
    paths = [root / (name if name.endswith(".ipynb") else f"{name}.ipynb") for name in entries]
    return [path for path in paths if path.exists()]


def notebook_title(path):
    """The notebook's first ``# heading``, or its file stem."""
    for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return Path(path).stem


def read_execution(folder):
    """``{chapter stem: {"seconds", "peak_mb", ...}}`` from ``execution.json`` in ``folder`` (``{}`` if none)."""
    path = Path(folder) / EXECUTION_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def scorecard(root, toc="_toc.yml"):
    """The scorecard as plain data: one entry per chapter, with its claims and its cost.

    ``{"chapters": [{"chapter", "title", "path", "seconds", "peak_mb", "date", "machine",
    "claims": [record + "this_run", "band_text"]}], "claims": n, "hold": n}``. A record is the chapter's
    stored claim (see :meth:`mnist1d.claims.Claim.record`) with ``asserting``; ``this_run`` and ``band_text``
    are the texts its chapter's table shows. Costs are ``None`` for a chapter not yet refreshed by
    ``tools/execute_notebooks.py``.
    """
    root = Path(root).resolve()
    chapters = []
    for path in chapter_notebooks(root, toc):
        cost = read_execution(path.parent).get(path.stem, {})
        claims = []
        for record in read_claims(path):
            claim = Claim.from_record(record)
            claims.append({**record, "this_run": claim.measured(), "band_text": claim.band()})
        chapters.append({"chapter": path.stem, "title": notebook_title(path),
                         "path": path.relative_to(root).as_posix(), "seconds": cost.get("seconds"),
                         "peak_mb": cost.get("peak_mb"), "date": cost.get("date"), "machine": cost.get("machine"),
                         "claims": claims})
    every = [claim for chapter in chapters for claim in chapter["claims"]]
    return {"chapters": chapters, "claims": len(every), "hold": sum(claim["holds"] for claim in every)}


def seconds_text(seconds):
    if seconds is None:
        return MISSING
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{seconds:.0f} s"


def memory_text(peak_mb):
    return MISSING if peak_mb is None else f"{peak_mb:,.0f} MB"


def dependencies(root, toc="_toc.yml"):
    """The files the scorecard is made from: the table of contents, the chapters and their timings files."""
    root = Path(root)
    paths = chapter_notebooks(root, toc)
    return [root / toc, *paths, *sorted({path.parent / EXECUTION_FILE for path in paths})]


class ScorecardDirective(SphinxDirective):
    """``{scorecard}``: the table of every chapter's stored claims, wall time and peak memory."""

    has_content = False

    def run(self):
        root = Path(self.env.srcdir)
        toc = self.config.scorecard_toc
        for path in dependencies(root, toc):
            self.env.note_dependency(str(path.resolve()))  # rebuild the page when a chapter or its timings change
        data = scorecard(root, toc)
        table = self.table(data)
        summary = nodes.paragraph()
        sanity = sum(claim["sanity"] for chapter in data["chapters"] for claim in chapter["claims"])
        summary += nodes.Text(f"{data['hold']} of {data['claims']} claims hold, over {len(data['chapters'])} "
                              f"chapters ({sanity} of the claims are sanity checks). The same table as data: ")
        depth = self.env.docname.count("/")
        summary += nodes.reference("", "", nodes.literal("", JSON_NAME), refuri="../" * depth + JSON_NAME)
        summary += nodes.Text(".")
        machines = {}
        for chapter in data["chapters"]:
            if chapter["machine"]:
                machines.setdefault(chapter["machine"], []).append(chapter["date"] or "")
        if machines:
            where = "; ".join(f"{name} ({min(dates)} to {max(dates)})" if min(dates) != max(dates) else
                              f"{name} ({dates[0]})" for name, dates in machines.items())
            summary += nodes.Text(f" Wall time and peak memory were measured on {where}.")
        wide = nodes.container(classes=["scorecard-wide"])  # may use the right margin (scorecard.css)
        wide += table
        return [summary, wide]

    def table(self, data):
        table = nodes.table(classes=["scorecard"])
        group = nodes.tgroup(cols=len(COLUMNS))
        table += group
        group += [nodes.colspec(colwidth=1) for _ in COLUMNS]
        group += nodes.thead("", nodes.row("", *[entry([nodes.Text(name)]) for name in COLUMNS]))
        body = nodes.tbody()
        group += body
        for chapter in data["chapters"]:
            claims = chapter["claims"]
            span = max(len(claims), 1) - 1  # chapter, wall time and peak memory span the chapter's rows
            link = addnodes.pending_xref("", nodes.inline("", chapter["title"]), refdomain="std", reftype="doc",
                                         reftarget="/" + chapter["path"].rsplit(".", 1)[0], refexplicit=True,
                                         refwarn=True, refdoc=self.env.docname)
            label = [link]
            if not all(claim["asserting"] for claim in claims):
                label += [nodes.Text(" "), nodes.emphasis("", "(stored at non-default parameters: reported, "
                                                              "not asserted)")]
            cost = [entry([nodes.Text(seconds_text(chapter["seconds"]))], span, classes=["scorecard-cost"]),
                    entry([nodes.Text(memory_text(chapter["peak_mb"]))], span, classes=["scorecard-cost"])]
            if not claims:
                note = nodes.emphasis("", "no claims stored yet: run tools/execute_notebooks.py")
                body += nodes.row("", entry(label), entry([note], morecols=4), *cost)
                continue
            for i, record in enumerate(claims):
                text, paper, this_run, band, holds = Claim.from_record(record).row()
                verdict = "scorecard-holds" if record["holds"] else "scorecard-fails"
                cells = [entry(self.inline(text)), entry(self.inline(paper)),
                         entry([nodes.Text(this_run)], classes=["scorecard-value"]),
                         entry([nodes.Text(band)], classes=["scorecard-band"]),
                         entry([nodes.Text(holds)], classes=[verdict])]
                body += nodes.row("", entry(label, span), *cells, *cost) if i == 0 else nodes.row("", *cells)
        return table

    def inline(self, text):
        """MyST inline markup, rendered as in the chapter's own claims table."""
        parsed, messages = self.parse_inline(text)
        return parsed + messages


def entry(content, morerows=0, morecols=0, classes=()):
    """A table cell holding ``content`` (inline nodes), spanning ``morerows`` more rows, ``morecols`` more columns."""
    cell = nodes.entry(classes=list(classes))
    if morerows:
        cell["morerows"] = morerows
    if morecols:
        cell["morecols"] = morecols
    cell += nodes.paragraph("", "", *content)
    return cell


def drop_claims_data(app, docname, source):
    """``source-read``: remove the claims data (``CLAIMS_MIME``) from a notebook's outputs before myst-nb renders it.

    The data is for tools (this extension reads it from the file itself); a page shows the table stored beside
    it. myst-nb renders every MIME type of an output before choosing one and warns about a type it does not
    know, which fails a ``-W`` build; dropping only this type keeps that warning for any other.
    """
    if CLAIMS_MIME not in source[0] or not app.env.doc2path(docname).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(CLAIMS_MIME, None)
    source[0] = json.dumps(notebook, ensure_ascii=False)


def add_static_path(app, config):
    """``config-inited``: serve ``_ext/static/`` (``scorecard.css``, which styles only ``table.scorecard``)."""
    config.html_static_path.append(str(STATIC))


def write_json(app, exception):
    """``build-finished``: write the scorecard as ``scorecard.json`` into the HTML output folder."""
    if exception is not None or app.builder.format != "html":
        return
    data = scorecard(app.srcdir, app.config.scorecard_toc)
    (Path(app.outdir) / JSON_NAME).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                                              encoding="utf-8")


def setup(app):
    app.add_config_value("scorecard_toc", "_toc.yml", "env")
    app.add_directive("scorecard", ScorecardDirective)
    app.connect("config-inited", add_static_path)
    app.add_css_file("scorecard.css")
    app.connect("source-read", drop_claims_data)
    app.connect("build-finished", write_json)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
