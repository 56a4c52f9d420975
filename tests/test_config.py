"""Model files (``verifier/config/modelfile.py``): loading, every C00x diagnostic, the key locator.

Bad models are written inline next to the exact text the user will see (golden
strings), into a temporary project whose layout mirrors the repository
(``models/`` beside ``specs/``), with the current directory at its root.
"""

from __future__ import annotations

import json
import math
import os
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.config import (
    DEFAULT_GRAPH_MAX_NODES,
    KeyPath,
    Limits,
    ModelConfig,
    discover_models,
    load_model,
    spec_model,
    with_overrides,
)
from verifier.config.tomlspans import Locator
from verifier.lang.diagnostics import ConfigError
from verifier.lang.syntax import NOSPAN, Span

DATA = Path(__file__).parent / "data" / "config"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "triad.fsl").write_text("# a spec\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(text: str, name: str = "m.toml") -> Path:
    path = Path("models") / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def failure(text: str, name: str = "m.toml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_model(write(text, name))
    return info.value


def codes(text: str) -> list[str]:
    return [d.code for d in failure(text).diagnostics]


SPEC = 'spec = "../specs/triad.fsl"\n'


# ---- good models ------------------------------------------------------------------------


def test_full_model_reads_every_setting() -> None:
    cfg = load_model(DATA / "models" / "full.toml")
    assert cfg == ModelConfig(
        name="full",
        path=DATA / "models" / "full.toml",
        spec=Path(os.path.normpath(DATA / "specs" / "triad.fsl")),
        description="Triad with one crash and a partition.",
        constants=(("TIMEOUT", 3), ("PRIMARY_IS_MASTER", True), ("START", "Secondary")),
        faults=(("Crash", 1), ("Partition", 2)),
        fault_total=3,
        properties=("AtMostOneMaster", "TertiaryNeverMaster"),
        deadlock=True,
        vacuity="error",
        stop_at_first=True,
        limits=Limits(states=1_000_000, depth=100, time=1.5, memory_mb=4096),
        expect=(("AtMostOneMaster", "violated"), ("TertiaryNeverMaster", "holds")),
        graph_max_nodes=5000,
    )
    assert cfg.spec.is_file()


def test_minimal_model_has_every_default() -> None:
    cfg = load_model(DATA / "models" / "minimal.toml")
    assert cfg == ModelConfig(name="minimal", path=DATA / "models" / "minimal.toml",
                              spec=Path(os.path.normpath(DATA / "specs" / "triad.fsl")))
    assert (cfg.properties, cfg.deadlock, cfg.vacuity, cfg.stop_at_first) == (None, False, "warn", False)
    # no fixed cap on the liveness graph by default: it grows as memory allows (issue 11)
    assert cfg.limits == Limits() and cfg.graph_max_nodes is None and DEFAULT_GRAPH_MAX_NODES == 100_000


def test_dotted_keys_and_inline_tables_mean_the_same() -> None:
    cfg = load_model(DATA / "models" / "inline.toml")
    assert cfg.constants == (("TIMEOUT", 3), ("PRIMARY_IS_MASTER", True))
    assert (cfg.faults, cfg.fault_total) == ((("Crash", 1),), 2)
    assert cfg.properties == ("AtMostOneMaster",) and cfg.deadlock is False
    assert cfg.limits == Limits(states=10)
    assert cfg.key_span("limits", "states") == Span(str(DATA / "models" / "inline.toml"), 9, 8, 9, 14)
    assert cfg.value_span("check", "properties", 0).line == 7


def test_spec_path_is_relative_to_the_model_folder(project: Path) -> None:
    cfg = load_model(write(SPEC))
    assert cfg.spec == Path("specs/triad.fsl") and cfg.name == "m" and cfg.path == Path("models/m.toml")
    absolute = load_model(project / "models" / "m.toml")
    assert absolute.spec == project / "specs" / "triad.fsl"


def test_time_limit_takes_integers_and_floats(project: Path) -> None:
    assert load_model(write(SPEC + "[limits]\ntime = 60\n")).limits.time == 60.0
    assert load_model(write(SPEC + "[limits]\ntime = 0.5\n")).limits.time == 0.5


def test_byte_order_mark_and_crlf_are_accepted(project: Path) -> None:
    path = Path("models/win.toml")
    path.write_bytes(b"\xef\xbb\xbf" + (SPEC + "[check]\r\ndeadlock = true\r\n").encode())
    cfg = load_model(path)
    assert cfg.deadlock is True
    assert cfg.key_span("check", "deadlock") == Span("models/win.toml", 3, 1, 3, 9)


def test_configs_compare_by_value_not_by_location(project: Path) -> None:
    a = load_model(write(SPEC + "[check]\ndeadlock = true\n", "a.toml"))
    b = load_model(write(SPEC + "\n\n[check]\n  deadlock = true\n", "a.toml"))
    assert a == b and hash(a) == hash(b)
    assert a.key_span("check", "deadlock") != b.key_span("check", "deadlock")


def test_spec_model_is_a_bare_spec_with_defaults() -> None:
    cfg = spec_model(Path("specs/triad.fsl"))
    assert cfg == ModelConfig(name="triad", path=None, spec=Path("specs/triad.fsl"))
    assert cfg.key_span("check", "deadlock") == NOSPAN == cfg.value_span(None, "spec")


# ---- key_span: where later stages point -----------------------------------------------


def test_key_span_points_at_keys_values_and_falls_back() -> None:
    cfg = load_model(DATA / "models" / "full.toml")
    where = str(DATA / "models" / "full.toml")
    assert cfg.key_span(None, "spec") == Span(where, 2, 1, 2, 5)
    assert cfg.key_span("constants", "START") == Span(where, 8, 1, 8, 6)
    assert cfg.value_span("constants", "START") == Span(where, 8, 9, 8, 20)
    assert cfg.value_span("check", "properties", 1) == Span(where, 16, 34, 16, 55)
    # A key that is not written falls back to its table's header, then to line 1.
    assert cfg.key_span("check", "nothing") == Span(where, 15, 2, 15, 7)
    assert cfg.key_span("nowhere", "x") == Span(where, 1, 1, 1, 1)


# ---- C001: the file cannot be read ----------------------------------------------------


def test_c001_missing_file_suggests_a_near_name(project: Path) -> None:
    write(SPEC, "triad.toml")
    with pytest.raises(ConfigError) as info:
        load_model(Path("models/traid.toml"))
    assert info.value.render() == (
        "models/traid.toml: error[C001]: model file 'models/traid.toml' not found\n"
        "  hint: did you mean 'models/triad.toml'?")


def test_c001_missing_file_without_a_near_name(project: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_model(Path("nowhere/x.toml"))
    assert info.value.render() == (
        "nowhere/x.toml: error[C001]: model file 'nowhere/x.toml' not found\n"
        "  hint: check the spelling; the path is relative to the current directory")


def test_c001_folder_instead_of_file(project: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_model(Path("models"))
    assert info.value.render() == (
        "models: error[C001]: 'models' is a folder, not a model file\n"
        "  hint: pass a .toml model file, or use the folder to check every model in it")


def test_c001_not_utf8_points_at_the_bad_byte(project: Path) -> None:
    path = Path("models/latin1.toml")
    path.write_bytes(SPEC.encode() + 'description = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_model(path)
    assert info.value.render() == (
        "models/latin1.toml:2:19: error[C001]: model file is not UTF-8 text (byte 0xe9)\n"
        '   2 | description = "caf\ufffd"\n'
        "     |                   ^\n"
        "  hint: save the file with UTF-8 encoding")


# ---- C002: TOML syntax ----------------------------------------------------------------

SYNTAX_CASES = [
    pytest.param(SPEC + "[check]\ndeadlock = yes\n", 3, 12,
                 "invalid TOML: invalid value", "TOML booleans are written true or false", id="bare-word"),
    pytest.param(SPEC + "x y = 1\n", 2, 3, "invalid TOML: expected '=' after a key in a key/value pair",
                 "write key = value; a key with spaces or dots must be quoted", id="space-in-key"),
    pytest.param(SPEC + "a = 1 b\n", 2, 7,
                 "invalid TOML: expected newline or end of document after a statement",
                 "put one key = value per line; a comment starts with #", id="two-on-a-line"),
    pytest.param(SPEC + "a = { b = 1, }\n", 2, 14, "invalid TOML: invalid initial character for a key part",
                 "keys are bare words (letters, digits, _ and -) or quoted strings; "
                 "{ ... } takes no trailing comma", id="inline-trailing-comma"),
    pytest.param(SPEC + "[check\n", 2, 7, "invalid TOML: expected ']' at the end of a table declaration",
                 "close the table header: [name]", id="open-header"),
    pytest.param(SPEC + "   = 3\n", 2, 4, "invalid TOML: invalid statement",
                 "each line is a key = value pair, a [table] header or a # comment", id="no-key"),
    pytest.param(SPEC + 'description = "abc\n', 2, 19, "invalid TOML: illegal character '\\n'",
                 'close the string on the same line; use """...""" for text over several lines',
                 id="string-ends-at-newline"),
    pytest.param(SPEC + 'description = """abc\ndef\n', 2, 15, "invalid TOML: this string is never closed",
                 "add the closing quote", id="unclosed-multiline-string"),
    pytest.param(SPEC + "a = {b = 1\n", 2, 11, "invalid TOML: unclosed inline table",
                 "an inline table { ... } must close with } on the same line", id="unclosed-inline-table"),
    pytest.param(SPEC + "[check]\nproperties = [\n  'A',\n\n[limits]\nstates = 1\n", 3, 14,
                 "invalid TOML: this array is never closed", "add ] after its last item", id="unclosed-array"),
    pytest.param(SPEC + "[check]\nproperties = ['A',\ndeadlock = true\n", 3, 14,
                 "invalid TOML: this array is never closed", "add ] after its last item",
                 id="array-runs-into-next-key"),
    pytest.param(SPEC + "a = 1\nb = 2\na = 3\n", 4, 1, "invalid TOML: key 'a' is defined twice",
                 "it is first defined on line 2; keep only one", id="duplicate-key"),
    pytest.param(SPEC + "limits.states = 1\n[limits]\n", 3, 2, "invalid TOML: table [limits] is defined twice",
                 "it is first defined on line 2; keep only one", id="duplicate-table"),
    pytest.param(SPEC + "[check]\n[check]\n", 3, 2, "invalid TOML: table [check] is defined twice",
                 "it is first defined on line 2; keep only one", id="duplicate-header"),
    pytest.param(SPEC + "a = " + "[" * 3000, 1, 1, "invalid TOML: arrays or inline tables nested too deeply",
                 "a model file needs no nesting this deep", id="deep-nesting"),
]


@pytest.mark.parametrize(("text", "line", "col", "message", "hint"), SYNTAX_CASES)
def test_c002_syntax_errors_point_at_the_cause(project: Path, text: str, line: int, col: int,
                                              message: str, hint: str) -> None:
    (diag,) = failure(text).diagnostics
    assert (diag.code, diag.span.line, diag.span.col, diag.message, diag.hint) == (
        "C002", line, col, message, hint)


def test_c002_end_of_document_points_after_the_last_text(project: Path) -> None:
    (diag,) = failure(SPEC + "a = 1\n# last\n\nb = [1, 2\n\n").diagnostics
    assert (diag.span.line, diag.span.col, diag.message) == (5, 5, "invalid TOML: this array is never closed")
    (diag,) = failure(SPEC + "a = [[1, 2], 3\n").diagnostics
    assert (diag.span.line, diag.span.col) == (2, 5)


# ---- C003 to C007: golden renderings ---------------------------------------------------

GOLDEN = [
    pytest.param("""
        spec = "../specs/triad.fsl"
        [limit]
        states = 5
        """, """\
models/m.toml:2:2: error[C003]: unknown table [limit]
   2 | [limit]
     |  ^^^^^
  hint: did you mean [limits]?""", id="C003-table"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        [check]
        deadlok = true
        """, """\
models/m.toml:3:1: error[C003]: unknown key 'deadlok' in [check]
   3 | deadlok = true
     | ^^^^^^^
  hint: did you mean 'deadlock'?""", id="C003-key"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        deadlok = true
        """, """\
models/m.toml:2:1: error[C003]: unknown key 'deadlok'
   2 | deadlok = true
     | ^^^^^^^
  hint: did you mean 'deadlock'? It belongs in the [check] table""", id="C003-key-in-wrong-table"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        [check]
        deadlock = "yes"
        """, """\
models/m.toml:3:12: error[C004]: check.deadlock: expected a boolean (true or false), got a string
   3 | deadlock = "yes"
     |            ^^^^^
  hint: write deadlock = true or deadlock = false, without quotes""", id="C004-bool"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        [limits]
        states = "1000"
        """, """\
models/m.toml:3:10: error[C004]: limits.states: expected a positive integer, got a string
   3 | states = "1000"
     |          ^^^^^^
  hint: remove the quotes: states = 1000""", id="C004-quoted-number"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        [check]
        vacuity = "warning"
        """, """\
models/m.toml:3:11: error[C005]: check.vacuity: expected "warn" or "error", got "warning"
   3 | vacuity = "warning"
     |           ^^^^^^^^^
  hint: did you mean "warn"?""", id="C005-vacuity"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        [faults]
        Crash = -1
        """, """\
models/m.toml:3:9: error[C005]: faults.Crash: expected a non-negative integer, got -1
   3 | Crash = -1
     |         ^^
  hint: a cap is how often the fault may happen in one run; 0 turns it off""", id="C005-cap"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        [expect]
        AtMostOneMaster = "fails"
        """, """\
models/m.toml:3:19: error[C005]: expect.AtMostOneMaster: expected "holds" or "violated", got "fails"
   3 | AtMostOneMaster = "fails"
     |                   ^^^^^^^
  hint: did you mean "violated"?""", id="C005-expect"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        [limits]
        depth = 0
        """, """\
models/m.toml:3:9: error[C005]: limits.depth: expected a positive integer, got 0
   3 | depth = 0
     |         ^
  hint: leave limits.depth out for no limit""", id="C005-limit"),
    pytest.param("""
        description = "No spec."
        [constants]
        spec = "../specs/triad.fsl"
        """, """\
models/m.toml: error[C006]: missing required key 'spec' (the .fsl file to check)
  hint: a spec key was found in [constants]: top-level keys must come before the first [table] header""",
                 id="C006-below-a-table"),
    pytest.param("""
        description = "No spec."
        """, """\
models/m.toml: error[C006]: missing required key 'spec' (the .fsl file to check)
  hint: add spec = "path/to/spec.fsl" at the top; the path is relative to this file""", id="C006"),
    pytest.param("""
        spec = "specs/triad.fsl"
        """, """\
models/m.toml:1:8: error[C007]: spec file 'specs/triad.fsl' not found (looked for models/specs/triad.fsl)
   1 | spec = "specs/triad.fsl"
     |        ^^^^^^^^^^^^^^^^^
  hint: spec paths are relative to the model file's folder (models/), not the current directory: \
write spec = "../specs/triad.fsl\"""", id="C007-relative-to-cwd"),
    pytest.param("""
        spec = "../specs/traid.fsl"
        """, """\
models/m.toml:1:8: error[C007]: spec file '../specs/traid.fsl' not found (looked for specs/traid.fsl)
   1 | spec = "../specs/traid.fsl"
     |        ^^^^^^^^^^^^^^^^^^^^
  hint: did you mean "../specs/triad.fsl"?""", id="C007-typo"),
    pytest.param("""
        spec = "../specs/triad.tla"
        """, """\
models/m.toml:1:8: error[C005]: spec: expected a path to an .fsl file, got "../specs/triad.tla"
   1 | spec = "../specs/triad.tla"
     |        ^^^^^^^^^^^^^^^^^^^^
  hint: did you mean "../specs/triad.fsl"?""", id="C005-spec-suffix"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        [check]
        deadlock = yes
        """, """\
models/m.toml:3:12: error[C002]: invalid TOML: invalid value
   3 | deadlock = yes
     |            ^^^
  hint: TOML booleans are written true or false""", id="C002-bare-word"),
    pytest.param("""
        spec = "../specs/triad.fsl"
        [constants]
        N = 3
        N = 4
        """, """\
models/m.toml:4:1: error[C002]: invalid TOML: key 'constants.N' is defined twice
   4 | N = 4
     | ^
  hint: it is first defined on line 3; keep only one""", id="C002-duplicate"),
]


@pytest.mark.parametrize(("text", "expected"), GOLDEN)
def test_rendered_diagnostics(project: Path, text: str, expected: str) -> None:
    assert failure(text).render() == expected


def test_every_independent_error_is_reported_in_file_order(project: Path) -> None:
    error = failure("""
        descripton = "typo"
        [check]
        deadlock = "no"
        properties = ["A", 3, "A"]
        [limits]
        states = 0
        time = -1.5
        [faults]
        total = 2.0
        [graph]
        max_nodes = 0
        """)
    assert error.render() == """\
models/m.toml: error[C006]: missing required key 'spec' (the .fsl file to check)
  hint: add spec = "path/to/spec.fsl" at the top; the path is relative to this file
models/m.toml:1:1: error[C003]: unknown key 'descripton'
   1 | descripton = "typo"
     | ^^^^^^^^^^
  hint: did you mean 'description'?
models/m.toml:3:12: error[C004]: check.deadlock: expected a boolean (true or false), got a string
   3 | deadlock = "no"
     |            ^^^^
  hint: write deadlock = true or deadlock = false, without quotes
models/m.toml:4:20: error[C004]: check.properties[1]: expected a property name (a string), got an integer
   4 | properties = ["A", 3, "A"]
     |                    ^
  hint: put the name in double quotes
models/m.toml:4:23: error[C005]: check.properties: 'A' is listed twice
   4 | properties = ["A", 3, "A"]
     |                       ^^^
  hint: remove the second one
models/m.toml:6:10: error[C005]: limits.states: expected a positive integer, got 0
   6 | states = 0
     |          ^
  hint: leave limits.states out for no limit
models/m.toml:7:8: error[C005]: limits.time: expected a positive number of seconds, got -1.5
   7 | time = -1.5
     |        ^^^^
  hint: leave limits.time out for no limit
models/m.toml:9:9: error[C004]: faults.total: expected a non-negative integer, got a float
   9 | total = 2.0
     |         ^^^
  hint: write 2, without a decimal point
models/m.toml:11:13: error[C005]: graph.max_nodes: expected a positive integer, got 0
  11 | max_nodes = 0
     |             ^
  hint: leave graph.max_nodes out for the default (exported graphs: 100,000 states; liveness: as the memory limit allows)"""
    assert [d.code for d in error.diagnostics] == [
        "C006", "C003", "C004", "C004", "C005", "C005", "C005", "C004", "C005"]


# ---- C003 to C007: messages and hints, case by case ------------------------------------

def one(text: str) -> tuple[str, str, str | None]:
    (diag,) = failure(text).diagnostics
    return diag.code, diag.message, diag.hint


@pytest.mark.parametrize(("text", "expected"), [
    ("[check.extra]\na = 1\n", ("C003", "unknown table [check.extra]",
                                "[check] takes: properties, deadlock, vacuity, stop_at_first")),
    ("[foo]\nx = 1\n", ("C003", "unknown table [foo]",
                        "the tables are [constants], [faults], [check], [limits], [expect], [graph]")),
    ("N = 3\n", ("C003", "unknown key 'N'",
                 "the top level takes only spec and description; constants go in the [constants] table")),
    ("[check]\nstates = 5\n", ("C003", "unknown key 'states' in [check]",
                               "'states' belongs in the [limits] table")),
    ("[check]\ntimeout = 5\n", ("C003", "unknown key 'timeout' in [check]",
                                "this checker calls it limits.time")),
    ("[check]\ninvariants = ['A']\n", ("C003", "unknown key 'invariants' in [check]",
                                       "this checker calls it check.properties")),
    ("[check]\nspec = 'x.fsl'\n", ("C003", "unknown key 'spec' in [check]",
                                   "'spec' belongs at the top level, above the first [table] header")),
    ("[check]\nstop-at-first = true\n", ("C003", "unknown key 'stop-at-first' in [check]",
                                         "did you mean 'stop_at_first'?")),
])
def test_c003_unknown_names(project: Path, text: str, expected: tuple[str, str, str]) -> None:
    assert one(SPEC + text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("check = 3\n", ("C004", "check: expected a table, got an integer",
                     "write [check] on a line of its own, then one key = value per line")),
    ("[[faults]]\nx = 1\n", ("C004", "faults: expected a table, got an array",
                             "write [faults] on a line of its own, then one key = value per line")),
    ("description = ['x']\n", ("C004", "description: expected a string, got an array",
                               "put the text in double quotes")),
    ("[check]\nproperties = 'A'\n", ("C004", "check.properties: expected an array of property names, "
                                     "got a string", 'write properties = ["A"]')),
    ("[check]\nproperties = 5\n", ("C004", "check.properties: expected an array of property names, "
                                   "got an integer", 'write properties = ["Name", ...]')),
    ("[check]\nstop_at_first = 1\n", ("C004", "check.stop_at_first: expected a boolean (true or false), "
                                      "got an integer",
                                      "write stop_at_first = true or stop_at_first = false, without quotes")),
    ("[check]\ndeadlock = 'True'\n", ("C004", "check.deadlock: expected a boolean (true or false), "
                                      "got a string", "remove the quotes: deadlock = true")),
    ("[check]\nvacuity = true\n", ("C004", 'check.vacuity: expected "warn" or "error", got a boolean',
                                   'write vacuity = "warn", with the quotes')),
    ("[limits]\ntime = true\n", ("C004", "limits.time: expected a positive number of seconds, got a boolean",
                                 "write a number of seconds, without quotes: time = 60")),
    ("[limits]\nmemory = true\n", ("C004", "limits.memory: expected a positive integer, got a boolean",
                                   "write a whole number, without quotes")),
    ("[limits]\ntime = '60'\n", ("C004", "limits.time: expected a positive number of seconds, got a string",
                                 "remove the quotes: time = 60")),
    ("[expect]\nA = true\n", ("C004", 'expect.A: expected "holds" or "violated", got a boolean',
                              'write A = "holds", with the quotes')),
    ("[constants]\nN = 3.0\n", ("C004", "constants.N: expected an integer, a boolean or an enum member name "
                                "(a string), got a float", "write 3, without a decimal point")),
    ("[constants]\nS = [1, 2]\n", ("C004", "constants.S: expected an integer, a boolean or an enum member "
                                   "name (a string), got an array",
                                   "a constant holds one integer, boolean or enum member name")),
    ("[constants]\nD = 1979-05-27\n", ("C004", "constants.D: expected an integer, a boolean or an enum "
                                       "member name (a string), got a date/time",
                                       "a constant holds one integer, boolean or enum member name")),
    ('[constants]\n"two words" = {}\n', ("C004", 'constants."two words": expected an integer, a boolean or '
                                         "an enum member name (a string), got a table",
                                         "a constant holds one integer, boolean or enum member name")),
    ("[faults]\nCrash = true\n", ("C004", "faults.Crash: expected a non-negative integer, got a boolean",
                                  "write a whole number, without quotes")),
])
def test_c004_wrong_types(project: Path, text: str, expected: tuple[str, str, str]) -> None:
    assert one(SPEC + text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("[check]\nproperties = []\n", ("C005", "check.properties: expected one or more property names, got []",
                                    "leave check.properties out to check every property")),
    ("[check]\nproperties = ['']\n", ("C005", 'check.properties[0]: expected a property name, got ""',
                                      "remove the empty name")),
    ("[check]\nvacuity = 'loud'\n", ("C005", 'check.vacuity: expected "warn" or "error", got "loud"',
                                     '"warn" reports a property that holds vacuously; "error" also fails the check')),
    ("[expect]\nA = 'maybe'\n", ("C005", 'expect.A: expected "holds" or "violated", got "maybe"',
                                 '"holds" if the property should hold, "violated" if a counterexample '
                                 "is expected")),
    ("[expect]\nA = 'pass'\n", ("C005", 'expect.A: expected "holds" or "violated", got "pass"',
                                'did you mean "holds"?')),
    ("[faults]\ntotal = -2\n", ("C005", "faults.total: expected a non-negative integer, got -2",
                                "a cap is how often the fault may happen in one run; 0 turns it off")),
    ("[limits]\ntime = nan\n", ("C005", "limits.time: expected a positive number of seconds, got nan",
                                "leave limits.time out for no limit")),
    ("[limits]\ntime = inf\n", ("C005", "limits.time: expected a positive number of seconds, got inf",
                                "leave limits.time out for no limit")),
    ("[limits]\nmemory = -1\n", ("C005", "limits.memory: expected a positive integer, got -1",
                                 "leave limits.memory out for no limit")),
])
def test_c005_bad_values(project: Path, text: str, expected: tuple[str, str, str]) -> None:
    assert one(SPEC + text) == expected


def test_zero_fault_caps_are_allowed(project: Path) -> None:
    cfg = load_model(write(SPEC + "[faults]\nCrash = 0\ntotal = 0\n"))
    assert (cfg.faults, cfg.fault_total) == ((("Crash", 0),), 0)


@pytest.mark.parametrize(("spec", "expected"), [
    ('""', ("C005", 'spec: expected a path to an .fsl file, got ""', "spec names the .fsl file to check")),
    ('"../specs"', ("C005", 'spec: expected a path to an .fsl file, got "../specs"',
                    "spec names the .fsl file to check")),
    ('"../specs/triad"', ("C005", 'spec: expected a path to an .fsl file, got "../specs/triad"',
                          'did you mean "../specs/triad.fsl"?')),
    ("3", ("C004", "spec: expected a string, got an integer", "put the text in double quotes")),
    ('"../specs/dir.fsl"', ("C007", "spec '../specs/dir.fsl' is a folder, not an .fsl file",
                            "spec names one .fsl file in that folder")),
    ('"../nowhere/x.fsl"', ("C007", "spec file '../nowhere/x.fsl' not found (looked for nowhere/x.fsl)",
                            "spec paths are relative to the model file's folder (models/)")),
])
def test_c005_c007_spec_paths(project: Path, spec: str, expected: tuple[str, str, str]) -> None:
    (project / "specs" / "dir.fsl").mkdir()
    assert one(f"spec = {spec}\n") == expected


def test_c007_absolute_model_path_shows_the_resolved_spec_path(project: Path, tmp_path_factory:
                                                                pytest.TempPathFactory) -> None:
    path = write('spec = "gone.fsl"\n').resolve()
    os.chdir(tmp_path_factory.mktemp("elsewhere"))
    with pytest.raises(ConfigError) as info:
        load_model(path)
    (diag,) = info.value.diagnostics
    assert diag.message == f"spec file 'gone.fsl' not found (looked for {path.parent / 'gone.fsl'})"
    assert diag.span.path == str(path)


# ---- overrides -------------------------------------------------------------------------


def test_overrides_replace_merge_and_keep_the_rest() -> None:
    cfg = load_model(DATA / "models" / "full.toml")
    new = with_overrides(cfg, constants={"START": "Primary", "EXTRA": 7}, limits=Limits(states=10),
                         properties=["AtMostOneMaster"], stop_at_first=False)
    assert new.constants == (("TIMEOUT", 3), ("PRIMARY_IS_MASTER", True), ("START", "Primary"), ("EXTRA", 7))
    assert new.limits == Limits(states=10, depth=100, time=1.5, memory_mb=4096)
    assert new.properties == ("AtMostOneMaster",) and new.stop_at_first is False
    assert (new.faults, new.expect, new.spec) == (cfg.faults, cfg.expect, cfg.spec)
    # a value from the command line is reported there, not at the file's line for it
    assert new.key_span("constants", "START").path == "<command line>"
    assert new.key_span("constants", "TIMEOUT") == cfg.key_span("constants", "TIMEOUT")
    assert with_overrides(cfg) == cfg


def test_a_bad_constant_is_reported_alone(capsys: pytest.CaptureFixture[str]) -> None:
    """A constant without a valid value makes every type built on it meaningless: the
    checker reports the constant, not dozens of consequences."""
    from verifier.cli import main

    hal = Path(__file__).parent.parent / "models" / "hal_n3.toml"
    assert main(["check", "--no-reports", str(hal), "--const", "N=2"]) == 2
    err = capsys.readouterr().err
    assert err.count("error[") == 1, err
    assert err.startswith("<command line>: error[C011]: constant N = 2 (set on the command line) "
                          "is not a value of its type 3..12")
    assert "as `const N: 3..12`" in err


def test_overrides_apply_to_a_bare_spec() -> None:
    cfg = with_overrides(spec_model(Path("specs/triad.fsl")), constants={"N": 5}, limits=Limits(time=2.0))
    assert cfg.constants == (("N", 5),) and cfg.limits == Limits(time=2.0)


def test_bad_overrides_are_config_errors() -> None:
    cfg = spec_model(Path("specs/triad.fsl"))
    with pytest.raises(ConfigError) as info:
        with_overrides(cfg, constants={"N": 1.5},  # type: ignore[dict-item]
                       limits=Limits(states=0, time=math.nan), properties=[])
    assert info.value.render() == "\n".join([
        "<command line>: error[C004]: constant N: expected an integer, a boolean or an enum member name, "
        "got a float",
        "<command line>: error[C005]: limit states: expected a positive number, got 0",
        "<command line>: error[C005]: limit time: expected a positive number, got nan",
        "<command line>: error[C005]: expected one or more property names",
    ])


# ---- discovery -------------------------------------------------------------------------


def test_discover_models_sorted_and_not_recursive(project: Path) -> None:
    for name in ("b.toml", "a.toml", "notes.md", "sub/c.toml"):
        (project / "models" / name).parent.mkdir(exist_ok=True)
        (project / "models" / name).write_text(SPEC)
    assert discover_models(Path("models")) == [Path("models/a.toml"), Path("models/b.toml")]
    assert [p.name for p in discover_models(DATA / "models")] == ["full.toml", "inline.toml", "minimal.toml"]


@pytest.mark.parametrize(("folder", "rendered"), [
    ("specs", "specs: error[C001]: no model files (*.toml) in 'specs'\n"
              "  hint: this folder holds specs: pass one .fsl file to check it with default settings"),
    ("models", "models: error[C001]: no model files (*.toml) in 'models'\n"
               '  hint: a model file is a .toml file with at least spec = "path/to/spec.fsl"'),
    ("nowhere", "nowhere: error[C001]: folder 'nowhere' not found\n"
                "  hint: check the spelling; the path is relative to the current directory"),
    ("specs/triad.fsl", "specs/triad.fsl: error[C001]: 'specs/triad.fsl' is not a folder\n"
                        "  hint: pass a folder of model files, or one .toml file"),
])
def test_discover_models_errors(project: Path, folder: str, rendered: str) -> None:
    with pytest.raises(ConfigError) as info:
        discover_models(Path(folder))
    assert info.value.render() == rendered


# ---- the locator -----------------------------------------------------------------------


def locate(text: str) -> tuple[dict[KeyPath, str], dict[KeyPath, str]]:
    """Key and value texts found by the locator, read back through their spans."""
    found = Locator(text, "t.toml").run()
    return ({kp: cut(text, s) for kp, s in found.keys.items()},
            {kp: cut(text, s) for kp, s in found.values.items()})


def cut(text: str, span: Span) -> str:
    lines = text.split("\n")
    start = sum(len(x) + 1 for x in lines[:span.line - 1]) + span.col - 1
    end = sum(len(x) + 1 for x in lines[:span.end_line - 1]) + span.end_col - 1
    return text[start:end]


def test_locator_headers_dotted_and_quoted_keys() -> None:
    keys, values = locate(textwrap.dedent("""\
        top = 1  # a comment with x = 2
        [ a . "b c" ]
        d.'e' = "v"
        "q\\"k" = 2
        [[arr]]
        x = 1
        [[arr]]
        x = 2
        [arr.sub]
        y = 3
        """))
    assert keys == {
        ("top",): "top", ("a",): "a", ("a", "b c"): '"b c"', ("a", "b c", "d"): "d",
        ("a", "b c", "d", "e"): "'e'", ("a", "b c", 'q"k'): '"q\\"k"',
        ("arr",): "arr", ("arr", 0): "arr", ("arr", 0, "x"): "x", ("arr", 1): "arr", ("arr", 1, "x"): "x",
        ("arr", 1, "sub"): "sub", ("arr", 1, "sub", "y"): "y",
    }
    assert values[("top",)] == "1" and values[("a", "b c", "d", "e")] == '"v"'
    assert ("x",) not in keys


def test_locator_inline_tables_arrays_and_strings() -> None:
    text = textwrap.dedent('''\
        t = { a = 1, b = { c = [1, "x,]}"] }, "d" = 'e' }
        arr = [
          1,  # one
          [2, 3],
          { k = 4 },
        ]
        s = """
        fake = 1
        [fake]
        \\""" still text ""\"""
        lit = \'\'\'a = 1
        \'\'\'
        after = 2.5e3
        ''')
    keys, values = locate(text)
    assert set(keys) == {
        ("t",), ("t", "a"), ("t", "b"), ("t", "b", "c"), ("t", "d"), ("arr",), ("arr", 2, "k"),
        ("s",), ("lit",), ("after",)}
    assert values[("t", "b", "c", 1)] == '"x,]}"'
    assert values[("t", "b")] == '{ c = [1, "x,]}"] }'
    assert values[("arr", 1)] == "[2, 3]" and values[("arr", 1, 0)] == "2"
    assert values[("arr", 2, "k")] == "4"
    assert values[("s",)].endswith('""\"""') and values[("after",)] == "2.5e3"
    assert tomllib.loads(text)["s"].endswith('still text ""')


def test_locator_columns_count_characters() -> None:
    found = Locator('"é" = "ü"\n\tx = 1\n', "t.toml").run()
    assert found.keys[("é",)] == Span("t.toml", 1, 1, 1, 4)
    assert found.values[("é",)] == Span("t.toml", 1, 7, 1, 10)
    assert found.keys[("x",)] == Span("t.toml", 2, 2, 2, 3)


def test_locator_finds_duplicates_and_unclosed_openers() -> None:
    found = Locator("a = 1\n[t]\nb = 2\n[t]\n", "t.toml").run()
    assert found.duplicate == (("t",), Span("t.toml", 4, 2, 4, 3), Span("t.toml", 2, 2, 2, 3))
    assert Locator("[a.b]\n[a]\n[a.b.c]\n", "t").run().duplicate is None
    assert Locator("a.b = 1\na.c = 2\n", "t").run().duplicate is None
    found = Locator('x = "ok"\ny = [1,\n  "open', "t").run()
    assert found.unclosed == (Span("t", 3, 3, 3, 4), "string")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab =.[]{}\"'#,\n\\1")), max_size=80) | st.text(max_size=40))
def test_locator_never_raises_on_any_text(text: str) -> None:
    Locator(text, "t.toml").run()


# Random documents: generate data, write it in every TOML style, then check that tomllib
# reads it back and that the locator finds every key and value at the right place.

KEYS = st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True) | st.text(
    st.characters(blacklist_categories=("Cc", "Cs")), min_size=0, max_size=5)
SCALARS = (st.integers(-10**6, 10**6) | st.booleans()
           | st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6))
VALUES = SCALARS | st.lists(SCALARS, max_size=3)
TABLES = st.recursive(st.dictionaries(KEYS, VALUES, min_size=1, max_size=3),
                      lambda inner: st.dictionaries(KEYS, VALUES | inner, min_size=1, max_size=3), max_leaves=8)


def key(name: str) -> str:
    return name if name and all(c.isascii() and (c.isalnum() or c in "_-") for c in name) else json.dumps(
        name, ensure_ascii=False)


def scalar(value: Any, multiline: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        items = [scalar(v, False) for v in value]
        return "[\n  " + ",  # c\n  ".join(items) + ",\n]" if multiline and items else "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key(k)} = {scalar(v, False)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def dump(data: dict[str, Any], style: str, prefix: tuple[str, ...] = ()) -> str:
    """``style`` is how sub-tables are written: ``header``, ``dotted`` or ``inline``."""
    out, later = [], []
    for k, v in data.items():
        if isinstance(v, dict) and style == "header":
            later.append((k, v))
        elif isinstance(v, dict) and style == "dotted":
            out.extend(f"{key(k)}.{line}" for line in dump(v, style).splitlines())
        else:
            out.append(f"{key(k)} = {scalar(v, style == 'header')}")
    for k, v in later:
        path = (*prefix, k)
        out.append(f"[{'.'.join(key(p) for p in path)}]")
        out.append(dump(v, style, path))
    return "\n".join(line for line in out if line)


def walk(data: Any, kp: KeyPath = ()) -> list[tuple[KeyPath, Any]]:
    found: list[tuple[KeyPath, Any]] = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for k, v in items:
        found.append(((*kp, k), v))
        found.extend(walk(v, (*kp, k)))
    return found


@settings(max_examples=60, deadline=None)
@given(TABLES, st.sampled_from(["header", "dotted", "inline"]))
def test_locator_finds_every_key_of_generated_documents(data: dict[str, Any], style: str) -> None:
    text = dump(data, style) + "\n"
    assert tomllib.loads(text) == data
    keys, values = locate(text)
    for kp, value in walk(data):
        if isinstance(kp[-1], str):
            assert keys[kp] == key(kp[-1]), (kp, text)
        if not isinstance(value, dict) or style == "inline":
            assert tomllib.loads(f"v = {values[kp]}")["v"] == value, (kp, text)


FULL_TEXT = (DATA / "models" / "full.toml").read_text()


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_load_model_fails_only_with_config_errors(tmp_path_factory: pytest.TempPathFactory,
                                                  data: st.DataObject) -> None:
    # Damage a good model file: cut a slice out and paste in some TOML punctuation.
    a = data.draw(st.integers(0, len(FULL_TEXT)))
    b = data.draw(st.integers(a, min(a + 12, len(FULL_TEXT))))
    junk = data.draw(st.text(alphabet=st.sampled_from(list("[]{}=\"'.,#\n x1")), max_size=4))
    text = FULL_TEXT[:a] + junk + FULL_TEXT[b:]
    path = tmp_path_factory.mktemp("fuzz") / "m.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_model(path)
    except ConfigError as error:
        rendered = error.render()
        assert all(d.code in {"C002", "C003", "C004", "C005", "C006", "C007"} for d in error.diagnostics)
        assert all(d.hint for d in error.diagnostics), rendered
