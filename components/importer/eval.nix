# `nixedge import`: the option values a hand-written NixOS container setup defines,
# as JSON, without nixpkgs (nothing is built, nothing enters the Nix store).
#
#   nix-instantiate --eval --strict --json components/importer/eval.nix \
#     --arg files '[ /abs/container-network.nix /abs/forgejo.nix ]'
#
# Every module is called with small stubs of `lib` and `pkgs` and with `config`, the
# merge of every module's definitions over its options' defaults (a fixpoint, as NixOS
# computes it, without types or priorities). A container's `config` lambda is called
# with a stub of its own. What comes out: containers, the cloudflared tunnels, the
# PostgreSQL databases, the host's firewall and NAT, and the wrapper scripts.
{ files }:
let
  inherit (builtins) isAttrs isList isFunction attrNames foldl' mapAttrs filter;
  override = priority: content: { _type = "override"; inherit priority content; };
  lib = {
    mkOption = attrs: attrs // { _isOption = true; };
    mkEnableOption = description: { _isOption = true; default = false; inherit description; };
    mkForce = override 50;
    mkDefault = override 1000;
    mkIf = condition: content: if condition then content else { };
    types = {
      submodule = x: x; attrsOf = x: x; listOf = x: x; nullOr = x: x;
      str = "str"; int = "int"; bool = "bool"; port = "port"; path = "path";
    };
  };
  pkgs = {
    writeShellScriptBin = name: text: { _wrapper = true; inherit name text; };
    cloudflared = "stub:pkgs.cloudflared";
    postgresql = "stub:pkgs.postgresql";
  };
  call = f: args: if isFunction f then f args else f;
  # A module's definitions: its `config`, or the module itself in the short form.
  body = m: if m ? config || m ? options then (m.config or { }) else removeAttrs m [ "imports" ];
  defaults = opts:
    if opts ? _isOption then opts.default or null
    else if isAttrs opts then mapAttrs (_: defaults) opts
    else opts;
  merge = a: b:
    if isAttrs a && isAttrs b && !(a ? _type) && !(b ? _type) then
      a // mapAttrs (k: v: if a ? ${k} then merge a.${k} v else v) b
    else if isList a && isList b then a ++ b
    else b;
  modules = map import files;
  called = map (m: call m { inherit lib pkgs config; }) modules;
  config = foldl' merge { } (map (m: defaults (m.options or { })) called ++ map body called);
  containerConfig = { services.forgejo.package = "stub:forgejo-package"; };
  inner = c: c // (if c ? config then {
    config = call c.config { inherit lib pkgs; config = containerConfig; };
  } else { });
in
{
  containers = mapAttrs (_: inner) (config.containers or { });
  tunnels = config.services.cloudflared.tunnels or { };
  postgresql = config.services.postgresql or { };
  firewall = config.networking.firewall or { };
  nat = config.networking.nat or { };
  wrappers = filter (p: isAttrs p && p ? _wrapper) (config.environment.systemPackages or [ ]);
  services = attrNames (config.systemd.services or { });
  systemd = mapAttrs (_: s: { after = s.after or [ ]; requires = s.requires or [ ]; }) (config.systemd.services or { });
}
