"""Keep freed memory in the process, so that training does not wait on the kernel to hand it out again.

Training allocates and frees the same large tensors at every step: a batch of
activations, a gradient, an optimiser's scratch space, 0.1 to 30 MB each.
glibc's ``malloc`` serves such sizes with ``mmap`` at first and returns the
top of its heap to the operating system once more than a few MB are free.
Every later allocation of that memory is then zero-filled by the kernel, one
4 KB page fault at a time. Chapter 4's six 500-unit masked MLPs, for
instance, take 580,000 to 740,000 page faults in 300 steps, and 190,000 with
this setting; in repeated A/B runs on a 2-core CPU the steps were 5 to 15%
faster.

:func:`keep_freed_memory` tells glibc to serve blocks of up to 32 MB from its
heap and to keep freed heap memory for reuse. The numbers a computation gives
do not change (only where its memory comes from does); the process's resident
memory stays near its peak instead of shrinking after it. The trainers
(:mod:`mnist1d.train`) and the linear probe (:mod:`mnist1d.probes`) call it;
elsewhere than Linux with glibc it does nothing. To keep glibc's defaults
(say, in a long-lived process that should hand memory back after training),
set the environment variable ``MNIST1D_KEEP_FREED_MEMORY=0`` before the
first training.

Example
-------
>>> from mnist1d.memory import keep_freed_memory
>>> keep_freed_memory() in (True, False)  # True where glibc took the setting
True
>>> keep_freed_memory() == keep_freed_memory()  # calling it again changes nothing
True
"""

import ctypes
import ctypes.util
import functools
import os
import sys

__all__ = ["keep_freed_memory"]

# mallopt's parameter numbers, from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
LARGEST_HEAP_BLOCK = 32 * 1024 * 1024  # glibc's largest allowed M_MMAP_THRESHOLD on 64-bit systems
KEPT_FREE = 2**31 - 1  # mallopt takes an int: about 2 GB of free heap is kept before any is given back
SWITCH = "MNIST1D_KEEP_FREED_MEMORY"  # "0": leave glibc's defaults alone; "1" (or unset): keep freed memory


@functools.cache
def keep_freed_memory():
    """Ask glibc's malloc to reuse freed memory instead of returning it to the kernel; True if it agreed.

    Idempotent and process-wide: the first call decides. Returns False, and
    changes nothing, where the C library is not glibc (macOS, Windows, musl)
    or where the environment variable ``MNIST1D_KEEP_FREED_MEMORY`` is ``0``.
    """
    switch = os.environ.get(SWITCH, "1")
    if switch not in ("0", "1"):
        raise ValueError(f"the environment variable {SWITCH} must be 0 (keep glibc's defaults) or 1 (keep freed "
                         f"memory, the default), got {switch!r}")
    if switch == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # no glibc: nothing to tune
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, LARGEST_HEAP_BLOCK)) and bool(mallopt(M_TRIM_THRESHOLD, KEPT_FREE))
