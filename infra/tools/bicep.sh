#!/usr/bin/env bash
# The real Bicep CLI, restored from NuGet (Azure.Bicep.CommandLine.linux-x64) through BicepCli.csproj.
#
#   bicep.sh build-all   restore the CLI, compile every .bicep / .bicepparam under infra/ into infra/.build/,
#                        lint every .bicep, and fail on any error or warning
#   bicep.sh path        restore if needed and print the path of the bicep binary
#   bicep.sh <args>      run bicep with these arguments
set -euo pipefail

tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
infra_dir="$(dirname "$tools_dir")"
build_dir="$infra_dir/.build"
project="$tools_dir/BicepCli.csproj"
package_id="azure.bicep.commandline.linux-x64"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

die() { printf 'bicep.sh: %s\n' "$*" >&2; exit 1; }

pinned_version() {
  sed -n 's/.*PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="\[\([^]]*\)\]".*/\1/p' "$project"
}

bicep_binary() {
  local version binary
  version="$(pinned_version)"
  [ -n "$version" ] || die "cannot read the pinned Bicep version from $project"
  binary="$tools_dir/.packages/$package_id/$version/tools/bicep"
  if [ ! -x "$binary" ]; then
    command -v dotnet >/dev/null || die "dotnet is not on PATH; it is needed to restore the Bicep CLI from NuGet"
    dotnet restore "$project" --nologo --verbosity quiet >&2 \
      || die "dotnet restore of $package_id $version failed (is NuGet reachable?)"
    [ -f "$binary" ] || die "restore finished but $binary is missing"
    chmod +x "$binary"
  fi
  printf '%s\n' "$binary"
}

# Runs one bicep command, echoes its output, and fails on a non-zero exit or on any diagnostic line.
run_checked() {
  local label="$1"; shift
  local output status=0
  output="$("$@" 2>&1)" || status=$?
  [ -z "$output" ] || printf '%s\n' "$output"
  if [ "$status" -ne 0 ]; then
    printf 'FAILED (%s, exit %s)\n' "$label" "$status"; return 1
  fi
  if grep -Eq ' : (Warning|Error) ' <<<"$output"; then
    printf 'FAILED (%s: warnings count as failures)\n' "$label"; return 1
  fi
}

build_all() {
  local bicep failures=0 sources bicep_count param_count file rel
  bicep="$(bicep_binary)"
  "$bicep" --version
  rm -rf "$build_dir"
  mkdir -p "$build_dir"
  cd "$infra_dir"
  # Everything Bicep under infra/, except the build output and the restored CLI itself.
  sources="$(find . \( -path ./.build -o -path ./tools/.packages -o -path ./tools/obj -o -path ./tools/bin \) -prune \
               -o -type f \( -name '*.bicep' -o -name '*.bicepparam' \) -print | sed 's|^\./||' | sort)"
  bicep_count="$(grep -c '\.bicep$' <<<"$sources" || true)"
  param_count="$(grep -c '\.bicepparam$' <<<"$sources" || true)"
  [ "$bicep_count" -gt 0 ] || die "no .bicep files found under $infra_dir"
  printf '%s\n' "$sources" | sed 's/^/  /'

  # One process each for lint and build (the CLI takes seconds to start); the glob keeps the folder layout in --outdir.
  run_checked "lint" "$bicep" lint --no-restore --pattern '**/*.bicep' || failures=$((failures + 1))
  run_checked "build" "$bicep" build --no-restore --pattern '**/*.bicep' --outdir "$build_dir" || failures=$((failures + 1))
  while IFS= read -r rel; do
    [ -n "$rel" ] || continue
    mkdir -p "$build_dir/$(dirname "$rel")"
    run_checked "build-params $rel" "$bicep" build-params --no-restore "$rel" --outfile "$build_dir/${rel%.bicepparam}.parameters.json" \
      || failures=$((failures + 1))
  done < <(grep '\.bicepparam$' <<<"$sources" || true)

  while IFS= read -r rel; do
    case "$rel" in
      *.bicep) [ -f "$build_dir/${rel%.bicep}.json" ] || { printf 'FAILED (no compiled output for %s)\n' "$rel"; failures=$((failures + 1)); } ;;
    esac
  done <<<"$sources"

  if [ "$failures" -ne 0 ]; then
    printf 'bicep: FAILED: %d step(s) with errors or warnings (%d .bicep, %d .bicepparam)\n' "$failures" "$bicep_count" "$param_count"
    return 1
  fi
  printf 'bicep: %d .bicep compiled and linted, %d .bicepparam compiled, no errors, no warnings; output in %s\n' \
    "$bicep_count" "$param_count" "$build_dir"
}

case "${1:-}" in
  build-all) build_all ;;
  path) bicep_binary ;;
  "") die "usage: bicep.sh build-all | path | <bicep arguments>" ;;
  *) exec "$(bicep_binary)" "$@" ;;
esac
