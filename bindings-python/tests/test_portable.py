"""Issue 27: the installed native module loads on any x86_64 Linux with glibc 2.17 or
newer, and the check that says so (scripts/check_portable.py) rejects a module built
the ordinary way on this machine, whose glibc is newer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO, replay_binary

import pattern_learning._native as native

CHECK = REPO / "scripts" / "check_portable.py"


def check(path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK), path], capture_output=True, text=True, timeout=120
    )


def test_the_installed_module_needs_glibc_2_17_at_most():
    result = check(native.__file__)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout and "NOT PORTABLE" not in result.stderr


def test_the_check_rejects_a_binary_linked_against_this_machines_glibc():
    binary = replay_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI: examples/replay is not built (scripts/test.sh builds it)")
        pytest.skip("examples/replay is not built (cargo build --release --example replay)")
    result = check(str(binary))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NOT PORTABLE" in result.stderr and "> 2.17" in result.stderr, result.stderr
