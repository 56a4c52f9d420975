"""Unbounded proofs with Spacer: the epoch example is proved for every epoch, the
invariant found prints as FSL that our own checker parses and proves inductive, and the
unfenced variant is refuted with a trace."""

from __future__ import annotations

from tests.symbolic.conftest import SPECS, by_name, load
from verifier import results as R
from verifier.symbolic.chc import run_chc
from verifier.symbolic.induction import run_induction
from verifier.symbolic.options import CHC, ProveOptions


def test_epoch_is_proved_and_printed_invariants_are_inductive(spec) -> None:
    model = load(SPECS / "epoch.fsl")
    result, found = run_chc(model, ProveOptions(mode=CHC, timeout=60))
    assert {p.name: p.verdict for p in result.properties} == {
        "FencedWrites": R.HOLDS, "EpochsIssued": R.HOLDS, "UniqueEpochs": R.HOLDS,
        "OneWriterOnceFenced": R.HOLDS}
    assert [f.checked for f in found] == ["inductive"] * 4
    # independently: paste every printed invariant into the spec, check and prove it
    text = (SPECS / "epoch.fsl").read_text()
    for f in found:
        assert f.text is not None and "@" not in f.text
        text += f"\ninvariant {f.prop}Found:\n  {f.text}\n"
    pasted = spec(text)
    res = by_name(run_induction(pasted, ProveOptions()))
    assert all(res[f"{f.prop}Found"].verdict == R.HOLDS for f in found)


def test_printed_invariant_reads_like_the_spec() -> None:
    _, found = run_chc(load(SPECS / "epoch.fsl"), ProveOptions(mode=CHC, properties=("EpochsIssued",)))
    text = found[0].text or ""
    assert set(text.replace("\n", " ").split()) <= {
        "issued", "epochA", "epochB", "fence", ">=", "<=", "and", "master[A]", "master[B]"}


def test_unfenced_epoch_is_refuted_with_a_counterexample() -> None:
    result, found = run_chc(load(SPECS / "epoch.fsl", FENCING=False), ProveOptions(mode=CHC))
    res = by_name(result)
    assert res["FencedWrites"].verdict == R.VIOLATED
    assert res["FencedWrites"].trace is not None and len(res["FencedWrites"].trace.steps) == 4
    assert res["EpochsIssued"].verdict == R.HOLDS
    assert {f.prop for f in found} == {"EpochsIssued", "UniqueEpochs"}


def test_options_and_enums_print_as_member_tests(spec) -> None:
    model = spec("enum N { A, B }\nvar w: N? = none\nvar k: int = 0\n"
                 "action W(n: N) { w = n\n k = k + 1 }\n"
                 "invariant Counted: w != none => k >= 1\n")
    result, found = run_chc(model, ProveOptions(mode=CHC))
    assert result.properties[0].verdict == R.HOLDS
    assert found[0].checked == "inductive"
    assert "w" in (found[0].text or "") and "k" in (found[0].text or "")
