#!/usr/bin/env bash
# The Python tests, run by `mvn -B verify` once the jar is built (or alone after `mvn -B -DskipTests
# package`): a virtual environment in target/python-venv with the pinned requirements-test.txt, this
# package installed from a wheel built here (the jar inside, as a user gets it), then pytest twice:
# on a classic local session, and over a Spark Connect server (jobs/penrose connect-server) on loopback.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/python-venv"
dist="$root/target/python-dist"
pip=("$venv/bin/python" -m pip -q --disable-pip-version-check)

[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"${pip[@]}" install -r "$root/python/requirements-test.txt"
rm -rf "$dist" "$root/python/build"
"${pip[@]}" wheel --no-deps --no-build-isolation -w "$dist" "$root/python"
"${pip[@]}" install --force-reinstall --no-deps "$dist"/penrose-*.whl

cd "$root/target" # not python/: the tests import the installed package
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
for session in classic connect; do
  echo "python: pytest on a $session session"
  "$venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::FutureWarning "$root/python/tests" \
    --session "$session"
done
