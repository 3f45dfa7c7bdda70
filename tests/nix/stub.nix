# Evaluates one generated module against small stubs of `lib`, `pkgs` and `config`, so
# that `nix-instantiate --eval --strict --json` can print the attribute tree it defines.
#
#   nix-instantiate --eval --strict --json tests/nix/stub.nix --argstr file /abs/module.nix
#
# A module that is a function is called with { lib, pkgs, config }; every
# `containers.<name>.config` lambda inside it is called too (with the container's own
# stub `config`), and the paths in `imports` become strings relative to `root` (the
# rendered directory, default: the module's own), e.g. "./network.nix", so that the
# result holds only JSON values. Nothing is built and nothing enters the Nix store.
{
  file,
  root ? toString (dirOf (/. + file)),
}:
let
  lib = {
    mkForce = content: {
      _type = "override";
      priority = 50;
      inherit content;
    };
    mkDefault = content: {
      _type = "override";
      priority = 1000;
      inherit content;
    };
    getExe = drv: "${drv.outPath}/bin/${drv.meta.mainProgram}";
    versionAtLeast = v: min: builtins.compareVersions v min >= 0;
  };
  pkgs = {
    cloudflared = {
      name = "cloudflared-stub";
      outPath = "/nix/store/00000000000000000000000000000000-cloudflared-stub";
      meta.mainProgram = "cloudflared";
      version = "2025.4.0";
    };
    postgresql = "stub:pkgs.postgresql";
    # NixOS 25.11's name; docs/examples/garage-package.nix falls back to 25.05's garage_1_x.
    garage_1 = "stub:pkgs.garage_1";
    writeShellScriptBin = name: text: { inherit name text; };
  };
  # Flake inputs, for modules given by reference (`flake:` imports).
  inputs.sops-nix.nixosModules.sops = "stub:inputs.sops-nix.nixosModules.sops";
  # The host's `config`: generated host modules need nothing from it but the package
  # nixpkgs' services.cloudflared runs (by default pkgs.cloudflared).
  hostConfig = {
    services.cloudflared.package = pkgs.cloudflared;
    virtualisation.podman.package = "stub:pkgs.podman";
  };
  # The `config` a container's inner module sees.
  containerConfig = {
    services.forgejo.package = "stub:forgejo-package";
  };
  relative =
    p:
    let
      text = toString p;
      prefix = builtins.substring 0 (builtins.stringLength root + 1) text;
    in
    if !builtins.isPath p then
      p
    else if prefix == root + "/" then
      "." + builtins.substring (builtins.stringLength root) (-1) text
    else
      throw "import outside the rendered directory ${root}: ${text}";
  withImports = m: if builtins.isAttrs m && m ? imports then m // { imports = map relative m.imports; } else m;
  call = f: args: if builtins.isFunction f then f args else f;
  inner = c:
    c // (if c ? config then {
      config = withImports (call c.config {
        inherit lib pkgs;
        config = containerConfig;
      });
    } else { });
  module = withImports (call (import (/. + file)) {
    inherit lib pkgs inputs;
    config = hostConfig;
  });
in
# A value file (tunnel-id.nix) is returned as it is.
if !builtins.isAttrs module then
  module
else
  module // (if module ? containers then { containers = builtins.mapAttrs (_: inner) module.containers; } else { })
