"""A chapter's claims: measured, compared with the paper, shown as one table.

Every chapter ends its experiment with a *Claims* cell. Each claim is a
measured value (one number, or one number per seed) and a band the value
must lie in. :meth:`Claims.report` shows the table (claim, paper, this run,
band, holds) and then:

* at the chapter's default parameters (any ``seed``) it **asserts**: a claim
  outside its band raises ``AssertionError``, so a change that breaks a
  finding fails the book's tests;
* with other parameters (an exercise, a papermill run) it only **reports**,
  and says so in one line, so *Run all* never stops on an exercise.

A *sanity check* (something that cannot reasonably fail, such as "the loss
went down") is marked as such in the table and asserted like a claim.

Example
-------
>>> defaults = {"steps": 6000, "seeds": 3}
>>> claims = Claims(defaults, {"steps": 6000, "seeds": 3, "seed": 1})
>>> claims.asserting
True
>>> claims.check("the CNN beats the MLP (points)", [26.1, 25.0, 27.2], band=(10, None), paper="~26")
True
>>> claims.check("the loss fell", 0.4, band=(None, 1.0), sanity=True)
True
>>> print(claims.table())
| claim | paper | this run | band | holds |
|---|---|---|---|---|
| the CNN beats the MLP (points) | ~26 | 26.1 ± 0.9 (3 seeds) | ≥ 10 | ✓ |
| the loss fell (sanity check) | – | 0.4 | ≤ 1 | ✓ |
>>> Claims(defaults, {"steps": 100, "seeds": 3, "seed": 0}).changed
{'steps': 100}
"""

import dataclasses
import json
import os

import numpy as np

__all__ = ["Claim", "Claims", "markdown_table", "show_markdown", "read_claims", "CLAIMS_MIME"]

#: The claims cell's output carries the claims as data under this MIME type, beside the rendered table,
#: so tools can read every chapter's claims from its stored outputs.
CLAIMS_MIME = "application/vnd.mnist1d.claims+json"
#: The columns of a claims table.
HEADER = ["claim", "paper", "this run", "band", "holds"]


@dataclasses.dataclass
class Claim:
    """One measured claim. ``values`` holds one number per seed (or just one)."""

    text: str
    values: np.ndarray
    low: float = None
    high: float = None
    paper: str = "–"
    digits: int = 1
    sanity: bool = False

    @property
    def value(self):
        """The number the band is checked on: the mean over seeds."""
        return float(np.mean(self.values))

    @property
    def holds(self):
        return bool((self.low is None or self.value >= self.low) and (self.high is None or self.value <= self.high))

    def measured(self):
        """``mean ± std (n seeds)``, or the single value."""
        if self.values.size == 1:
            return _number(self.value, self.digits)
        spread = float(np.std(self.values))
        return f"{_number(self.value, self.digits)} ± {_number(spread, self.digits)} ({self.values.size} seeds)"

    def band(self):
        if self.low is not None and self.high is not None:
            return f"[{_bound(self.low, self.digits)}, {_bound(self.high, self.digits)}]"
        if self.low is not None:
            return f"≥ {_bound(self.low, self.digits)}"
        return f"≤ {_bound(self.high, self.digits)}"

    def margin(self):
        """How far the mean lies inside its band (negative: outside), in the claim's unit."""
        sides = [self.value - self.low if self.low is not None else np.inf,
                 self.high - self.value if self.high is not None else np.inf]
        return float(min(sides))

    def record(self):
        """The claim as plain data (for JSON)."""
        return {"claim": self.text, "paper": self.paper, "mean": self.value, "std": float(np.std(self.values)),
                "values": self.values.tolist(), "low": self.low, "high": self.high, "holds": self.holds,
                "margin": self.margin(), "sanity": self.sanity, "digits": self.digits}

    @classmethod
    def from_record(cls, record):
        """The claim back from :meth:`record` (``digits`` defaults to 1 for records stored without it)."""
        return cls(record["claim"], np.atleast_1d(np.asarray(record["values"], dtype=float)), record["low"],
                   record["high"], record["paper"], record.get("digits", 1), record["sanity"])

    def row(self):
        text = self.text + (" (sanity check)" if self.sanity else "")
        return [text, self.paper, self.measured(), self.band(), "✓" if self.holds else "✗"]


class Claims:
    """The claims of one chapter run.

    Parameters
    ----------
    defaults : dict
        The chapter's default parameters, except ``seed``: the claims are
        asserted only when every one of them has its default value.
    parameters : dict
        The parameters of this run, usually ``globals()`` of the notebook.

    Raises
    ------
    ValueError
        If a default names no parameter of this run, or names ``seed``
        (claims must hold for any seed).
    """

    def __init__(self, defaults, parameters):
        if "seed" in defaults:
            raise ValueError("defaults must not contain 'seed': claims are asserted for every seed")
        missing = sorted(name for name in defaults if name not in parameters)
        if missing:
            raise ValueError(f"defaults name parameters this run does not have: {missing}")
        self.changed = {name: parameters[name] for name, value in defaults.items()
                        if not _equal(parameters[name], value)}
        self.claims = []

    @property
    def asserting(self):
        """True when this run uses the chapter's default parameters (any seed)."""
        return not self.changed

    def check(self, text, values, band, paper="–", digits=1, sanity=False):
        """Record a claim and return whether it holds.

        Parameters
        ----------
        text : str
            The claim, as a reader would say it, with its unit.
        values : float or array-like
            The measured value, or one value per seed (the band is checked on
            their mean; the table shows mean ± std).
        band : (low, high)
            Inclusive bounds; ``None`` leaves a side open.
        paper : str
            The paper's value ("~0.62", "94 ± 2"), or "–" for a claim of the
            chapter's own.
        digits : int
            Decimals shown.
        sanity : bool
            Mark a check that cannot reasonably fail as a sanity check.
        """
        low, high = band
        if low is None and high is None:
            raise ValueError(f"band of claim {text!r} must bound at least one side, got {band}")
        values = np.atleast_1d(np.asarray(values, dtype=float))
        if values.size == 0 or not np.isfinite(values).all():
            raise ValueError(f"values of claim {text!r} must be finite numbers, got {values}")
        claim = Claim(text, values, low, high, paper, digits, sanity)
        self.claims.append(claim)
        return claim.holds

    def table(self):
        """The claims as a Markdown table."""
        return markdown_table(HEADER, [c.row() for c in self.claims])

    def records(self):
        return [claim.record() for claim in self.claims]

    def failures(self):
        return [claim for claim in self.claims if not claim.holds]

    def report(self):
        """Show the table, then assert (default parameters) or say why not."""
        if not self.claims:
            raise ValueError("no claims were checked")
        show_markdown(self.table(), data={CLAIMS_MIME: {"asserting": self.asserting, "claims": self.records()}})
        if os.environ.get("MNIST1D_CLAIMS_JSON"):  # set by benchmarks/claims_across_seeds.py
            with open(os.environ["MNIST1D_CLAIMS_JSON"], "a") as handle:
                handle.write(json.dumps({"asserting": self.asserting, "claims": self.records()}) + "\n")
        held = len(self.claims) - len(self.failures())
        if not self.asserting:
            changed = ", ".join(f"{name}={value!r}" for name, value in self.changed.items())
            print(f"{held} of {len(self.claims)} claims hold. The parameters differ from the chapter's defaults "
                  f"({changed}), so the claims were reported, not asserted.")
            return
        failed = "; ".join(f"{c.text}: {c.measured()} not in {c.band()}" for c in self.failures())
        assert not failed, f"claims that do not hold at the chapter's default parameters: {failed}"
        print(f"All {len(self.claims)} claims hold at the chapter's default parameters.")


def read_claims(notebook):
    """The claims a notebook's stored outputs carry (its claims cell's :data:`CLAIMS_MIME` data), in order.

    Returns one record per claim (see :meth:`Claim.record`), each with ``asserting`` (whether the run that
    stored it used the chapter's default parameters) and ``digits``. Outputs stored before records carried
    ``digits`` get the number of decimals that reproduces the row of the table stored beside them, so a
    claim shown elsewhere (the book's scorecard) reads exactly as in its chapter. A notebook with no
    claims output gives ``[]``.
    """
    with open(notebook, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    records = []
    for cell in cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if CLAIMS_MIME not in data:
                continue
            stored = data[CLAIMS_MIME]
            table = data.get("text/markdown", "")
            rows = ("".join(table) if isinstance(table, list) else table).splitlines()[2:]
            for i, record in enumerate(stored["claims"]):
                record = {**record, "asserting": stored["asserting"]}
                if "digits" not in record:
                    record["digits"] = _digits_of_row(record, rows[i] if i < len(rows) else None)
                records.append(record)
    return records


def _digits_of_row(record, row):
    """The decimals (0 to 6) with which ``record`` renders as the table row ``row`` (1 if none does)."""
    for digits in range(7):
        claim = Claim.from_record({**record, "digits": digits})
        if markdown_table(HEADER, [claim.row()]).splitlines()[2] == row:
            return digits
    return 1


def markdown_table(header, rows):
    """A Markdown table from a header and rows of cells (numbers are shown as given).

    Example
    -------
    >>> print(markdown_table(["model", "accuracy (%)"], [["CNN", 94.1], ["MLP", 68.0]]))
    | model | accuracy (%) |
    |---|---|
    | CNN | 94.1 |
    | MLP | 68.0 |
    """
    widths = {len(row) for row in rows} | {len(header)}
    if len(widths) != 1:
        raise ValueError(f"every row must have {len(header)} cells like the header, got lengths {sorted(widths)}")
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def show_markdown(text, data=None):
    """Display Markdown in a notebook (rendered), or print it elsewhere.

    ``data`` adds other representations to the same output (``{mime type: value}``); a notebook stores them
    beside the Markdown, which is what renderers show.
    """
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display({"text/markdown": text, **(data or {})}, raw=True)
    else:
        print(text)


def _number(value, digits):
    return f"{value:,.{digits}f}"


def _bound(value, digits):
    """A band's bound, without trailing zeros (``10``, ``0.5``)."""
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _equal(a, b):
    try:
        return bool(np.all(a == b)) if np.shape(a) == np.shape(b) else False
    except (TypeError, ValueError):
        return a == b
