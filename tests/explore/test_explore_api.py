"""The explorer's JSON API and its guards, without a browser, and the command's bad input."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from verifier.cli import main
from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.explore.server import CSP, ExploreServer
from verifier.explore.session import Session

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "triad_dual_master.toml"


@pytest.fixture
def server() -> Iterator[ExploreServer]:
    s = ExploreServer(Session(load_model(load_config(MODEL))))
    t = threading.Thread(target=s.serve_forever, daemon=True)
    t.start()
    try:
        yield s
    finally:
        s.shutdown()


def request(server: ExploreServer, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    req = urllib.request.Request(server.url.rstrip("/") + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as reply:
            raw, status, hdrs = reply.read(), reply.status, dict(reply.headers)
    except urllib.error.HTTPError as e:
        raw, status, hdrs = e.read(), e.code, dict(e.headers)
    text = raw.decode()
    doc = json.loads(text) if hdrs.get("Content-Type", "").startswith("application/json") else text
    return status, doc, hdrs


def test_the_api_walks_and_loads(server: ExploreServer) -> None:
    status, page, hdrs = request(server, "GET", "/")
    assert status == 200 and '<script src="/app.js" defer></script>' in page
    assert hdrs["Content-Security-Policy"] == CSP and server.host == "127.0.0.1"
    _, view, _ = request(server, "GET", "/state")
    assert (view["step"], view["length"], view["model"]) == (0, 0, "triad_dual_master")
    _, actions, _ = request(server, "GET", "/actions")
    assert actions[1] == {"id": 1, "action": "Isolate", "params": {"s": "P"}, "label": "Isolate(P)",
                          "fault": True, "branch": 0, "branches": 3,
                          "changes": ["cut: {} → {PS, PT}", "faults.Isolate: 0 → 1"]}
    _, view, _ = request(server, "POST", "/step", {"action": "Isolate", "params": {"s": "P"}, "branch": 1})
    _, view, _ = request(server, "POST", "/step", {"id": 0})          # Tick
    _, view, _ = request(server, "POST", "/step", {"action": "Elect", "params": {"s": "S"}})
    assert [p["label"] for p in view["path"]] == ["initial state", "Isolate(P)", "Tick", "Elect(S)"]
    assert {p["name"]: p["holds"] for p in view["properties"]}["AtMostOneMaster"] is False
    _, view, _ = request(server, "POST", "/jump", {"step": 1})
    _, view, _ = request(server, "POST", "/undo", {})
    assert (view["step"], view["length"]) == (1, 2)
    text = (ROOT / "reports" / "triad_dual_master" / "trace-ServeOnlyInGroup.itf.json").read_text()
    status, view, _ = request(server, "POST", "/load", {"name": "t.itf.json", "text": text})
    assert status == 200 and (view["step"], view["length"], view["offered"]) == (0, 1, [])


@pytest.mark.parametrize(("path", "body", "status", "error"), [
    ("/step", {"id": 99}, 400, "no transition 99 here"),
    ("/step", {"action": "Elect", "params": {"s": "T"}}, 400, "not enabled here"),
    ("/step", {"action": "Elct", "params": {}}, 400, "not an action of the spec"),
    ("/jump", {"step": "two"}, 400, "`step` must be a whole number"),
    ("/jump", {"step": 5}, 400, "no step 5"),
    ("/reset", {"initial": 3}, 400, "no initial state 3"),
    ("/load", {"name": "x.json", "text": "{"}, 400, "x.json:1:2: not JSON"),
    ("/load", {"name": "x.json", "text": "[]"}, 400, "x.json: error[R001]: not a verifier result"),
    ("/nothing", {}, 404, "no such call"),
    ("/step", b"{not json", 400, "the request is not JSON"),
])
def test_bad_calls_are_answered_with_an_error(server: ExploreServer, path: str, body: Any,
                                              status: int, error: str) -> None:
    got, doc, _ = request(server, "POST", path, body)
    assert got == status and error in doc["error"]


def test_other_pages_cannot_drive_it(server: ExploreServer) -> None:
    assert request(server, "POST", "/back", None, {"Content-Type": "text/plain"})[0] == 415
    assert request(server, "GET", "/state", None, {"Host": "attacker.example"})[0] == 403
    assert request(server, "POST", "/back", {}, {"Origin": "http://attacker.example"})[0] == 403
    assert request(server, "POST", "/back", {}, {"Origin": server.url.rstrip("/")})[0] == 200


@pytest.mark.parametrize(("argv", "message"), [
    (["--port", "70000"], "a port lies between 0 and 65535"),
    (["--trace", "no/such.json"], "cannot read the trace"),
    (["--trace", str(ROOT / "reports" / "dsls_minority" / "result.json")], "is not an initial state of this model"),
    (["--trace", str(ROOT / "reports" / "triad_dual_master" / "result.json"), "--property", "Nope"],
     "no trace for `Nope`"),
    (["--property", "AtMostOneMaster"], "--property needs --trace"),
])
def test_bad_input_to_the_command(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", str(MODEL), "--no-browser", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
