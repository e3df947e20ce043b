#!/usr/bin/env bash
# Installs tegenmacht's build and test dependencies from Debian 12 packages.
# Idempotent: apt-get runs only when a package is missing.
set -euo pipefail
PKGS=(build-essential cmake ccache pkg-config git
      libeigen3-dev libtbb-dev libhdf5-dev libyaml-cpp-dev libcli11-dev
      libgtest-dev libgmock-dev libbenchmark-dev libboost-math-dev libboost-random-dev
      python3 python3-dev pybind11-dev python3-numpy python3-h5py python3-pandas python3-xarray
      python3-matplotlib python3-networkx python3-pytest python3-nbclient python3-nbformat
      python3-ipykernel python3-ipywidgets python3-notebook python3-scipy python3-sklearn python3-tqdm python3-yaml python3-jinja2
      chromium chromium-driver python3-selenium libopenmpi-dev openmpi-bin python3-mpi4py python3-setuptools python3-pip python3-wheel
      clang-14 libfuzzer-14-dev)
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
