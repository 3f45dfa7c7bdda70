"""The invariants that span several keys, one module per topic.

pydantic checks each value alone (`components.model.site`); these modules check what
only the whole site can show, and derive the values that follow from it. Each function
takes the site and a `Report`, adds every problem it finds (so one run shows them all)
and returns what it derived. `components.model.resolve` runs them in order.

- `addresses`: subnet membership, uniqueness, allocation
- `identities`: container and host names, users and groups
- `mounts`: bind mounts, state directories, secrets' paths, nixedge's own paths, all
  through the one path policy of `components.model.paths`
- `routes`: zones, route ports and protocols, unique hostnames
- `dns`: the tunnel, its further DNS records and imports, what publishing needs
- `postgresql`: the PostgreSQL server container and its clients
- `secrets`: secrets by reference
- `literal_secrets`: no literal token, password or key in settings, `nixos` or OCI environment
- `isolation`: user namespaces, resources, forwarded ports, the container firewall
- `host`: the activation and rollback commands
- `nspawn`: extraFlags and allowedDevices, beyond what the path policy sees in mounts
- `order`: no container started after itself or in a loop

A rule of one app lives with that app's preset (`components.model.presets`).
"""
