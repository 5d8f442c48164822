"""The claims helper: asserts at a chapter's defaults, reports otherwise."""

import numpy as np
import pytest

from mnist1d.claims import Claims, markdown_table

DEFAULTS = {"steps": 6000, "sizes": [1000, 2000], "heads": {"none": []}}


def run(**changes):
    parameters = {"seed": 0, "steps": 6000, "sizes": [1000, 2000], "heads": {"none": []}, **changes}
    return Claims(DEFAULTS, parameters)


def test_asserts_at_defaults_for_any_seed(capsys):
    for seed in (0, 1, 7):
        claims = run(seed=seed)
        assert claims.asserting
        claims.check("gap (points)", [4.0, 6.0], band=(5, None))
        claims.report()  # mean 5.0 is inside a closed-at-5 band
        assert "All 1 claims hold" in capsys.readouterr().out
    claims = run()
    claims.check("gap (points)", [4.0, 5.0], band=(5, None), paper="~8")
    with pytest.raises(AssertionError, match=r"gap \(points\): 4.5 ± 0.5 \(2 seeds\) not in ≥ 5"):
        claims.report()


def test_reports_without_asserting_when_parameters_changed(capsys):
    for changes in ({"steps": 100}, {"sizes": [1000]}, {"sizes": [1000, 2000, 3000]}, {"heads": {"deep": [1]}}):
        claims = run(**changes)
        assert not claims.asserting and claims.changed == changes
        claims.check("gap (points)", 1.0, band=(5, None))
        claims.check("ratio", 1.0, band=(0.5, 2))
        claims.report()  # does not raise
        out = capsys.readouterr().out
        assert "1 of 2 claims hold" in out and "reported, not asserted" in out
        assert next(iter(changes)) in out


def test_table_rows():
    claims = run()
    assert claims.check("ratio", [1.0, 1.2, 1.4], band=(0.5, 2), paper="~1", digits=2)
    assert not claims.check("loss fell", 2.0, band=(None, 1), sanity=True)
    lines = claims.table().splitlines()
    assert lines[0] == "| claim | paper | this run | band | holds |"
    assert lines[2] == "| ratio | ~1 | 1.20 ± 0.16 (3 seeds) | [0.5, 2] | ✓ |"
    assert lines[3] == "| loss fell (sanity check) | – | 2.0 | ≤ 1 | ✗ |"
    assert [c.text for c in claims.failures()] == ["loss fell"]


def test_bad_input():
    with pytest.raises(ValueError, match="seed"):
        Claims({"seed": 0}, {"seed": 0})
    with pytest.raises(ValueError, match=r"\['width'\]"):
        Claims({"width": 3}, {"seed": 0})
    with pytest.raises(ValueError, match="band"):
        run().check("x", 1.0, band=(None, None))
    with pytest.raises(ValueError, match="finite"):
        run().check("x", [1.0, np.nan], band=(0, None))
    with pytest.raises(ValueError, match="no claims"):
        run().report()


def test_markdown_table():
    assert markdown_table(["a", "b"], [[1, "x|y"]]).splitlines()[2] == "| 1 | x\\|y |"
    with pytest.raises(ValueError, match="2 cells"):
        markdown_table(["a", "b"], [[1]])


def test_report_stores_claims_as_data_beside_the_table():
    from IPython.core.interactiveshell import InteractiveShell
    from mnist1d.claims import CLAIMS_MIME

    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, metadata=None, **kw: shown.append(data)
    try:
        claims = run()
        claims.check("ratio", [1.0, 1.2], band=(0.5, 2), paper="~1")
        claims.report()
    finally:
        InteractiveShell.clear_instance()
    (bundle,) = shown
    assert bundle["text/markdown"] == claims.table()
    record = bundle[CLAIMS_MIME]["claims"][0]
    assert bundle[CLAIMS_MIME]["asserting"] is True
    assert record["claim"] == "ratio" and record["values"] == [1.0, 1.2] and abs(record["margin"] - 0.6) < 1e-12
