"""Request models for follows and the shopper's preferences."""

from __future__ import annotations

from pydantic import StrictBool

from chalicelib.schemas.common import RequestModel


class PreferencesPut(RequestModel):
    """The personalisation switch: false gives the non-personal recommendations list."""

    personalized: StrictBool
