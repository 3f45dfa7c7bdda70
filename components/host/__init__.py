"""The host engine: writes the rendered modules to a host, activates, rolls back.

`resources` (the Pulumi resources `HostModules`, `HostPrune`), `provider` and `prune`
(their dynamic providers), `props` and `target` (properties -> typed values),
`plan` (what to do, pure), `apply` and `rollback` (doing it), `move` (a changed target,
new place first), `manifest` (what nixedge owns on the host), `transport`, `local` and
`ssh` (how to reach it).
"""
