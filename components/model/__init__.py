"""The site model: pydantic config, invariants, and the resolved site built from it."""

from components.model.load import load_stack, read_stack_file, site_from_data, site_from_engine, stack_path
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
    "Mount",
    "PublicRoute",
    "ResolvedContainer",
    "ResolvedSite",
    "ResolvedTunnel",
    "ServiceUser",
    "Site",
    "load_stack",
    "read_stack_file",
    "site_from_data",
    "site_from_engine",
    "stack_path",
]
