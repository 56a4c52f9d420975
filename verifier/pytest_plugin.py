"""The pytest plugin under its registered name: ``verifier.pytest_plugin``.

The ``pytest11`` entry point (``verifier = "verifier.pytest_plugin"``) and ``pytest -p
verifier.pytest_plugin`` name this module; the plugin itself is
``verifier/testing/pytest_plugin.py``. The name is kept stable because an entry point
that names a missing module stops every pytest run in the environment, and an editable
install does not refresh its entry points on ``git pull``.
"""

from verifier.testing.pytest_plugin import pytest_addoption, pytest_collect_file

__all__ = ["pytest_addoption", "pytest_collect_file"]
