#!/usr/bin/env bash
# MIME parsing with MimeKit (BenchmarkDotNet ShortRun, in process): the fixture corpus and a message with a 2 MB
# base64 attachment, whole (default and persistent), decoded, and header section only (what a summary reads).
# One run; prints the load average and BenchmarkDotNet's table.
set -euo pipefail
cd "$(dirname "$0")/.."
out=BenchmarkDotNet.Artifacts/mime-bench
rm -rf "$out"
mkdir -p "$out"
printf "load average: %s (2 cores shared)\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
dotnet run -c Release --project . -- --filter '*MimeParsingBenchmarks*' --artifacts "$out" >"$out/bdn.log" 2>&1 \
  || { tail -20 "$out/bdn.log"; exit 1; }
grep -A12 '^| Method' "$out/bdn.log"
