"""Name numpy's AVX-512 code paths on this CPU, for NPY_DISABLE_CPU_FEATURES.

numpy dispatches its SIMD kernels by target: X86_V3 (AVX2, FMA3), X86_V4 (the AVX-512
base set), AVX512_ICL, AVX512_SPR. `numpy.lib.introspect.opt_func_info` (public) says,
for every dispatched kernel, which targets this CPU can run ("available") and which one
it runs now ("current"). Printed: the AVX-512 targets some kernel can run here (an empty
line if none, as on many GitHub runners), space-separated; `--extra NAME...` adds more of
the available ones, e.g. X86_V3. With `--check`, exit non-zero unless no kernel runs an
AVX-512 target in this process (run it with NPY_DISABLE_CPU_FEATURES set).
"""

from __future__ import annotations

import sys

from numpy.lib.introspect import opt_func_info


def targets(field: str) -> set[str]:
    """The targets named in ``field`` ("available" or "current") of any kernel."""
    found: set[str] = set()
    for signatures in opt_func_info().values():
        for info in signatures.values():
            found.update(info[field].replace("baseline(", " ").replace(")", " ").split())
    return found


def is_avx512(name: str) -> bool:
    return name == "X86_V4" or name.startswith("AVX512")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        on = sorted(filter(is_avx512, targets("current")))
        print(f"numpy AVX-512 paths on: {' '.join(on) or 'none'}")
        return 1 if on else 0
    available = targets("available")
    extra = argv[1:] if argv[:1] == ["--extra"] else []
    print(" ".join(sorted(filter(is_avx512, available)) + [n for n in extra if n in available]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
