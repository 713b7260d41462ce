#!/usr/bin/env bash
# `make demo`: writes the demo base and candidates and shows what fti reads.
# (The gate itself arrives with the policy issue; this script will run it on
# the same checkpoints: candidate-lora passes, candidate-tampered is blocked.)
set -euo pipefail
build_dir=${1:-build}
fti="$build_dir/cmd/fti"
out=demo-out
export FTI_CACHE_DIR="$PWD/$out/cache"

"$fti" demo --out "$out"
echo
echo "== fti inspect $out/base --files"
"$fti" inspect "$out/base" --files
echo
echo "== fti inspect $out/candidate-lora (first tensors)"
"$fti" inspect "$out/candidate-lora" | head -n 12
echo
echo "== a malformed file is refused with exit code 3"
head -c 200 "$out/base/model.safetensors" > "$out/truncated.safetensors"
set +e
"$fti" inspect "$out/truncated.safetensors"
echo "exit code: $?"
