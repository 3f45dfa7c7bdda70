"""The site model: pydantic config, invariants, and the resolved site built from it."""

from components.model.load import site_from_data
from components.model.modules import ModuleTexts, Unreadable
from components.model.resolved import (
    IngressRule,
    Mount,
    PublicRoute,
    ResolvedContainer,
    ResolvedSite,
    ResolvedTunnel,
    ServiceUser,
)
from components.model.site import Site

__all__ = [
    "IngressRule",
    "ModuleTexts",
    "Mount",
    "PublicRoute",
    "ResolvedContainer",
    "ResolvedSite",
    "ResolvedTunnel",
    "ServiceUser",
    "Site",
    "Unreadable",
    "site_from_data",
]
