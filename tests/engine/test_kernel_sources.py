"""The cache of generated kernel sources (verifier/engine/kernel/sources.py): a hit gives
exactly what generating gives, the key follows what the generator reads and nothing
else, and a damaged entry is generated again."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.engine.kernel import Unsupported, module, sources
from verifier.lang import model as M
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse

SPEC = """
const N: 1..5 = 2
var x: 0..5 = 0
action Up { require x < N
  x = x + 1 }
invariant Small: x <= N
"""


def _model(text: str, consts: dict[str, int] | None = None) -> M.Model:
    return check_spec(parse(text, "s.fsl"), text, constants=consts or {})


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFIER_CACHE_DIR", str(tmp_path / "cache"))


def test_a_hit_is_what_generating_gives() -> None:
    model = _model(SPEC)
    fresh = module.generate(model, model.properties)
    first = sources.generate(model, model.properties)
    assert list(module.cache_folder("sources").glob("s_*.pickle"))
    again = sources.generate(model, model.properties)
    assert first == fresh and again == fresh


def test_the_key_follows_the_model() -> None:
    model = _model(SPEC)
    assert sources.key(model, (), (), None) == sources.key(_model(SPEC), (), (), None)
    # spans never reach generated code; the key is stricter still (it holds the spec's text)
    moved = _model("\n\n# a comment\n" + SPEC)
    assert moved.variables[0].span != model.variables[0].span
    assert module.generate(moved, ()) == module.generate(model, ())
    other = _model(SPEC, {"N": 3})
    assert sources.key(other, (), (), None) != sources.key(model, (), (), None)
    assert sources.key(model, model.properties, (), None) != sources.key(model, (), (), None)


def test_a_damaged_entry_is_generated_again() -> None:
    model = _model(SPEC)
    want = sources.generate(model, ())
    (entry,) = module.cache_folder("sources").glob("s_*.pickle")
    for junk in (b"", b"not a pickle", entry.read_bytes()[:10]):
        entry.write_bytes(junk)
        assert sources.generate(model, ()) == want
    assert entry.read_bytes() != junk


def test_an_unsupported_construct_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(SPEC)

    def refuse(*_: object) -> module.Source:
        raise Unsupported("no translation")
    monkeypatch.setattr(module, "generate", refuse)
    for _ in range(2):
        with pytest.raises(Unsupported):
            sources.generate(model, ())
    assert not list(module.cache_folder("sources").glob("s_*"))


def test_the_key_does_not_depend_on_the_hash_seed() -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    code = ("from pathlib import Path\n"
            "from verifier.config import load_model as c\nfrom verifier.config.load import load_model\n"
            "from verifier.engine.kernel import sources\n"
            "for p in ('models/hal_n5.toml', 'models/triad_fixed.toml', 'models/dsls_minority.toml'):\n"
            "    m = load_model(c(Path(p)))\n"
            "    print(sources.key(m, m.properties, (), None))\n")
    keys = {subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(keys) == 1 and len(next(iter(keys)).split()) == 3


def test_numba_keeps_its_cache_in_the_verifier_cache(tmp_path: Path) -> None:
    """verifier/engine/cachedir.py: numba's cache files go under $VERIFIER_CACHE_DIR/numba,
    not beside the package's sources (where an installed copy leaves files pip does not
    remove, which then shadow an editable install)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(VERIFIER_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(root))
    code = ("import verifier.engine, numba.core.config as c, os; "
            "print(c.CACHE_DIR == os.environ['NUMBA_CACHE_DIR'] and c.CACHE_DIR)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                       check=True)
    assert p.stdout.strip() == str(tmp_path / "cache" / "numba")
    p = subprocess.run([sys.executable, "-m", "verifier", "check", str(root / "models" / "hal_n3.toml"), "-q",
                        "--no-reports"], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert p.returncode == 0, p.stderr
    assert list((tmp_path / "cache" / "numba").rglob("*.nbi"))
