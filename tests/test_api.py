"""The public namespace: every name exported, typed and documented with checked examples."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import gradref
import gradref.examples


def test_all_is_exactly_the_public_names() -> None:
    public = {name for name in dir(gradref) if not name.startswith("_")} - {"examples"}
    assert set(gradref.__all__) == public
    assert gradref.__all__ == sorted(gradref.__all__)


@pytest.mark.parametrize(
    "name", [*gradref.__all__, *(f"examples.{n}" for n in gradref.examples.__all__)]
)
def test_documented_with_examples(name: str) -> None:
    obj = gradref
    for part in name.split("."):
        obj = getattr(obj, part)
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        return  # data: documented by a docstring after its assignment (griffe reads it)
    doc = inspect.getdoc(obj) or ""
    assert doc, name
    if inspect.isfunction(obj):
        examples = doc.partition("Examples\n--------\n")[2]
        assert ">>> " in examples, f"{name} has no Examples section"
        assert inspect.signature(obj).return_annotation is not inspect.Signature.empty


def test_every_public_name_is_in_the_api_reference() -> None:
    reference = (Path(__file__).parents[1] / "docs" / "reference.md").read_text(encoding="utf-8")
    assert [name for name in gradref.__all__ if f"::: gradref.{name}\n" not in reference] == []


def test_typed_marker_is_shipped() -> None:
    assert (Path(gradref.__file__).parent / "py.typed").is_file()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "jacobian",
            "(F, x, *, h=None, scheme='central', vectorized=False, noise=None, full_output=False)",
        ),
        ("hessian", "(f, x, *, h=None, scheme='central', vectorized=False, noise=None)"),
        (
            "gradient",
            "(f, x, *, h=None, scheme='central', vectorized=False, noise=None, full_output=False)",
        ),
        ("default_step", "(x, scheme='central', *, dtype=None, noise=None)"),
    ],
)
def test_signature(name: str, expected: str) -> None:
    # The pages call these with keywords; a renamed or reordered parameter breaks them.
    signature = inspect.signature(getattr(gradref, name))
    bare = signature.replace(
        parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
        return_annotation=inspect.Signature.empty,
    )
    assert str(bare) == expected


def test_the_scheme_types_are_exported_for_annotations() -> None:
    # A user annotates `scheme: gradref.Scheme`; its names are the ones the functions take.
    from typing import get_args

    assert get_args(gradref.Scheme) == tuple(gradref._schemes.DIFFERENCES)
    assert get_args(gradref.HessianScheme) == tuple(gradref._schemes.HESSIANS)
    assert set(get_args(gradref.HessianScheme)) <= set(get_args(gradref.Scheme))
    for scheme in get_args(gradref.Scheme):
        gradref.default_step([1.0], scheme)
