"""The C allocator told to keep freed memory for reuse instead of returning it at once.

Screening a flight allocates and frees large buffers (the engine's JSON
facts and results, decoded partitions) many times a second. A process with
several threads gives each its own glibc arena, whose heap is handed back to
the kernel page by page as soon as its top is free (Dask's workers even
lower the threshold to 64 KiB); the next buffer faults every page in again,
zeroed. In a replay worker that was about a fifth of all CPU time, in the
kernel: about 12 page faults per traveler, 30 s of system time for a
million travelers. Growing and trimming each heap `TOP_PAD` at a time,
above a `TRIM_THRESHOLD` of free memory, removes that; the resident set
stays near its peak, which is what a memory bound measures anyway.

glibc reads these settings when the process starts: an arena created
before a later ``mallopt`` keeps trimming (measured), so they are given to
worker processes in their environment (`ENVIRONMENT`) rather than set from
inside. Other C libraries ignore them.
"""

from __future__ import annotations

from typing import Final

TRIM_THRESHOLD: Final = 256 << 20
TOP_PAD: Final = 64 << 20
ENVIRONMENT: Final = {
    "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD),
    "MALLOC_TOP_PAD_": str(TOP_PAD),
}
