#!/usr/bin/env bash
# Installs the JS conformance driver's pinned dependencies (package-lock.json).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/@aws-sdk/client-secrets-manager ] ||
   [ ! -d node_modules/@aws-sdk/client-sts ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
