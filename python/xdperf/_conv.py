"""Copying ctypes structs into dataclasses with the same field names."""
from __future__ import annotations

import ctypes
import dataclasses
from typing import Any, Dict, Type, TypeVar

T = TypeVar("T")


def plain(st: ctypes.Structure, cls: Type[T], **override: Any) -> T:
    """cls(**{f: st.f}) for every dataclass field of cls that st has and override lacks;
    bytes members become str."""
    kw: Dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in override:
            kw[f.name] = override[f.name]
        elif hasattr(st, f.name):
            v = getattr(st, f.name)
            kw[f.name] = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
    return cls(**kw)
