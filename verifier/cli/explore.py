"""``verifier explore MODEL``: walk a spec step by step in a local web page.

Starts the explorer's server (``verifier/explore/server.py``) on 127.0.0.1, at a free
port unless ``--port``, prints its address and opens it in the browser unless
``--no-browser``; ``--trace FILE`` loads a counterexample (a ``result.json`` or an ITF
trace) at the start. Runs until Ctrl-C, which exits 0. A spec, model, trace or usage
error exits 2 before the server starts.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from verifier.cli.common import EXIT_OK, EXIT_USAGE, UsageParser, configs, parse_const
from verifier.config import with_overrides
from verifier.lang.diagnostics import SpecError


def _port(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= v <= 65535:
        raise argparse.ArgumentTypeError(f"a port lies between 0 and 65535, got {v}")
    return v


def _parser() -> argparse.ArgumentParser:
    p = UsageParser(prog="verifier explore",
                    description="Walk a spec step by step in a local web page.")
    p.add_argument("target", metavar="MODEL", help="a model (.toml) or a spec (.fsl)")
    p.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--trace", metavar="FILE", type=Path,
                   help="load a counterexample at the start: a result.json or an ITF trace")
    p.add_argument("--property", metavar="NAME",
                   help="with --trace FILE of a result.json: the property whose trace to load")
    p.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant (repeatable)")
    return p


def explore_main(argv: list[str]) -> int:
    """``verifier explore MODEL ...``; returns the exit code (see the module doc)."""
    from verifier.config.load import load_model
    from verifier.explore.server import ExploreServer
    from verifier.explore.session import LoadError, Session

    args = _parser().parse_args(argv)
    try:
        items = configs([args.target])
        if len(items) != 1:
            sys.stderr.write("verifier: error[U001]: explore takes one model (.toml) or spec (.fsl)\n")
            return EXIT_USAGE
        item = items[0]
        if isinstance(item, SpecError):
            raise item
        cfg = with_overrides(item, constants=parse_const(args.const) or None)
        model = load_model(cfg)
    except SpecError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    try:
        session = Session(model)
        if args.trace is not None:
            try:
                text = args.trace.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise LoadError(f"{args.trace}: cannot read the trace: {e}") from None
            session.load(text, str(args.trace), args.property)
        elif args.property is not None:
            sys.stderr.write("verifier: error[U001]: --property needs --trace FILE\n")
            return EXIT_USAGE
    except (LoadError, ValueError) as e:
        sys.stderr.write(f"verifier: error[U005]: {e}\n")
        return EXIT_USAGE
    try:
        server = ExploreServer(session, args.port)
    except OSError as e:
        sys.stderr.write(f"verifier: error[U005]: cannot listen on 127.0.0.1:{args.port}: "
                         f"{e.strerror}\n  hint: another program uses the port? omit --port for a free one\n")
        return EXIT_USAGE
    sys.stdout.write(f"verifier explore: {cfg.name} at {server.url} (Ctrl-C stops)\n")
    sys.stdout.flush()
    if not args.no_browser:
        import webbrowser

        threading.Timer(0.3, webbrowser.open, (server.url,)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return EXIT_OK
