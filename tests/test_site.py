"""Browser test of the built site (run `make book` first; `make test` does).

Headless Debian chromium, driven by playwright, opens every page of the book
served from localhost and checks what a reader sees: the title, figures that
load, the Colab link to the chapter's own notebook, rendered math, and no
local resource that fails to load. A screenshot of each page is saved under
``_build/screenshots/``. Nothing here skips: without chromium or the built
site the test fails and says why.
"""

import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from bookinfo import ROOT, chapter_files, chapter_title, colab_url, stored_claims

SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path():
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")


@pytest.fixture(scope="module")
def server():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE}: run `make book` first")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, url):
    """Load ``url``; return the page and the list of local resources that failed."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failures = []
    local = re.compile(r"^http://127\.0\.0\.1:\d+/")
    page.on("requestfailed", lambda request: local.match(request.url) and failures.append(
        f"{request.url} ({request.failure})"))
    page.on("response", lambda response: local.match(response.url) and response.status >= 400 and failures.append(
        f"{response.url} (HTTP {response.status})"))
    page.goto(url, wait_until="networkidle")
    return page, failures


def wait_for_math(page):
    """Wait for MathJax where Sphinx loaded it (only pages with math); return whether it did."""
    if page.locator("script[src*='mathjax']").count() == 0:
        return False
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
    page.evaluate("MathJax.startup.promise")
    return True


def assert_images_loaded(page):
    broken = page.evaluate("""() => Array.from(document.images)
        .filter(img => img.src.startsWith(location.origin))
        .filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src)""")
    assert not broken, f"broken local images: {broken}"


def figure_count(notebook):
    """Image outputs stored in the notebook's cells."""
    cells = json.loads(notebook.read_text())["cells"]
    return sum("image/png" in output.get("data", {}) for cell in cells for output in cell.get("outputs", []))


def local_image_count(page):
    return page.evaluate("() => Array.from(document.images).filter(i => i.src.startsWith(location.origin)).length")


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("notebook", chapter_files(), ids=lambda p: p.stem)
def test_chapter_page(server, browser, notebook):
    page, failures = open_page(browser, f"{server}/chapters/{notebook.stem}.html")
    has_math = wait_for_math(page)
    assert page.locator("h1").first.inner_text().startswith(chapter_title(notebook).rstrip("#").strip())
    figures = figure_count(notebook)
    assert figures >= 1, "a chapter should have at least one figure"
    assert local_image_count(page) >= figures, f"the page should show all {figures} figures of the notebook"
    assert_images_loaded(page)

    colab_links = page.eval_on_selector_all("a[href*='colab.research.google.com/github']", "as => as.map(a => a.href)")
    assert colab_links and set(colab_links) == {colab_url(notebook)}, colab_links

    text = page.evaluate("""() => {  // the page's prose and outputs, without source code
        const article = document.querySelector("article").cloneNode(true);
        article.querySelectorAll(".cell_input, pre").forEach(node => node.remove());
        return article.innerText; }""")
    assert not re.search(r"\$\$|\$[^$\n]{1,200}\$", text), "raw $...$ math left on the page"
    assert "\\frac" not in text
    assert not re.search(r"\|\s*[-\u2013\u2014]{1,3}\s*\|", text), "a markdown table was left unrendered"
    if has_math:
        assert page.locator("mjx-container").count() > 0, "MathJax rendered nothing"
    screenshot(page, notebook.stem)
    assert not failures, f"local resources failed to load: {failures}"


def test_landing_page(server, browser):
    page, failures = open_page(browser, f"{server}/index.html")
    assert "MNIST-1D" in page.locator("h1").first.inner_text()
    assert page.locator("table").count() >= 1, "the benchmark table is missing"
    for notebook in chapter_files():
        assert page.locator(f"a[href*='{notebook.stem}']").count() > 0, f"no link to {notebook.stem}"
    assert page.locator("article a[href*='scorecard']").count() > 0, "no link to the scorecard"
    assert_images_loaded(page)
    screenshot(page, "index")
    assert not failures, f"local resources failed to load: {failures}"


def rendered_claims_rows(page):
    """The cells' text of each claim row of the scorecard table (chapter, wall time and memory span rows)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll("table.scorecard tbody tr")).map(tr => {
        const cells = Array.from(tr.querySelectorAll("td")).map(td => td.innerText.trim());
        return cells.length === 8 ? cells.slice(1, 6) : cells; })""")


def chapter_claims_rows(page):
    """The cells' text of each row of the claims tables a chapter page shows (its claims cell's output)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll("article table"))
        .filter(t => Array.from(t.querySelectorAll("thead th")).map(th => th.innerText.trim()).join("|")
                     === "claim|paper|this run|band|holds")
        .flatMap(t => Array.from(t.querySelectorAll("tbody tr")).map(
            tr => Array.from(tr.querySelectorAll("td")).map(td => td.innerText.trim())))""")


def test_scorecard_page(server, browser):
    """Every claim of every chapter, one row each, reading as on the chapter's page; scorecard.json agrees."""
    stored = {notebook.stem: stored_claims(notebook) for notebook in chapter_files()}
    missing = [stem for stem, claims in stored.items() if not claims]
    assert not missing, f"chapters storing no claims output: {missing}"
    page, failures = open_page(browser, f"{server}/scorecard.html")
    wait_for_math(page)
    assert page.locator("h1").first.inner_text().startswith("Scorecard")
    assert page.locator("table.scorecard").count() == 1, "the scorecard table is missing"
    rows = rendered_claims_rows(page)
    assert len(rows) == sum(map(len, stored.values())), f"{len(rows)} rows for {sum(map(len, stored.values()))} claims"
    for notebook in chapter_files():
        assert page.locator(f"table.scorecard a[href$='chapters/{notebook.stem}.html']").count() == 1
        chapter, _ = open_page(browser, f"{server}/chapters/{notebook.stem}.html")
        wait_for_math(chapter)
        shown = chapter_claims_rows(chapter)
        chapter.close()
        assert len(shown) == len(stored[notebook.stem]), f"{notebook.stem}: its page shows {len(shown)} claims"
        assert rows[:len(shown)] == shown, f"{notebook.stem}: the scorecard's rows differ from the chapter's table"
        rows = rows[len(shown):]
    text = page.locator("article").inner_text()
    assert not re.search(r"\|\s*[-\u2013\u2014]{1,3}\s*\|", text), "a markdown table was left unrendered"

    data = json.loads(page.request.get(f"{server}/scorecard.json").text())
    assert [c["chapter"] for c in data["chapters"]] == list(stored)
    keys = ["claim", "paper", "mean", "std", "values", "low", "high", "holds", "sanity"]
    for chapter in data["chapters"]:
        assert [{k: c[k] for k in keys} for c in chapter["claims"]] == [
            {k: record[k] for k in keys} for record, _ in stored[chapter["chapter"]]], chapter["chapter"]
    screenshot(page, "scorecard")
    assert not failures, f"local resources failed to load: {failures}"
