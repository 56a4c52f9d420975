"""Walking a spec (the stage after the testing tools): interactive exploration, random
simulation and trace validation of logs.

``simulate`` (``simulate.py``) walks a model at random for models too large to exhaust;
``replay`` (``replay.py``) searches for a behaviour that explains an observed log
(``events.py`` reads JSON-lines logs, ``mapping.py`` converts vendor log lines into
them); ``session.py`` is the explorer's state (a path through the reference semantics)
and ``server.py`` the local web page of ``verifier explore``. Every one of them returns
or shows plain ``verifier.results`` data, through the usual report writers.
"""

from verifier.explore.simulate import SimulateOptions, simulate

__all__ = ["SimulateOptions", "simulate"]
