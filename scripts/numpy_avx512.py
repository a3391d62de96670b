"""Name numpy's AVX-512 code paths on this CPU, for NPY_DISABLE_CPU_FEATURES.

numpy 2.4 dispatches its SIMD kernels by target: X86_V3 (AVX2, FMA3), X86_V4 (the
AVX-512 base set) and AVX512_ICL, AVX512_SPR; NPY_DISABLE_CPU_FEATURES accepts only
those names. Printed: the AVX-512 targets this CPU has (an empty line if it has none,
as on many GitHub runners), space-separated; `--extra NAME...` adds more, e.g. X86_V3.
With `--check`, exit non-zero unless every AVX-512 target is off in this process
(run it with NPY_DISABLE_CPU_FEATURES set).
"""

from __future__ import annotations

import sys

from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__


def avx512_targets() -> list[str]:
    return [name for name in __cpu_dispatch__ if name == "X86_V4" or name.startswith("AVX512")]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        on = [name for name in avx512_targets() if __cpu_features__.get(name)]
        print(f"numpy AVX-512 paths on: {' '.join(on) or 'none'}")
        return 1 if on else 0
    extra = argv[1:] if argv[:1] == ["--extra"] else []
    present = [name for name in avx512_targets() if __cpu_features__.get(name)]
    print(" ".join(present + [name for name in extra if __cpu_features__.get(name)]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
