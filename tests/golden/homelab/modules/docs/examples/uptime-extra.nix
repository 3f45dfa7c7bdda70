# An ordinary NixOS module of your own, imported into the uptime container by
# reference (containers.uptime.imports); nixedge ships it next to the generated files.
{ lib, ... }:
{
  services.uptime-kuma.appriseSupport = lib.mkDefault true;
}
