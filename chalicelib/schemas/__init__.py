"""Request models (pydantic) and response views.

The request-model modules load on first use (`schemas.catalog.ProductCreate` imports
`schemas/catalog.py` then): building pydantic models costs more at import than the rest of the
app, and a cold start that serves a storefront read never needs them.
"""

import importlib

_LAZY = frozenset({"aftercare", "catalog", "common", "orders", "scores"})


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
