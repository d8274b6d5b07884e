"""Static check of every Hypothesis property test: its body asserts on every example it accepts.

A ``@given`` test that leaves some examples unchecked passes while testing less than it claims. The run-time
measurement (``--asserting-share``, tests/asserting_share.py) counts such examples; this module forbids the
idioms that produce them, so that a new test cannot reintroduce them unnoticed. For every function decorated
with ``@given(...)`` in ``tests/**/*.py`` (nested functions, lambdas and classes inside it are not its body):

1. no ``return`` statement (an early exit skips the assertions after it; the body needs no value);
2. no ``continue`` or ``break`` (they skip the rest of a loop body for some items; select the items with the
   strategy instead, or filter the collection before the loop);
3. an assertion on every path through the body: a statement sequence asserts when one of its statements does;
   an ``assert``, a call of a function named ``assert*``/``*.assert_*`` (numpy, torch), a ``with pytest.raises``
   / ``pytest.warns`` block, a call of a module-level function of the same file whose body asserts, and a
   ``with``/``try``/loop whose body asserts, assert; an ``if`` asserts only if *both* branches do (the ``else``
   included), a ``try`` only if each ``except`` handler asserts or re-raises.

Rules 1–3 are about the source; they cannot know that a loop's iterable is non-empty or that an ``assume``
rejects few examples. ``--asserting-share`` measures those at run time. Classification of examples belongs in
``hypothesis.event`` and rare exclusions in ``assume`` (which Hypothesis replaces by a fresh example).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
_SKIP_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _name(node: ast.AST) -> str:
    """Dotted name of a call target (``np.testing.assert_allclose``), or '' if it is not a plain name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _name(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return ""


def _is_given(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Call) and _name(decorator.func).split(".")[-1] == "given"


def _walk_body(stmts: list[ast.stmt]):
    """Every node of ``stmts`` except the insides of nested functions, lambdas and classes."""
    stack: list[ast.AST] = [s for s in stmts if not isinstance(s, _SKIP_NESTED)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, _SKIP_NESTED))


class _Asserts:
    """Decides whether a statement sequence executes an assertion on every path (rule 3)."""

    def __init__(self, module: ast.Module) -> None:
        self.helpers = {n.name: n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self._memo: dict[str, bool] = {}

    def call_asserts(self, call: ast.Call) -> bool:
        name = _name(call.func)
        last = name.split(".")[-1]
        if last.startswith("assert") or name in ("pytest.raises", "pytest.warns", "raises", "warns"):
            return True
        if name in self.helpers:
            if name not in self._memo:
                self._memo[name] = False  # recursion guard
                self._memo[name] = self.block(self.helpers[name].body)
            return self._memo[name]
        return False

    def expr(self, node: ast.AST | None) -> bool:
        """An expression statement asserts if it calls an assertion (first call on the path, not in a lambda)."""
        return node is not None and any(isinstance(n, ast.Call) and self.call_asserts(n) for n in _walk_body([node]))

    def stmt(self, node: ast.stmt) -> bool:
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign)):
            return self.expr(node.value)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            return any(self.expr(item.context_expr) for item in node.items) or self.block(node.body)
        if isinstance(node, ast.If):
            return self.block(node.body) and self.block(node.orelse)
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            return self.block(node.body)  # a non-empty iterable is checked at run time (--asserting-share)
        if isinstance(node, ast.Try):
            handlers_ok = all(self.block(h.body) or any(isinstance(s, ast.Raise) for s in h.body)
                              for h in node.handlers)
            return (self.block(node.body) and handlers_ok) or self.block(node.finalbody)
        return False

    def block(self, stmts: list[ast.stmt]) -> bool:
        return any(self.stmt(s) for s in stmts)


def violations(source: str, filename: str = "<test>") -> list[str]:
    """Rule violations of every @given test in ``source``, as 'file:line name: reason' strings."""
    module = ast.parse(source, filename)
    asserts = _Asserts(module)
    found = []
    for node in ast.walk(module):
        is_function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        if not is_function or not any(map(_is_given, node.decorator_list)):
            continue
        where = f"{filename}:{node.lineno} {node.name}"
        for inner in _walk_body(node.body):
            if isinstance(inner, ast.Return):
                found.append(f"{where}: `return` at line {inner.lineno} skips the assertions after it")
            elif isinstance(inner, (ast.Continue, ast.Break)):
                keyword = type(inner).__name__.lower()
                found.append(f"{where}: `{keyword}` at line {inner.lineno} skips assertions for some items")
        if not asserts.block(node.body):
            found.append(f"{where}: some path through the body executes no assertion (assertions only under an "
                         f"`if` without an asserting `else`, or none at all)")
    return found


def _test_modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "@given" in p.read_text(encoding="utf-8"))


def test_the_check_sees_the_property_tests():
    """The scan is not vacuous: it finds the @given tests of theory, numerics and nn_experiments."""
    modules = {p.relative_to(TESTS).parts[0] for p in _test_modules()}
    assert {"theory", "numerics", "nn_experiments"} <= modules
    count = sum(
        1 for p in _test_modules() for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(n, ast.FunctionDef) and any(map(_is_given, n.decorator_list))
    )
    assert count >= 50


@pytest.mark.parametrize("path", _test_modules(), ids=lambda p: str(p.relative_to(TESTS)))
def test_every_property_test_asserts_on_every_path(path):
    assert violations(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS.parent))) == []


BAD_BODIES = {
    "early return": """
@given(st.integers())
def test_bad(x):
    if x % 2:
        return
    assert x % 2 == 0
""",
    "assertion only in a branch": """
@given(st.integers())
def test_bad(x):
    if x > 0:
        assert x >= 1
""",
    "continue in a loop": """
@given(st.lists(st.integers()))
def test_bad(xs):
    for x in xs:
        if x < 0:
            continue
        assert x >= 0
""",
    "nothing asserted": """
@given(st.integers())
def test_bad(x):
    y = x + 1
""",
    "helper that asserts only in a branch": """
def check(x):
    if x > 0:
        assert x >= 1

@settings(max_examples=5)
@given(x=st.integers())
def test_bad(x):
    check(x)
""",
}

GOOD_BODIES = {
    "plain assert": "@given(st.integers())\ndef test_ok(x):\n    assert x == x\n",
    "both branches assert": "@given(st.integers())\ndef test_ok(x):\n    if x > 0:\n        assert x >= 1\n    else:\n"
                            "        assert x <= 0\n",
    "numpy assertion": "@given(st.floats(0, 1))\ndef test_ok(x):\n    np.testing.assert_allclose(x, x)\n",
    "pytest.raises": "@given(st.integers())\ndef test_ok(x):\n    with pytest.raises(ValueError):\n        f(x)\n",
    "helper asserts": "def check(x):\n    assert x == x\n\n@given(st.integers())\ndef test_ok(x):\n    check(x)\n",
    "nested function may return": "@given(st.integers())\ndef test_ok(x):\n    def g():\n        return x\n"
                                  "    assert g() == x\n",
}


@pytest.mark.parametrize("kind", BAD_BODIES)
def test_check_flags_a_bad_body(kind):
    """Negative control: each bad idiom is flagged (every one of these bodies, i.e. 5 of 5)."""
    assert violations(BAD_BODIES[kind]), kind


@pytest.mark.parametrize("kind", GOOD_BODIES)
def test_check_accepts_a_good_body(kind):
    assert violations(GOOD_BODIES[kind]) == []
