"""`verifier check --watch`: a change to the spec starts a new check, which prints a new
report; with `--watch-rounds 1` the command then exits with the new check's code. A
short poll interval and a deadline on every read: no long sleeps."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = """var x: 0..2 = 0
action Inc {
  require x < 2
  x = x + 1
}
invariant Small: x <= LIMIT
"""


def _read_until(proc: subprocess.Popen[bytes], needle: bytes, seen: bytearray, deadline: float) -> None:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {needle!r} in time; got {bytes(seen).decode()}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"exited early; got {bytes(seen).decode()}"
            seen += chunk


def test_watch_checks_again_when_the_spec_changes(tmp_path: Path) -> None:
    spec = tmp_path / "count.fsl"
    spec.write_text(SPEC.replace("LIMIT", "2"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VERIFIER_NO_REPORTS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "verifier", "check", str(spec), "--watch",
                             "--poll", "0.05", "--watch-rounds", "1", "--color", "never"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = bytearray()
    try:
        deadline = time.monotonic() + 60
        _read_until(proc, b"1 holding", out, deadline)
        spec.write_text(SPEC.replace("LIMIT", "1"), encoding="utf-8")  # now violated
        _read_until(proc, b"checking again", out, deadline)
        assert proc.wait(timeout=60) == 1
        assert proc.stdout is not None
        out += proc.stdout.read()
        text = out.decode()
        assert f"changed: {spec}" in text
        after = text.split("checking again")[1]
        assert "Small" in after and "violated" in after
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
