# The Pulumi engine for this checkout, sourced by scripts/setup (its helpers `running`,
# `done_`, `skip`, `die`, `logged` and its variables `repo`, `venv`, `cache` in scope):
# a `pulumi` on PATH (the official installer's) when there is one; else the CLI built
# from Go modules, with our language host and dynamic provider plugin, which the
# official download would have brought, as shims in .venv/bin.

# Newer than the SDK pinned in requirements.txt (pulumi==3.272.0) because 3.272.0 is not
# served as Go modules; v3.274.1 is the nearest that builds, and a CLI newer than the SDK
# is supported.
PULUMI_CLI_VERSION=v3.274.1
# The one replace directive of github.com/pulumi/pulumi/pkg/v3's go.mod at that version
# (`go install ...@version` refuses modules with replaces, hence the wrapper module).
CLIPBOARD_REPLACE=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
cli_dir="$cache/pulumi-cli/$PULUMI_CLI_VERSION"

# A `pulumi` on PATH (the official installer's ~/.pulumi/bin, say) wins; our own
# .venv/bin symlink does not count, or the choice could never change.
find_pulumi_on_path() {
  local dir
  local -a dirs
  IFS=: read -ra dirs <<<"${PATH:-}"
  for dir in "${dirs[@]}"; do
    [[ -n $dir && -x $dir/pulumi && ! -d $dir/pulumi ]] || continue
    [[ $(readlink -f "$dir") == "$(readlink -f "$venv/bin")" ]] && continue
    readlink -f "$dir/pulumi"
    return
  done
  return 0
}
cli_version() { PULUMI_SKIP_UPDATE_CHECK=true "$1" version 2>/dev/null || true; }

# Sets pulumi_cli to the CLI this checkout uses, building it when needed.
setup_cli() {
  pulumi_cli=$(find_pulumi_on_path)
  if [[ -n $pulumi_cli ]]; then
    skip "Using the Pulumi CLI $(cli_version "$pulumi_cli") at $pulumi_cli"
    return
  fi
  pulumi_cli="$cli_dir/bin/pulumi"
  if [[ -x $pulumi_cli && $(cli_version "$pulumi_cli") == "$PULUMI_CLI_VERSION" ]]; then
    skip "Pulumi CLI $PULUMI_CLI_VERSION is built ($pulumi_cli)"
    return
  fi
  command -v go >/dev/null ||
    die "no pulumi on PATH and no Go to build it: install the Pulumi CLI (https://www.pulumi.com/docs/install/) or Go >= 1.24"
  # Printed even with --quiet: it is the one slow step.
  quiet=false running "Building the Pulumi CLI $PULUMI_CLI_VERSION from Go modules (first time only, about 5 min; 8 s with warm Go caches)"
  local started=$SECONDS
  build_cli
  local built
  built=$(cli_version "$pulumi_cli")
  [[ $built == "$PULUMI_CLI_VERSION" ]] ||
    die "the built CLI reports version '$built', expected $PULUMI_CLI_VERSION"
  quiet=false done_ "Built the Pulumi CLI $PULUMI_CLI_VERSION in $((SECONDS - started)) s ($pulumi_cli)"
}

build_cli() {
  mkdir -p "$cli_dir/bin"
  local go_log="$cli_dir/build.log"
  : >"$go_log"
  cd "$cli_dir"
  [[ -f go.mod ]] || logged "$go_log" "go mod init" go mod init nixedge.local/pulumi-cli
  logged "$go_log" "go mod edit" go mod edit -replace "$CLIPBOARD_REPLACE"
  # The build tag keeps the blank import out of every build while `go mod tidy`
  # still records the CLI's whole dependency graph in this module.
  cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
  logged "$go_log" "go get" go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_CLI_VERSION"
  logged "$go_log" "go mod tidy" go mod tidy
  # Without the version in ldflags `pulumi version` prints nothing, and the
  # Automation API refuses a CLI whose version it cannot read.
  logged "$go_log" "go build" go build -trimpath -o "bin/pulumi.tmp.$$" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_CLI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv -f "bin/pulumi.tmp.$$" bin/pulumi
  cd "$repo"
}

# Replaces $2 with $1 atomically, so a concurrent `scripts/pulumi` never sees it missing.
install_file() {
  chmod +x "$1"
  mv -f "$1" "$2"
}

# .venv/bin/pulumi, and our plugins beside it when the CLI brings none of its own.
setup_shims() {
  local cli_bin
  cli_bin=$(dirname "$pulumi_cli")
  if [[ -x $cli_bin/pulumi-language-python ]]; then
    # The CLI brings its own language host and dynamic provider plugin: ours would shadow them.
    rm -f "$venv/bin/pulumi-language-python" "$venv/bin/pulumi-resource-pulumi-python"
    if [[ ! -L $venv/bin/pulumi || $(readlink "$venv/bin/pulumi") != "$pulumi_cli" ]]; then
      ln -sfn "$pulumi_cli" "$venv/bin/pulumi.tmp.$$"
      mv -Tf "$venv/bin/pulumi.tmp.$$" "$venv/bin/pulumi"
    fi
    skip "Linked .venv/bin/pulumi to $pulumi_cli (with its own language host)"
    return
  fi
  # A hard link where it can be: the CLI looks for its bundled plugins next to its
  # resolved executable, and warns on every run ("using pulumi-language-python from
  # $PATH") when the one on PATH is elsewhere. Through a hard link that is .venv/bin.
  if [[ ! $venv/bin/pulumi -ef $pulumi_cli ]]; then
    ln -f "$pulumi_cli" "$venv/bin/pulumi.tmp.$$" 2>/dev/null || ln -sfn "$pulumi_cli" "$venv/bin/pulumi.tmp.$$"
    mv -Tf "$venv/bin/pulumi.tmp.$$" "$venv/bin/pulumi"
  fi
  # Paths relative to the shim itself, so a moved checkout keeps working. Running the
  # venv's python by its venv path (not the resolved one) is what selects the venv.
  cat >"$venv/bin/pulumi-language-python.tmp.$$" <<'SH'
#!/bin/sh
# Written by scripts/setup: the Python language host (upstream's is not served as a Go module).
here=$(dirname "$(readlink -f "$0")")
exec "$here/python" "$here/../../scripts/engine/pulumi_language_python.py" "$@"
SH
  install_file "$venv/bin/pulumi-language-python.tmp.$$" "$venv/bin/pulumi-language-python"
  cat >"$venv/bin/pulumi-resource-pulumi-python.tmp.$$" <<'SH'
#!/bin/sh
# Written by scripts/setup: the dynamic provider plugin. Provider classes are pickled
# by reference to their module (components....), so the checkout goes on sys.path: the
# engine's working directory for plugins is the program's under `pulumi up`, but the
# calling process's under the Automation API.
here=$(dirname "$(readlink -f "$0")")
export PYTHONPATH="$here/../..${PYTHONPATH:+:$PYTHONPATH}"
exec "$here/python" -u "$here/../../scripts/engine/pulumi_dynamic_provider.py" "$@"
SH
  install_file "$venv/bin/pulumi-resource-pulumi-python.tmp.$$" "$venv/bin/pulumi-resource-pulumi-python"
  skip "Linked .venv/bin/pulumi to $pulumi_cli, with our language host and dynamic provider plugin"
}
