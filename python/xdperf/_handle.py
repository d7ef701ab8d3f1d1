"""The common life of a library handle: freed by close(), at the end of a with block, or when
the object is collected (whichever comes first; close() is idempotent)."""

from typing import TypeVar

_T = TypeVar("_T", bound="Closable")


class Closable:
    """Base of the classes that own a libxdperf handle; each defines close()."""

    def close(self) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
