#!/usr/bin/env bash
# Every test. First the whole workspace with the program run natively; then the program's
# integration suite again on its SBF build, on the VM it ships to (LiteSVM: compute units
# and their budgets, 4 KB stack frames, the 32 KB heap, events really logged). The SBF build
# (sbf/build-sbf.sh) installs what it needs under ~/.cache/bulwark-sbf and fails on an
# oversized stack frame. The second tier also runs `bulwark localnet` end to end (the CLI,
# the keeper, events and Anchor's TS client, installed with npm in app/tests/ts, against the
# SBF build; it needs the IDL, built first) and the keeper clearing a 60-account crash there. BULWARK_SKIP_SBF=1 runs the first tier only.
set -euo pipefail
cd "$(dirname "$0")"
cargo test --workspace --locked -- --skip localnet_
if [ "${BULWARK_SKIP_SBF:-0}" != 1 ]; then
  so=$(sbf/build-sbf.sh . bulwark)
  echo "sbf: the program suite on $so"
  # The JSON-RPC tests (bootstrap, keeper_rpc, keeper_waves, keeper_preflight) serve RPC from solana-program-test's
  # BanksClient, which only the native bank has: they run in the first tier only.
  # `--workspace` keeps the first tier's feature set, so nothing is compiled again.
  BULWARK_SBF_SO="$so" cargo test --locked --workspace --test program -- \
    --skip bootstrap:: --skip keeper_rpc:: --skip keeper_waves:: --skip keeper_preflight::
  cargo run --locked -q -p bulwark-idl
  BULWARK_SBF_SO="$so" cargo test --locked --workspace --test localnet --test keeper_throughput
fi
