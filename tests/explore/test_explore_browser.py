"""``verifier explore`` end to end in headless Chromium (Debian's, as in CI).

The server runs in a thread of the test; one browser, driven over the DevTools protocol
(``tests/reports/cdp.py``), opens the page, steps the dual-master scenario of the triad
by clicking its buttons, goes back, loads the shipped counterexample
(``reports/triad_dual_master/result.json``, then its ITF trace) through the page's file
input, steps through it by the path, and checks what the page shows: the state tables
with the changed fields marked, the enabled actions, the invariants of the state, the
timeline's lanes and fault mark, and a console without a message (its
Content-Security-Policy would report any script or load it did not allow). A spec whose
strings hold markup shows them as text. The screenshot goes to docs/ with
``UPDATE_GOLDEN=1``.

Skipped when /usr/bin/chromium is absent (CI installs it: apt-get install -y chromium).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.reports.cdp import Browser
from verifier.config import load_model as load_config
from verifier.config.load import load_model, load_spec
from verifier.explore.server import ExploreServer
from verifier.explore.session import Session

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "reports" / "triad_dual_master"
SIZE = (1280, 1400)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install -y chromium)")


@dataclass
class Page:
    browser: Browser
    session: str

    def js(self, expression: str) -> Any:
        return self.browser.evaluate(self.session, expression)

    def wait(self, expression: str, what: str) -> Any:
        """Poll until ``expression`` is truthy (the page updates after its fetch returns);
        the bound only keeps a broken page from hanging the run."""
        deadline = time.monotonic() + 30
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never showed {what}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        assert self.js(f"(() => {{ const b = document.querySelector({json.dumps(selector)});"
                       " if (!b) return false; b.click(); return true; })()"), selector

    def at_step(self, k: int) -> None:
        self.wait(f"document.body.dataset.step === '{k}'", f"step {k}")

    def cell(self, var: str, key: str, col: int = 0) -> dict[str, Any]:
        return self.js(f"""(() => {{
          for (const tr of document.querySelectorAll('table[data-var={json.dumps(var)}] tbody tr')) {{
            const th = tr.querySelector('th');
            if ((th ? th.textContent : '') === {json.dumps(key)}) {{
              const td = tr.querySelectorAll('td')[{col}];
              return {{text: td.textContent, changed: td.classList.contains('changed')}};
            }}
          }}
          return null; }})()""")

    def holds(self, prop: str) -> str:
        return self.js(f"document.querySelector('li[data-prop={json.dumps(prop)}]').dataset.holds")

    def upload(self, path: Path) -> None:
        root = self.browser.send("DOM.getDocument", {}, self.session)["root"]["nodeId"]
        node = self.browser.send("DOM.querySelector", {"nodeId": root, "selector": "#load"},
                                 self.session)["nodeId"]
        self.browser.send("DOM.setFileInputFiles", {"files": [str(path)], "nodeId": node}, self.session)


@dataclass
class Served:
    server: ExploreServer
    thread: threading.Thread


def serve(session: Session) -> Served:
    server = ExploreServer(session)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return Served(server, thread)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    b = Browser(CHROMIUM, tmp_path_factory.mktemp("explore") / "profile")
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    model = load_model(load_config(ROOT / "models" / "triad_dual_master.toml"))
    served = serve(Session(model))
    try:
        p = Page(browser, browser.open(served.server.url, *SIZE, mobile=False))
        p.wait("document.body.dataset.ready === '1'", "the first state")
        yield p
    finally:
        served.server.shutdown()


def test_the_first_state_and_its_actions(page: Page) -> None:
    assert page.js("document.getElementById('model').textContent") == "triad_dual_master"
    assert page.cell("master", "P") == {"text": "true", "changed": False}
    assert page.cell("silent", "S", 0) == {"text": "0", "changed": False}   # a grid: silent[S][P]
    labels = page.js("[...document.querySelectorAll('#actions button')].map(b => b.textContent)")
    assert labels[:4] == ["Tick", "Isolate(P) #1", "Isolate(P) #2", "Isolate(P) #3"]
    assert page.js("document.querySelector('#actions button[data-label=\"Isolate(P)\"]')"
                   ".classList.contains('fault')")
    assert page.holds("AtMostOneMaster") == "true"
    assert page.js("document.getElementById('back').disabled")


def test_clicking_through_the_dual_master(page: Page) -> None:
    page.click("#actions button[data-label='Isolate(P)'][data-id='2']")  # S and T missed P's beat
    page.at_step(1)
    assert page.cell("cut", "") == {"text": "{PS, PT}", "changed": True}
    assert page.cell("silent", "S", 0) == {"text": "1", "changed": True}
    assert page.cell("master", "P") == {"text": "true", "changed": False}
    page.click("#actions button[data-label='Tick']")
    page.at_step(2)
    page.click("#actions button[data-label='Elect(S)']")
    page.at_step(3)
    assert page.cell("master", "S") == {"text": "true", "changed": True}
    assert page.holds("AtMostOneMaster") == "false"
    assert page.js("document.querySelector('li[data-prop=\"AtMostOneMaster\"] .fails').textContent") == "violated"
    lanes = page.js("[...document.querySelectorAll('#timeline g.lane')].map(g => g.dataset.lane)")
    assert lanes == ["P", "S", "T"]
    marks = page.js("[...document.querySelectorAll('#timeline g.fault-mark')].map(g => g.dataset.step + g.dataset.lane)")
    assert marks == ["1P"]
    assert page.js("document.querySelector('#timeline a.step.current').dataset.step") == "3"
    page.click("#back")
    page.at_step(2)
    assert page.holds("AtMostOneMaster") == "true"
    assert page.js("document.body.dataset.length") == "3"   # back keeps the path


def test_loading_a_counterexample_and_stepping_through_it(page: Page, tmp_path: Path) -> None:
    page.upload(REPORT / "result.json")
    page.wait("document.getElementById('where').textContent.includes('loaded from result.json')",
              "the loaded counterexample")
    page.at_step(0)
    offered = page.js("[...document.querySelectorAll('#prop option')].map(o => o.value)")
    assert offered == ["AtMostOneMaster", "ServeOnlyInGroup", "FailoverHappens", "PartitionHeals"]
    path = page.js("[...document.querySelectorAll('#path button')].map(b => b.textContent)")
    assert path == ["0. initial state", "1. Isolate(P)", "2. Tick", "3. Elect(S)"]
    page.click("#forward")
    page.at_step(1)
    page.click("#path button[data-step='3']")
    page.at_step(3)
    assert page.holds("AtMostOneMaster") == "false" and page.holds("ServeOnlyInGroup") == "false"
    assert page.cell("master", "S") == {"text": "true", "changed": True}
    shot = page.browser.screenshot(page.session)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000
    (tmp_path / "explore-screenshot.png").write_bytes(shot)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.copyfile(tmp_path / "explore-screenshot.png", ROOT / "docs" / "explore-screenshot.png")
    # another property's trace of the same file
    page.js("(() => { const s = document.getElementById('prop'); s.value = 'ServeOnlyInGroup';"
            " s.dispatchEvent(new Event('change')); })()")
    page.wait("document.body.dataset.length === '1'", "the ServeOnlyInGroup trace")
    # an ITF trace
    page.upload(REPORT / "trace-AtMostOneMaster.itf.json")
    page.wait("document.body.dataset.length === '3' && document.getElementById('where')"
              ".textContent.includes('itf.json')", "the ITF trace")
    # a file that is not a trace of this model: a message, the path is kept
    bad = tmp_path / "other.json"
    bad.write_text((ROOT / "reports" / "dsls_minority" / "result.json").read_text())
    page.upload(bad)
    page.wait("document.getElementById('message').classList.contains('error')", "the error")
    assert "is not an initial state of this model" in page.js("document.getElementById('message').textContent")
    assert page.js("document.body.dataset.length") == "3"


def test_the_page_logs_nothing(page: Page) -> None:
    # only the 400 answer to the foreign file above, which the page showed as a message
    assert page.browser.console(page.session) == [
        "log error: Failed to load resource: the server responded with a status of 400 (Bad Request)"]


def test_spec_strings_are_shown_as_text(browser: Browser, tmp_path: Path) -> None:
    spec = tmp_path / "markup.fsl"
    spec.write_text('enum Node { A, B }\nvar on: Node -> bool = {n: false for n in Node}\n'
                    'action Flip(n: Node) { on[n] = not on[n] }\n'
                    'invariant Safe "<img src=x id=injected> & <script>alert(1)</script>": true\n')
    served = serve(Session(load_spec(spec)))
    try:
        p = Page(browser, browser.open(served.server.url, 900, 700, mobile=False))
        p.wait("document.body.dataset.ready === '1'", "the page")
        doc = p.js("document.querySelector('li[data-prop=\"Safe\"] .doc').textContent")
        assert doc == "<img src=x id=injected> & <script>alert(1)</script>"
        assert p.js("document.getElementById('injected')") is None
        assert p.js("document.querySelectorAll('script').length") == 1   # the page's own
        assert browser.console(p.session) == []
    finally:
        served.server.shutdown()
