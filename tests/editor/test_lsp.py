"""`verifier lsp` driven over stdio like an editor does: initialize, open a spec with
mistakes (its diagnostics arrive with codes, hints and positions), fix it (they clear),
format it (one edit to `verifier fmt`'s canonical form), then shut down and exit. Every
read has a deadline; nothing sleeps."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from verifier.lang.fmt.formatter import format_source

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0

BROKEN = """var up: bool = true
action Flip { up = not upp }
invariant AlwaysUp: always up
"""
MESSY = """var up: bool = true
action Flip {   up = not up }
liveness Back: always   eventually up
"""


class Client:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "verifier", "lsp"], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.next_id = 0
        self.buf = b""
        self.notes: list[dict[str, Any]] = []

    def send(self, msg: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        rid = self.next_id
        self.send({"id": rid, "method": method, "params": params})
        while True:
            msg = self.read()
            if msg.get("id") == rid and "method" not in msg:
                assert "error" not in msg, msg
                return msg.get("result")
            self.notes.append(msg)

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        """The next diagnostics published for ``uri``."""
        while True:
            for i, msg in enumerate(self.notes):
                if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri:
                    del self.notes[i]
                    return msg["params"]["diagnostics"]  # type: ignore[no-any-return]
            self.notes.append(self.read())

    def read(self) -> dict[str, Any]:
        end = time.monotonic() + DEADLINE
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while True:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if sep:
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length"))
                if len(rest) >= length:
                    self.buf = rest[length:]
                    return json.loads(rest[:length])  # type: ignore[no-any-return]
            left = end - time.monotonic()
            assert left > 0, "no answer from the language server in time"
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                assert chunk, f"the server exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}"
                self.buf += chunk


def test_the_language_server_over_stdio(tmp_path: Path) -> None:
    spec = tmp_path / "flip.fsl"
    spec.write_text(BROKEN, encoding="utf-8")
    uri = spec.as_uri()
    c = Client()
    try:
        init = c.request("initialize", {"processId": os.getpid(), "rootUri": tmp_path.as_uri(),
                                        "capabilities": {}})
        caps = init["capabilities"]
        assert caps["documentFormattingProvider"] is True
        assert init["serverInfo"]["name"] == "verifier-fsl"
        c.notify("initialized", {})
        c.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "fsl", "version": 1, "text": BROKEN}})
        diags = c.diagnostics(uri)
        by_code = {d["code"]: d for d in diags}
        assert sorted(by_code) == ["E101", "E123"]
        unknown = by_code["E101"]
        assert unknown["message"] == "unknown name `upp`\nhint: did you mean `up`?"
        assert unknown["range"] == {"start": {"line": 1, "character": 23},
                                    "end": {"line": 1, "character": 26}}
        assert unknown["severity"] == 1 and unknown["source"] == "verifier"
        assert "liveness" in by_code["E123"]["message"]
        # the fix: diagnostics clear
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                            "contentChanges": [{"text": MESSY}]})
        assert c.diagnostics(uri) == []
        edits = c.request("textDocument/formatting", {
            "textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})
        assert len(edits) == 1 and edits[0]["newText"] == format_source(MESSY)
        assert edits[0]["range"]["start"] == {"line": 0, "character": 0}
        # a text that does not parse gets no edit, only its diagnostic
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                            "contentChanges": [{"text": "var x: bool = \n"}]})
        assert [d["code"] for d in c.diagnostics(uri)] == ["E003"]
        assert c.request("textDocument/formatting", {
            "textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}}) in ([], None)
        assert c.request("shutdown", None) is None
        c.notify("exit", None)
        assert c.proc.wait(timeout=DEADLINE) == 0
    finally:
        if c.proc.poll() is None:
            c.proc.kill()
            c.proc.wait()
