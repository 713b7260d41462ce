#!/usr/bin/env bash
# `make demo`: writes the demo base, two candidates and a policy, then runs
# the gate on both: the LoRA fine-tune passes (exit 0), the tampered one is
# blocked (exit 1) with the tensors and policy lines that broke; then
# certifies the LoRA fine-tune and verifies the certificate without weights.
set -euo pipefail
build_dir=${1:-build}
fti="$build_dir/cmd/fti"
out=demo-out
export FTI_CACHE_DIR="$PWD/$out/cache"

"$fti" demo --out "$out"
echo
echo "== the policy ($out/policy.yaml)"
cat "$out/policy.yaml"
echo
echo "== fti gate: a rank-8 LoRA update on q/v, merged in bf16"
echo "\$ fti gate --policy $out/policy.yaml --base $out/base --candidate $out/candidate-lora --report-dir $out/reports-lora"
set +e
"$fti" gate --policy "$out/policy.yaml" --base "$out/base" --candidate "$out/candidate-lora" \
  --report-dir "$out/reports-lora"
lora=$?
echo "exit code: $lora"
echo
echo "== fti gate: the same plus dense edits to the embeddings and layer 2's MLP"
echo "\$ fti gate --policy $out/policy.yaml --base $out/base --candidate $out/candidate-tampered --report-dir $out/reports-tampered"
"$fti" gate --policy "$out/policy.yaml" --base "$out/base" --candidate "$out/candidate-tampered" \
  --report-dir "$out/reports-tampered"
tampered=$?
echo "exit code: $tampered"
echo
echo "== fti prove / fti verify: a certificate for the LoRA fine-tune, checked without the weights"
echo "   (frozen, norm and rank rules and the attention budget are all proven)"
echo "\$ fti commit $out/base --out $out/base.fticommit"
"$fti" commit "$out/base" --out "$out/base.fticommit" > /dev/null
committed=$?
echo "\$ fti prove --base $out/base --base-commitment $out/base.fticommit --candidate $out/candidate-lora --policy $out/policy.yaml --out $out/lora.fticert"
"$fti" prove --base "$out/base" --base-commitment "$out/base.fticommit" --candidate "$out/candidate-lora" \
  --policy "$out/policy.yaml" --out "$out/lora.fticert" | tail -n 2
proved=$?
echo "\$ fti verify $out/lora.fticert --policy $out/policy.yaml --base-commitment $out/base.fticommit"
"$fti" verify "$out/lora.fticert" --policy "$out/policy.yaml" --base-commitment "$out/base.fticommit" | tail -n 4
verified=${PIPESTATUS[0]}
echo "exit code: $verified"
echo
echo "== a malformed checkpoint is refused with exit code 3"
head -c 200 "$out/base/model.safetensors" > "$out/truncated.safetensors"
"$fti" inspect "$out/truncated.safetensors"
truncated=$?
echo "exit code: $truncated"
set -e
echo
echo "reports: $out/reports-lora/, $out/reports-tampered/"
if [ "$lora" -ne 0 ] || [ "$tampered" -ne 1 ] || [ "$truncated" -ne 3 ] || [ "$committed" -ne 0 ] ||
  [ "$proved" -ne 0 ] || [ "$verified" -ne 0 ]; then
  echo "demo: unexpected exit codes (lora $lora, tampered $tampered, truncated $truncated," \
    "commit $committed, prove $proved, verify $verified)" >&2
  exit 1
fi
