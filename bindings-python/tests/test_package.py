"""The package surface: stubs, py.typed, docstrings."""

from __future__ import annotations

import ast
import inspect
import pathlib

import pattern_learning as pl
from pattern_learning import _native

PKG = pathlib.Path(pl.__file__).parent


def stub_names() -> dict:
    tree = ast.parse((PKG / "_native.pyi").read_text())
    out: dict = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            out[node.name] = {
                n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            }
        elif isinstance(node, ast.FunctionDef):
            out[node.name] = None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = None
    return out


def test_py_typed_and_stubs_ship():
    assert (PKG / "py.typed").is_file()
    assert (PKG / "_native.pyi").is_file()


def test_stubs_cover_the_native_module():
    stubs = stub_names()
    public = {n for n in dir(_native) if not n.startswith("_")}
    assert public - set(stubs) == set(), "native names missing from _native.pyi"
    assert set(stubs) - public - {"__version__", "Action", "FeedbackActionName", "Vector"} == set()
    for name, members in stubs.items():
        cls = getattr(_native, name, None)
        if members is None or not isinstance(cls, type) or issubclass(cls, BaseException):
            continue
        real = {m for m in vars(cls) if not m.startswith("_")}
        real |= {m for m in ("__enter__", "__exit__", "__len__", "_time_process") if m in vars(cls)}
        assert real - members == set(), f"{name}: missing from the stub"
        assert members - real - {"__init__"} == set(), f"{name}: stubbed but absent"


def test_every_public_callable_has_a_docstring():
    for name in pl.__all__:
        obj = getattr(pl, name)
        if callable(obj):
            assert inspect.getdoc(obj), name
    for cls in (pl.Engine, pl.Decision, pl.Pattern, pl.FeedbackOutcome, pl.Dataset):
        for attr in dir(cls):
            if attr.startswith("_"):
                continue
            assert inspect.getdoc(getattr(cls, attr)), f"{cls.__name__}.{attr}"


def test_all_is_complete():
    assert sorted(pl.__all__) == sorted(set(pl.__all__))
    for name in pl.__all__:
        assert hasattr(pl, name)
