#!/usr/bin/env bash
# The long run of the OTLP/HTTP receiver's property-based fuzz test
# (test/collector/receiver/otlphttp/fuzz.test.ts): a million adversarial requests by default,
# about 1.5 hours on two cores; CI runs 10 000. On a failure fast-check prints the seed and the
# shrunk request.
#   scripts/fuzz.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -b
SPANPULSE_FUZZ_RUNS="${1:-1000000}" exec npx vitest run test/collector/receiver/otlphttp/fuzz.test.ts
