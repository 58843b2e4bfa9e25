#!/usr/bin/env bash
# Set everything up on a fresh machine: .venv/ with all dependencies, Chromium for the
# browser test, and the default model (trained once, then reused while config and data
# are unchanged). Run from anywhere: bash setup.sh
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first, pinned to the local CPU wheel: anything else pulls CUDA packages.
.venv/bin/pip install --quiet torch==2.13.0
.venv/bin/pip install --quiet -e ".[test,ray]"

# Debian's Chromium drives the web-page test (no browser download is possible here).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: /usr/bin/chromium is missing; install Debian's chromium package for the browser test" >&2
  fi
fi

# Label Studio and doccano for the labelling round-trip tests, each in its own virtualenv (their pins clash
# with the project's); the extra pins hold back releases that break them (sentry-sdk 3, marshmallow 4, numpy 2).
if [ ! -x .venv-labelstudio/bin/label-studio ]; then "$PYTHON" -m venv .venv-labelstudio; fi
.venv-labelstudio/bin/pip install --quiet "label-studio==1.23.2" "sentry-sdk<3"
if [ ! -x .venv-doccano/bin/doccano ]; then "$PYTHON" -m venv .venv-doccano; fi
.venv-doccano/bin/pip install --quiet "doccano==1.8.4" "marshmallow<4" "numpy<2"

# The default model: reused when the registry already has one built from the same config and data.
.venv/bin/govtag train --config configs/train-default.yaml --reuse
