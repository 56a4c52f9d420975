"""An event-driven implementation of the triad failover logic (three license servers).

This is the kind of code ``verifier.testing.conformance`` tests against a spec: plain Python
objects reacting to events (a heartbeat round, a crash, an election timer, a link cut, a
client checkout), written without reference to the spec's syntax. It follows the
behaviour that ``specs/triad.fsl`` models (FlexNet's P/S/T triad: quorum of two,
secondary takeover after a heartbeat timeout, checkout tables that do not survive a
failover); ``examples/triad_adapter.py`` connects the two.

``bug="sticky-master"`` seeds a classic split-brain bug: a master that loses its quorum
keeps serving. ``tests/ci/test_conformance.py`` shows the conformance test catching it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SERVERS = ("P", "S", "T")
CLIENTS = ("A", "B")
# Links by name; each joins two servers.
LINKS = {"PS": frozenset({"P", "S"}), "PT": frozenset({"P", "T"}), "ST": frozenset({"S", "T"})}
BUGS = (None, "sticky-master")


def link_name(a: str, b: str) -> str:
    pair = frozenset({a, b})
    return next(name for name, ends in LINKS.items() if ends == pair)


@dataclass
class Server:
    """One license server: its process state, heartbeat timers and checkout table."""

    name: str
    up: bool = True
    master: bool = False
    silent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SERVERS, 0))
    unheard: set[str] = field(default_factory=set)   # peers not heard since the last start
    seats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLIENTS, 0))

    def used(self) -> int:
        return sum(self.seats.values())

    def drop_table(self) -> None:
        self.seats = dict.fromkeys(CLIENTS, 0)


@dataclass
class Client:
    name: str
    holds: bool = False          # the application runs with a license
    conn: str | None = None      # the server its license socket is open to


@dataclass(frozen=True)
class Settings:
    licenses: int = 1
    timeout: int = 2                  # heartbeat rounds without news before a peer is gone
    primary_is_master: bool = False   # failback to the primary when it returns
    takeover_needs_tertiary: bool = False
    takeover_grace: int = 0           # extra rounds before a takeover
    reserve_seats: bool = False       # replicated checkout tables
    reclaim_handle: bool = False      # a returning client rebinds its old checkout


class Triad:
    """Three servers (P primary, S secondary, T tertiary), their links, and two clients."""

    def __init__(self, settings: Settings = Settings(), *, bug: str | None = None) -> None:
        if bug not in BUGS:
            raise ValueError(f"unknown bug {bug!r}; known: {BUGS[1:]}")
        self.cfg = settings
        self.bug = bug
        self.servers = {s: Server(s, master=(s == "P")) for s in SERVERS}
        self.clients = {c: Client(c) for c in CLIENTS}
        self.cut: set[str] = set()

    @property
    def takeover_wait(self) -> int:
        return self.cfg.timeout + self.cfg.takeover_grace

    # -- what a server knows

    def talk(self, a: str, b: str) -> bool:
        """The heartbeat from ``a`` reaches ``b`` (and back)."""
        return (a != b and self.servers[a].up and self.servers[b].up
                and link_name(a, b) not in self.cut)

    def hears(self, s: str, q: str) -> bool:
        srv = self.servers[s]
        return s != q and srv.silent[q] < self.cfg.timeout and q not in srv.unheard

    def quorum(self, s: str) -> bool:
        return any(self.hears(s, q) for q in SERVERS)

    def serving(self, s: str) -> bool:
        return self.servers[s].up and self.servers[s].master

    # -- events: time

    def heartbeat_round(self) -> None:
        """Every server sends heartbeats to each peer it can reach and ages the others;
        a master without quorum shuts its vendor daemon down (unless the bug is seeded)."""
        w = self.takeover_wait
        reach = {(s, q): self.talk(s, q) for s in SERVERS for q in SERVERS}
        for s, srv in self.servers.items():
            for q in SERVERS:
                if q == s:
                    srv.silent[q] = 0
                elif not srv.up:
                    srv.silent[q] = w
                elif reach[s, q]:
                    srv.silent[q] = 0
                else:
                    srv.silent[q] = min(srv.silent[q] + 1, w)
            srv.unheard = {q for q in srv.unheard if not reach[s, q]}
        for s, srv in self.servers.items():
            keeps = srv.up and (self.quorum(s) or self.bug == "sticky-master")
            srv.master = srv.master and keeps
            if not srv.master:
                srv.drop_table()
        for cl in self.clients.values():
            if cl.conn is not None and not self.servers[cl.conn].master:
                cl.conn = None

    # -- events: servers

    def crash(self, s: str) -> None:
        srv = self.servers[s]
        srv.up = srv.master = False
        srv.drop_table()
        srv.silent = {q: 0 if q == s else self.takeover_wait for q in SERVERS}
        srv.unheard = set()
        for cl in self.clients.values():
            if cl.conn == s:
                cl.conn = None

    def restart(self, s: str) -> None:
        srv = self.servers[s]
        srv.up = True
        srv.silent = dict.fromkeys(SERVERS, 0)
        srv.unheard = {q for q in SERVERS if q != s}

    def may_take_over(self, s: str) -> bool:
        """The election rule: a candidate in a group that hears no master and has lost
        (or, for P, still hears and outranks) the other candidate."""
        srv, other = self.servers[s], ("S" if s == "P" else "P")
        if s == "T" or not srv.up or srv.master or not self.quorum(s):
            return False
        if any(self.hears(s, q) and self.servers[q].master for q in SERVERS):
            return False
        lost_other = srv.silent[other] >= self.takeover_wait
        if not ((s == "P" and self.hears("P", "S")) or lost_other):
            return False
        if lost_other and self.cfg.takeover_needs_tertiary:
            t = self.servers["T"]
            return (self.talk(s, "T") and t.silent[other] >= self.takeover_wait
                    and not self.talk("T", other))
        return True

    def election_timer(self, s: str) -> bool:
        """Server ``s``'s election timer fires: it takes the master role if it may."""
        if not self.may_take_over(s):
            return False
        srv = self.servers[s]
        srv.master = True
        srv.seats = {c: int(self.cfg.reserve_seats and cl.holds) for c, cl in self.clients.items()}
        return True

    def failback(self) -> bool:
        p, sec = self.servers["P"], self.servers["S"]
        if not (self.cfg.primary_is_master and p.up and not p.master and self.serving("S")
                and self.hears("P", "S") and self.hears("S", "P")):
            return False
        p.seats = dict(sec.seats) if self.cfg.reserve_seats else dict.fromkeys(CLIENTS, 0)
        sec.master = False
        sec.drop_table()
        p.master = True
        for cl in self.clients.values():
            if cl.conn == "S":
                cl.conn = None
        return True

    # -- events: network

    def link_cut(self, link: str) -> None:
        self.cut.add(link)

    def isolate(self, s: str) -> None:
        self.cut |= {link_name(s, q) for q in SERVERS if q != s}

    def link_healed(self, link: str) -> None:
        self.cut.discard(link)

    # -- events: clients

    def checkout(self, c: str, s: str) -> bool:
        cl, srv = self.clients[c], self.servers[s]
        if cl.holds or not self.serving(s):
            return False
        if not (self.cfg.reclaim_handle and srv.seats[c] > 0):
            if srv.used() >= self.cfg.licenses or srv.seats[c] >= 2:
                return False
            srv.seats[c] += 1
        cl.holds, cl.conn = True, s
        return True

    def release(self, c: str) -> None:
        cl = self.clients[c]
        if cl.holds and cl.conn is not None:
            self.servers[cl.conn].seats[c] -= 1
            cl.holds, cl.conn = False, None

    def client_dropped(self, c: str) -> None:
        self.clients[c].conn = None

    def reconnect(self, c: str, s: str) -> bool:
        cl, srv = self.clients[c], self.servers[s]
        if not cl.holds or cl.conn is not None or not self.serving(s):
            return False
        if not ((self.cfg.reclaim_handle or self.cfg.reserve_seats) and srv.seats[c] > 0):
            if srv.used() >= self.cfg.licenses or srv.seats[c] >= 2:
                return False
            srv.seats[c] += 1
        cl.conn = s
        return True

    def give_up(self, c: str) -> None:
        cl = self.clients[c]
        if cl.holds and cl.conn is None:
            cl.holds = False
