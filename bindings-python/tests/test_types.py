"""Issue 27: the package's type surface, as a consumer sees it once the wheel is
installed: ``typed_consumer.py`` passes ``mypy --strict`` (which also fails if one of
its deliberate mistakes is not caught), then runs."""

from __future__ import annotations

import pathlib

import mypy.api

import typed_consumer

CONSUMER = pathlib.Path(typed_consumer.__file__)


def test_a_consumer_passes_mypy_strict(tmp_path):
    stdout, stderr, status = mypy.api.run(
        ["--strict", "--cache-dir", str(tmp_path / "mypy-cache"), str(CONSUMER)]
    )
    assert status == 0, stdout + stderr
    assert "Success: no issues found in 1 source file" in stdout


def test_mypy_strict_reads_the_installed_package(tmp_path):
    """The stubs checked are the wheel's (py.typed), not the source tree's."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import pattern_learning\n"
        "with pattern_learning.Engine.open('x.db') as e:\n"
        "    reveal_type(e)\n"
    )
    stdout, _, _ = mypy.api.run(["--strict", "--cache-dir", str(tmp_path / "c"), str(probe)])
    assert 'Revealed type is "pattern_learning._engine.Engine"' in stdout, stdout
    import pattern_learning

    assert "site-packages" in pattern_learning.__file__


def test_the_typed_consumer_runs(tmp_path):
    assert typed_consumer.run(tmp_path).startswith("propose 'Yes, online.'")
