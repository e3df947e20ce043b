#!/usr/bin/env bash
# Installs tegenmacht's build and test dependencies from Debian 12 packages.
# Idempotent: apt-get runs only when a package is missing.
set -euo pipefail
PKGS=(build-essential cmake ccache pkg-config git
      libeigen3-dev libtbb-dev libhdf5-dev libyaml-cpp-dev libcli11-dev
      libgtest-dev libgmock-dev libbenchmark-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
