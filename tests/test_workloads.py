"""The workload registry (components/model/workloads.py). This file proves:

- the kinds of workload are found from the site model's own fields (every field of
  `Site` keyed by `ContainerName`, the one namespace of workloads), not from a list
  written here, and each is registered in `workloads.KINDS`: a new kind added to the
  model without its facts fails here;
- every registered kind yields its facts (identity, host paths, units, addresses,
  ports it listens on and takes, start order) from a site that sets them all;
- an OCI app without `user` is uid 0 to every rule, and `check` says so.
"""

from __future__ import annotations

import copy
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from components.model import site_from_data
from components.model.site import Site
from components.model.types import ContainerName
from components.model.workloads import KINDS, Workload, run, workloads
from components.stackfile import read_stack_file
from tests.paths import REPO


def _workload_fields() -> set[str]:
    """The fields of Site that hold workloads: mappings keyed by a ContainerName."""
    found = set()
    for name, info in Site.model_fields.items():
        annotation = info.annotation
        if typing.get_origin(annotation) is dict and typing.get_args(annotation)[0] == ContainerName:
            found.add(name)
    return found


def test_every_kind_of_the_site_model_is_registered() -> None:
    fields = _workload_fields()
    assert fields >= {"containers", "oci_containers", "origins"}  # the finder finds what is there
    assert set(KINDS) == fields, "register the facts of each kind in components.model.workloads.KINDS"


# What makes a model a workload, whatever holds it: it runs as someone, has an address
# or is routed to.
WORKLOAD_MARKS = {"user", "address", "routes", "host_address"}


def _models_with_workload_fields(model: type[BaseModel] = Site) -> set[str]:
    """Fields of `model` holding models (in a mapping or a list) that look like workloads."""
    found = set()
    for name, info in model.model_fields.items():
        args = typing.get_args(info.annotation)
        for item in args[-1:]:
            if isinstance(item, type) and issubclass(item, BaseModel) and WORKLOAD_MARKS & set(item.model_fields):
                found.add(name)
    return found


def test_every_field_that_holds_workload_like_models_is_registered() -> None:
    """A kind keyed by something else than ContainerName, or held in a list, is found too."""
    assert _models_with_workload_fields() <= set(KINDS)


def test_the_finder_sees_a_new_kind() -> None:
    """The finder is not a list: a model with one more workload field shows it."""
    from pydantic import create_model

    vm = create_model("MicroVm", address=(str, ...))
    listed = create_model("Listed", __base__=Site, vms=(list[vm], []))  # type: ignore[valid-type]
    assert "vms" in _models_with_workload_fields(listed)
    extended = create_model("Extended", __base__=Site, microvms=(dict[ContainerName, int], {}))
    assert "microvms" in {
        n
        for n, i in extended.model_fields.items()
        if typing.get_origin(i.annotation) is dict and typing.get_args(i.annotation)[0] == ContainerName
    }


def _apps() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.apps.yaml"))
    data["origins"] = {
        "grafana": {"kind": "host", "address": "127.0.0.1", "routes": [{"hostname": "g.example.org", "port": 3000}]}
    }
    data["containers"]["uptime"]["forwardPorts"] = [{"hostPort": 2222, "containerPort": 22}]
    data["containers"]["uptime"]["after"] = ["podman-whoami.service"]
    return data


def _by_name(data: dict[str, Any]) -> dict[str, Workload]:
    return {w.name: w for w in workloads(Site.model_validate(data))}


def test_each_kind_yields_its_facts() -> None:
    w = _by_name(_apps())
    uptime, whoami, grafana = w["uptime"], w["whoami"], w["grafana"]
    assert [x.kind for x in w.values()] == ["container", "oci", "origin"]
    assert uptime.identity is not None and (uptime.identity.user, uptime.identity.uid) == ("uptime-kuma", 2001)
    assert whoami.identity is not None
    assert (whoami.identity.loc, whoami.identity.gid) == ("ociContainers.whoami.user", 2101)
    assert grafana.identity is None
    assert uptime.units == ("container@uptime.service",) and whoami.units == ("podman-whoami.service",)
    assert [(p.key, p.path, p.writable, p.mounted) for p in whoami.host_paths] == [
        ("ociContainers.whoami.stateDir", "/var/lib/whoami", True, True),
        ("ociContainers.whoami.environmentFiles[0]", "/run/secrets/whoami-env", False, False),
    ]
    assert uptime.addresses == (("containers.uptime.hostAddress", "10.50.0.10"),
                                ("containers.uptime.localAddress", "10.50.0.11"))  # fmt: skip
    assert whoami.addresses == (("ociContainers.whoami.address", "10.80.0.10"),)
    assert grafana.addresses == (("origins.grafana.address", "127.0.0.1"),)
    assert whoami.listens == (("ociContainers.whoami.routes[0].port", 8080),)
    assert [(p.key, p.port, p.address) for p in whoami.host_ports] == [
        ("ociContainers.whoami.ports[0].hostPort", 8081, "127.0.0.1")
    ]
    assert [(p.key, p.port) for p in uptime.host_ports] == [("containers.uptime.forwardPorts[0].hostPort", 2222)]
    assert [(r.key, r.protocol, r.port) for r in whoami.reaches] == [
        ("ociContainers.whoami.hostFirewall.allowedUdpPorts[0]", "udp", 53)
    ]
    assert [(e.key, e.unit) for e in uptime.edges] == [("containers.uptime.after[0]", "podman-whoami.service")]
    assert whoami.state_dir == "/var/lib/whoami" and uptime.state_dir == "/var/lib/uptime-kuma"


def test_an_oci_app_without_a_user_is_root_to_every_rule() -> None:
    data = _apps()
    del data["ociContainers"]["whoami"]["user"]
    (_, whoami) = run(Site.model_validate(data))
    assert whoami.identity is not None and whoami.identity.root and not whoami.identity.given
    site = site_from_data(data, "apps")
    assert site.oci_containers[0].user is None
    assert (
        "ociContainers.whoami.user: is left out, so the app runs as its image's user, root unless the image "
        "says otherwise; nixedge treats it as uid 0 in every rule. Give it a user of its own unless it needs root"
    ) in site.warnings


@pytest.mark.parametrize("second", ["b", "zz"])
def test_the_second_oci_app_is_a_workload_too(second: str) -> None:
    data = _apps()
    other = copy.deepcopy(data["ociContainers"]["whoami"])
    other.update(address="10.80.0.20", user={"name": "whoami2", "uid": 2102, "gid": 2102}, routes=[], ports=[])
    other.pop("stateDir")
    data["ociContainers"][second] = other
    assert [w.name for w in _by_name(data).values() if w.kind == "oci"] == ["whoami", second]
