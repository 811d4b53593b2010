#!/usr/bin/env bash
# Runs the whole test suite; installs the Debian peers the interop tests need when any is missing.
set -uo pipefail
cd "$(dirname "$0")"
scripts/install-peers.sh || { echo "test.sh: could not install the test peers" >&2; exit 1; }
rm -rf TestResults
dotnet build Protocols.sln -c Release -v quiet -nologo || exit 1
dotnet test Protocols.sln -c Release --no-build -nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=minimal" \
  --results-directory TestResults "$@"
