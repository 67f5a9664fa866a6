#!/usr/bin/env bash
# Prints a Python 3.13 interpreter (LocalStack's host mode needs 3.13):
# python3.13 on PATH, else pyenv's. Each candidate must really run 3.13
# (a pyenv shim may exist and fail). Fails with what to install.
set -euo pipefail
for candidate in "$(command -v python3.13 || true)" "$HOME"/.pyenv/versions/3.13*/bin/python3.13; do
  if [ -n "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
    echo "$candidate"
    exit 0
  fi
done
echo "LocalStack host mode needs Python 3.13: 'pyenv install 3.13' or 'apt-get install python3.13'" >&2
exit 1
