# Garage's NixOS module has no default package: a new major version needs a migration,
# so the stack picks it. NixOS 25.11 names Garage 1.x `garage_1`; 25.05 `garage_1_x`.
{ pkgs, ... }:
{
  services.garage.package = pkgs.garage_1 or pkgs.garage_1_x;
}
