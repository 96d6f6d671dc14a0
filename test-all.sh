#!/usr/bin/env bash
# Every test. First the whole workspace with the program run natively; then the program's
# integration suite again on its SBF build, on the VM it ships to (compute units and their
# budgets, 4 KB stack frames, the 32 KB heap; sbf/build-sbf.sh installs what it needs under
# ~/.cache/bulwark-sbf and fails on an oversized stack frame). BULWARK_SKIP_SBF=1 runs the
# first tier only.
set -euo pipefail
cd "$(dirname "$0")"
cargo test --workspace --locked
if [ "${BULWARK_SKIP_SBF:-0}" != 1 ]; then
  so=$(sbf/build-sbf.sh . bulwark)
  echo "sbf: running the program suite on $so"
  BULWARK_SBF_SO="$so" cargo test --locked -p bulwark-tests --test program
fi
