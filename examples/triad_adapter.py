"""The adapter between ``specs/triad.fsl`` and the example implementation ``triad_impl``.

``verifier.testing.conformance`` drives an implementation through three calls: ``reset`` (start
from the spec's initial state), ``apply`` (one spec action with its parameters) and
``observe`` (the implementation's state, named like the spec's variables). This adapter
turns each spec action into the implementation's event and reads its objects back as
plain values: dicts for maps, sets for sets, strings for enum members.

The history variables ``failbacks`` and ``healed`` exist only for the spec's witnesses,
so they are not observed: conformance compares only the variables ``observe`` returns.

Run the conformance test of this example with::

    pytest tests/ci/test_conformance.py
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triad_impl import CLIENTS, SERVERS, Settings, Triad


class TriadAdapter:
    """Drives a fresh ``Triad`` per behaviour; ``constants`` are the model's constants."""

    def __init__(self, constants: Mapping[str, Any], *, bug: str | None = None) -> None:
        self.settings = Settings(
            licenses=constants.get("LICENSES", 1), timeout=constants.get("TIMEOUT", 2),
            primary_is_master=constants.get("PRIMARY_IS_MASTER", False),
            takeover_needs_tertiary=constants.get("TAKEOVER_NEEDS_TERTIARY", False),
            takeover_grace=constants.get("TAKEOVER_GRACE", 0),
            reserve_seats=constants.get("RESERVE_SEATS", False),
            reclaim_handle=constants.get("RECLAIM_HANDLE", False))
        self.bug = bug
        self.triad = Triad(self.settings, bug=bug)

    def reset(self, initial: Mapping[str, Any]) -> None:
        # The spec has one initial state, which is where a new Triad starts.
        self.triad = Triad(self.settings, bug=self.bug)

    def apply(self, action: str, params: Mapping[str, Any]) -> None:
        t = self.triad
        match action:
            case "Tick":
                t.heartbeat_round()
            case "Crash":
                t.crash(params["s"])
            case "Restart":
                t.restart(params["s"])
            case "Elect":
                t.election_timer(params["s"])
            case "Failback":
                t.failback()
            case "CutLink":
                t.link_cut(params["l"])
            case "Isolate":
                t.isolate(params["s"])
            case "HealLink":
                t.link_healed(params["l"])
            case "Checkout":
                t.checkout(params["c"], params["s"])
            case "Release":
                t.release(params["c"])
            case "DropClient":
                t.client_dropped(params["c"])
            case "Reconnect":
                t.reconnect(params["c"], params["s"])
            case "GiveUp":
                t.give_up(params["c"])
            case _:
                raise KeyError(f"the adapter has no event for the spec action {action}")

    def observe(self) -> dict[str, Any]:
        srv, cl = self.triad.servers, self.triad.clients
        return {
            "up": {s: srv[s].up for s in SERVERS},
            "cut": set(self.triad.cut),
            "silent": {s: dict(srv[s].silent) for s in SERVERS},
            "unheard": {s: set(srv[s].unheard) for s in SERVERS},
            "master": {s: srv[s].master for s in SERVERS},
            "seats": {s: dict(srv[s].seats) for s in SERVERS},
            "holds": {c: cl[c].holds for c in CLIENTS},
            "conn": {c: cl[c].conn for c in CLIENTS},
        }
