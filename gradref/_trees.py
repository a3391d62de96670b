"""Points of any shape: an array, or a tree (dicts, lists, tuples) of arrays, as one vector.

The derivatives are taken along the n entries of one flat float64 vector: `flatten`
makes it, with a `Structure` that gives the points `f` is called at, and the results,
back in the point's own shape (each leaf a reshaped view), and that converts between a
flat index and a location: an int for a 1-D point, an index tuple ``(2, 3)`` for an N-d
array, a path ``("W1", (2, 3))`` for a tree (the keys down to a leaf, then the index
within it). A 1-D array is the vector itself: nothing is wrapped or reshaped.

The rule, the one the docstrings state: a list or tuple is an array, as numpy reads it,
when everything in it, to any depth, is a number (a `numbers.Number`, or anything of
``ndim == 0``: a numpy scalar, a 0-d array of numpy, JAX or another library) or such a
list or tuple; one that holds anything else (an array of 1 or more dimensions, a dict,
None) is a container. The containers of the point x are exactly dict (its keys in
insertion order), list and tuple: a subclass (an OrderedDict, a namedtuple) is refused
with a TypeError where it is a container, though a namedtuple of numbers is an array, as
numpy reads it. A value given in x's structure (h, u, grad(x): `Structure.ravel`) is
matched to it by kind: any dict (an OrderedDict too, its keys in any order) where x has a
dict, any list or tuple where x has a list or tuple; x's structure orders its leaves.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Number
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradref._validation import (
    as_array,
    as_index,
    as_point,
    as_steps,
    as_unit_vector,
    steps_ndim,
)

Point = ArrayLike | Mapping[Any, Any] | Sequence[Any]
"""A point: an array_like of real numbers, or a dict, list or tuple of them, nested."""
Location = int | tuple[Any, ...]
Tree = Any
"""A value in the point's structure: an ndarray for an array point, else a dict, list or
tuple of ndarrays (numpy's types cannot say which, so it is typed Any)."""
Path = tuple[Any, ...]


@dataclass(frozen=True)
class Leaf:
    """One array of the point: its shape and where its entries start in the vector."""

    shape: tuple[int, ...]
    start: int

    @property
    def stop(self) -> int:
        return self.start + math.prod(self.shape)


@dataclass(frozen=True)
class Structure:
    """The shape of a point: a `Leaf` (an array), or a dict, list or tuple of nodes."""

    tree: Any
    size: int

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of an array point (a tree has none)."""
        if not isinstance(self.tree, Leaf):
            raise TypeError("a tree has no shape")
        return self.tree.shape

    @property
    def is_vector(self) -> bool:
        """Whether the point is a 1-D array: then its vector is itself."""
        return isinstance(self.tree, Leaf) and len(self.tree.shape) == 1

    def unflatten(self, vector: NDArray[Any]) -> Any:
        """Return `vector`, shape (..., n), in the point's structure: leaves (..., *shape)."""
        if self.is_vector:
            return vector
        batch = vector.shape[:-1]
        return _build(
            self.tree, lambda leaf: vector[..., leaf.start : leaf.stop].reshape(batch + leaf.shape)
        )

    def wrap(self, f: Callable[[Any], Any]) -> Callable[[NDArray[Any]], Any]:
        """Return `f` called at the point in this structure, for the engine's vectors."""
        if self.is_vector:
            return f
        return lambda vector: f(self.unflatten(vector))

    def ravel(self, value: Any, name: str) -> NDArray[np.float64]:
        """Return `value`, finite and of this structure (leaf shapes too), as a vector.

        A wrong type where this structure has a leaf, a dict or a list (an array, a dict
        or a list in its place, None) is a TypeError; wrong keys, length or shape, or a
        value that is not finite, a ValueError.
        """
        arrays: list[NDArray[np.float64]] = []
        _match(self.tree, value, name, "x", arrays)
        return np.concatenate([array.ravel() for array in arrays])

    def flat(self, value: Any) -> NDArray[np.float64]:
        """Return a value known to have this structure (a result's) as a vector."""
        if self.is_vector:
            return np.asarray(value, dtype=np.float64)
        return np.concatenate([np.ravel(v) for v in _values(self.tree, value)])

    def steps(self, h: Any) -> NDArray[np.float64] | None:
        """Return `h`: None, one step, or one per entry in this structure; shape (n,)."""
        if self.is_vector or h is None:
            return as_steps(h, self.size)
        # Where x is a tree, a list or tuple h is matched to it by kind, as `u` and
        # grad(x) are; elsewhere a number (or 0-d array) is one step for every entry.
        matched = isinstance(h, dict) or (
            not isinstance(self.tree, Leaf) and isinstance(h, (list, tuple))
        )
        if not matched and steps_ndim(h) == 0:
            return as_steps(h, self.size)
        steps = self.ravel(h, "h")
        bad = np.flatnonzero(steps <= 0)
        if bad.size:
            raise ValueError(
                f"`h` must be positive; `{self.entry(bad[0], 'h')}` is {steps[bad[0]]}."
            )
        return steps

    def unit(self, u: Any) -> NDArray[np.float64]:
        """Return the direction `u`, in this structure, as a unit vector of n entries."""
        if self.is_vector:
            return as_unit_vector(u, self.size)
        if isinstance(self.tree, Leaf):
            return as_unit_vector(self.ravel(u, "u"), self.size)
        fix = "divide every array of `u` by the norm of all its entries together"
        return as_unit_vector(self.ravel(u, "u"), self.size, fix)

    def batchable(self) -> None:
        """Refuse a 0-d entry for a vectorized `f`: stacked, it is one value per point.

        Stacked, a 0-d entry has shape (p,), which cannot be told from one value per
        point, so an `f` written for one point would pass the shape check.
        """
        for path, leaf in _leaves(self.tree, ()):
            if not leaf.shape:
                where = _text("x", path)
                raise ValueError(
                    f"`vectorized` = True cannot stack `{where}`, which is 0-d: stacked, it "
                    "has shape (p,), which cannot be told from one value per point. Give "
                    f"`{where}` shape (1,), or pass vectorized=False."
                )

    def location(self, k: int) -> Location:
        """Return where entry `k` of the vector is in the point."""
        if self.is_vector:
            return int(k)
        path, leaf = next((p, leaf) for p, leaf in _leaves(self.tree, ()) if k < leaf.stop)
        index = tuple(int(i) for i in np.unravel_index(k - leaf.start, leaf.shape))
        return index if isinstance(self.tree, Leaf) else (*path, index)

    def stacked(self, rows: int) -> Any:
        """Return the shape `f` gets for `rows` points stacked: a tree of shapes for a tree."""
        if isinstance(self.tree, Leaf):
            return (rows, *self.tree.shape)
        return _build(self.tree, lambda leaf: (rows, *leaf.shape))

    def label(self, k: int) -> str:
        """Return entry `k`'s location as the report and the messages print it."""
        return repr(self.location(k))

    def entry(self, k: int, name: str = "x") -> str:
        """Return entry `k` as an expression: ``x["W"][1, 2]``, ``x[1, 2]``, ``x[3]``."""
        location = self.location(k)
        if isinstance(location, int):
            return f"{name}[{location}]"
        path, index = (
            ((), location) if isinstance(self.tree, Leaf) else (location[:-1], location[-1])
        )
        return _text(name, path) + _index_text(index)

    def quoted(self, k: int, name: str = "x") -> str:
        """Return entry `k` quoted for a message: ```x`[3]`` (1-D, as always), ```x[1, 2]```."""
        return f"`{name}`[{k}]" if self.is_vector else f"`{self.entry(k, name)}`"

    def index(self, i: Any) -> int:
        """Return the vector's index of the location `i` (see `partial_derivative`)."""
        if self.is_vector:
            return as_index(i, self.size)
        if isinstance(self.tree, Leaf):
            return _within(i, self.tree, "x")
        if not isinstance(i, tuple):
            raise TypeError(
                "`i` must be a path for a tree `x`, a tuple such as ('W1', (2, 3)): the keys "
                f"down to a leaf, then the index within it; got {type(i).__name__}."
            )
        node, path = self.tree, list(i)
        walked: Path = ()
        while not isinstance(node, Leaf):
            if not path:
                raise ValueError(
                    f"`i` = {i!r} ends at `{_text('x', walked)}`, a {type(node).__name__}: "
                    "it must go down to a leaf, then give the index within it."
                )
            key = path.pop(0)
            node = _child(node, key, i, walked)
            walked = (*walked, key)
        if len(path) > 1:
            raise ValueError(
                f"`i` = {i!r} has more than one item after the path to the leaf "
                f"`{_text('x', walked)}`: give one index tuple (or none for a 0-d leaf)."
            )
        return _within(path[0] if path else (), node, _text("x", walked))


def vector(n: int) -> Structure:
    """Return the structure of a 1-D point of `n` entries."""
    return Structure(Leaf((n,), 0), n)


def flatten(x: Any, name: str = "x") -> tuple[NDArray[np.float64], Structure]:
    """Return the point `x` as a fresh, finite float64 vector of its n entries, and its shape.

    A 1-D array is checked as it always was (`as_point`); anything else leaf by leaf, the
    messages naming the leaf's path.
    """
    if not _is_container(x) and _ndim(x) == 1:
        vector = as_point(x, name, "an array")  # of any shape: "1-D" would mislead
        return vector, Structure(Leaf(vector.shape, 0), vector.size)
    arrays: list[NDArray[np.float64]] = []
    tree = _flatten(x, name, arrays)
    vector = np.concatenate([array.ravel() for array in arrays])
    return vector, Structure(tree, vector.size)


def flatten_array(x: Any, purpose: str) -> tuple[NDArray[np.float64], Structure]:
    """Return the point `x`, an array of any shape but not a tree, as a vector, and its shape.

    `purpose` says what needs one array: "the Jacobian's shape, F(x).shape + x.shape".
    """
    if _is_container(x):  # before its leaves are read: its contents do not matter here
        raise TypeError(
            f"`x` must be an array of real numbers (of any shape), not a "
            f"{type(x).__name__} of arrays: {purpose} needs one array. Pass the entries as "
            "one array, e.g. np.concatenate([np.ravel(leaf) for leaf in leaves])."
        )
    return flatten(x)


def _ndim(x: Any) -> int | None:
    """Return the number of dimensions of an array_like, or None if numpy cannot read it."""
    try:
        return int(np.ndim(x))
    except (TypeError, ValueError):  # ragged nested lists
        return None


def _is_container(value: Any) -> bool:
    """Whether `value` is a node of a tree rather than an array: see the module's rule."""
    if isinstance(value, dict):
        return True
    return isinstance(value, (list, tuple)) and not _numbers(value)


def _numbers(value: Any) -> bool:
    """Whether `value` is a number, or a list or tuple of such to any depth (an array).

    A number is a `numbers.Number` or anything of ``ndim == 0``: a numpy scalar, or a
    0-d array of numpy, JAX or any other library.
    """
    if isinstance(value, (list, tuple)):
        return all(_numbers(item) for item in value)
    return isinstance(value, Number) or getattr(value, "ndim", None) == 0


def _flatten(value: Any, label: str, arrays: list[NDArray[np.float64]]) -> Any:
    """Return the node of `value`, appending its leaves' arrays to `arrays`."""
    if not _is_container(value):
        array = _leaf(value, label)
        start = sum(a.size for a in arrays)
        arrays.append(array)
        return Leaf(array.shape, start)
    kind = type(value)
    if kind not in (dict, list, tuple):
        raise TypeError(
            f"`{label}` must be a dict, list or tuple (or an array), not {kind}: "
            f"convert it, e.g. with {'dict' if isinstance(value, dict) else 'tuple'}()."
        )
    if not value:
        raise ValueError(f"`{label}` is an empty {kind.__name__}: it must hold arrays.")
    items = value.items() if isinstance(value, dict) else enumerate(value)
    children = {key: _flatten(item, _text(label, (key,)), arrays) for key, item in items}
    return children if kind is dict else kind(children.values())


def _leaf(value: Any, label: str) -> NDArray[np.float64]:
    """Return one leaf as a fresh, non-empty, finite float64 array."""
    if not isinstance(value, (Number, np.generic, np.ndarray, list, tuple)) and not hasattr(
        value, "__array__"
    ):
        raise TypeError(f"`{label}` must be an array of real numbers, not {type(value)}.")
    array = np.array(as_array(value, label, "an array", label.startswith("x")), dtype=np.float64)
    if array.size == 0:
        raise ValueError(f"`{label}` has no entries.")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        where = np.unravel_index(bad[0], array.shape)
        raise ValueError(
            f"`{label}` must be finite (no NaN or inf); `{label}{_index_text(where)}` is "
            f"{array.ravel()[bad[0]]}."
        )
    return array


def _match(node: Any, value: Any, label: str, like: str, arrays: list[NDArray[np.float64]]) -> None:
    """Append `value`'s leaves to `arrays`, refusing where its structure is not `node`'s."""
    if isinstance(node, Leaf):
        if _is_container(value):
            kind = type(value).__name__
            raise TypeError(
                f"`{label}` must be an array, as `{like}` is; got a {kind}"
                + (
                    " (one is an array only when it holds numbers alone)."
                    if kind != "dict"
                    else "."
                )
            )
        array = _leaf(value, label)
        if array.shape != node.shape:
            raise ValueError(
                f"`{label}` must have the shape of `{like}`, {node.shape}; got {array.shape}."
            )
        arrays.append(array)
        return
    if isinstance(node, dict):
        if not isinstance(value, dict) or set(value) != set(node):
            error = ValueError if isinstance(value, dict) else TypeError
            got = list(value) if isinstance(value, dict) else type(value).__name__
            raise error(
                f"`{label}` must be a dict with the keys of `{like}`, {list(node)}; got {got}."
            )
        for key, child in node.items():
            _match(child, value[key], _text(label, (key,)), _text(like, (key,)), arrays)
        return
    if not isinstance(value, (list, tuple)) or len(value) != len(node):
        sequence = isinstance(value, (list, tuple))
        got = f"a {type(value).__name__}" + (f" of {len(value)}" if sequence else "")
        raise (ValueError if sequence else TypeError)(
            f"`{label}` must be a {type(node).__name__} of {len(node)} like `{like}`; got {got}."
        )
    for key, (child, item) in enumerate(zip(node, value, strict=True)):
        _match(child, item, _text(label, (key,)), _text(like, (key,)), arrays)


def _build(node: Any, leaf: Callable[[Leaf], Any]) -> Any:
    """Return `node` with each `Leaf` replaced by ``leaf(Leaf)``."""
    if isinstance(node, Leaf):
        return leaf(node)
    if isinstance(node, dict):
        return {key: _build(child, leaf) for key, child in node.items()}
    return type(node)(_build(child, leaf) for child in node)


def _leaves(node: Any, path: Path) -> Iterator[tuple[Path, Leaf]]:
    """Yield each leaf's path and `Leaf`, in the order of the vector."""
    if isinstance(node, Leaf):
        yield path, node
        return
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in items:
        yield from _leaves(child, (*path, key))


def _values(node: Any, value: Any) -> Iterator[Any]:
    """Yield the leaves of `value`, which has the structure `node`, in the vector's order."""
    if isinstance(node, Leaf):
        yield value
        return
    keys = node.keys() if isinstance(node, dict) else range(len(node))
    for key in keys:
        yield from _values(node[key], value[key])


def _child(node: Any, key: Any, i: Any, walked: Path) -> Any:
    """Return the child `key` of a container, for the location `i`."""
    where = _text("x", walked)
    if isinstance(node, dict):
        try:
            return node[key]
        except (KeyError, TypeError):
            raise ValueError(
                f"`i` = {i!r}: `{where}` has no key {key!r}; its keys are {list(node)}."
            ) from None
    position = None if isinstance(key, bool) else _position(key)
    if position is None:
        raise TypeError(
            f"`i` = {i!r}: `{where}` is a {type(node).__name__} of {len(node)}, so the next "
            f"item must be an integer position; got {type(key).__name__} {key!r}."
        )
    if not 0 <= position < len(node):
        raise ValueError(
            f"`i` = {i!r}: `{where}` is a {type(node).__name__} of {len(node)}, so the next "
            f"item must be an integer in 0..{len(node) - 1}; got {key!r}."
        )
    return node[position]


def _position(key: Any) -> int | None:
    """Return `key` as a list position (an int, or numpy's), or None."""
    try:
        return operator.index(key)
    except TypeError:
        return None


def _within(index: Any, leaf: Leaf, where: str) -> int:
    """Return the vector's index of `index` within `leaf` (an int for a 1-D leaf)."""
    shape = leaf.shape
    if len(shape) == 1 and not isinstance(index, tuple):
        index = (_as_int(index, where),)
    if not isinstance(index, tuple):
        size, flat = math.prod(shape), ""
        if not isinstance(index, bool) and isinstance(index, int) and 0 <= index < size:
            within = tuple(int(k) for k in np.unravel_index(index, shape))
            flat = f"; the flat index {index} is {within}"
        raise TypeError(
            f"`i` must be an index tuple within `{where}` of shape {shape}, such as "
            f"{tuple(d - 1 for d in shape)}; got {type(index).__name__} {index!r}{flat}."
        )
    if len(index) != len(shape):
        raise ValueError(
            f"`i` must index `{where}` of shape {shape} with {len(shape)} "
            f"integer{'s' * (len(shape) != 1)}; got {index!r}."
        )
    ints = tuple(_as_int(k, where) for k in index)
    if not all(0 <= k < d for k, d in zip(ints, shape, strict=True)):
        raise ValueError(
            f"the index {index!r} in `i` must satisfy 0 <= index[k] < shape[k] within "
            f"`{where}` of shape {shape}."
        )
    return leaf.start + int(np.ravel_multi_index(ints, shape)) if shape else leaf.start


def _as_int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"`i` must be made of integer indices within `{where}`, got bool.")
    try:
        return operator.index(value)
    except TypeError as err:
        raise TypeError(
            f"`i` must be made of integer indices within `{where}`, got {type(value).__name__}."
        ) from err


def _text(name: str, path: Path) -> str:
    """Return the expression of a path: ``x["W1"][0]``, each key as Python writes it."""
    return name + "".join(f"[{_key(key)}]" for key in path)


def _key(key: Any) -> str:
    """Return a key as a literal: its ``repr``, in double quotes for a str without any."""
    text = repr(key)
    if isinstance(key, str) and '"' not in key:
        return f'"{text[1:-1]}"'  # repr chose single quotes, or double for a key with '
    return text


def _index_text(index: tuple[Any, ...]) -> str:
    """Return an index within a leaf as an expression: ``[1, 2]``, or nothing for 0-d."""
    return f"[{', '.join(str(int(k)) for k in index)}]" if index else ""
