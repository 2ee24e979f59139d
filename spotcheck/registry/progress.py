"""Progress bars for the directory commands: tqdm on stderr, with rate and ETA."""

import sys
from typing import Any

from tqdm import tqdm


class TqdmProgress:
    """One bar per phase (校验, 比对已有对象, 写入); the rate is in rows a second."""

    def __init__(self, *, enabled: bool = True, stream: Any = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.bar: tqdm | None = None

    def phase(self, label: str, total: int | None) -> None:
        self.close()
        if self.enabled:
            self.bar = tqdm(
                total=total,
                desc=label,
                unit="行",
                unit_scale=bool(total and total >= 100_000),
                file=self.stream,
                dynamic_ncols=True,
                mininterval=0.5,
            )

    def advance(self, count: int) -> None:
        if self.bar is not None and count:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            if self.bar.total is not None and self.bar.n < self.bar.total:
                self.bar.total = self.bar.n  # the row estimate counted line breaks
                self.bar.refresh()
            self.bar.close()
            self.bar = None
