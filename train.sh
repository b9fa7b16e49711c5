#!/usr/bin/env bash
# The main job on a fresh machine: make sure Fashion-MNIST is installed, then train the reference model
# in local mode with `dpt train` (extra arguments are passed on, e.g. ./train.sh --workers 2 --epochs 20).
set -euo pipefail
cd "$(dirname "$0")"

data=/usr/share/datasets/fashion-mnist
if [ ! -f "$data/train-images-idx3-ubyte.gz" ] && [ ! -f "$data/train-images-idx3-ubyte" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Fashion-MNIST is not installed: installing the Debian package dataset-fashion-mnist ..." >&2
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist
  else
    echo "Fashion-MNIST is not installed. Install it with: sudo apt-get install dataset-fashion-mnist" >&2
    echo "(it goes to $data; or pass --data DIR with the four IDX files)" >&2
    exit 1
  fi
fi

dotnet build src/Coordinator -c Release -v quiet -nologo -clp:NoSummary >&2
exec dotnet src/Coordinator/bin/Release/net10.0/dpt.dll train "$@"
