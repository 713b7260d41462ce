#include "engine/crypto/logup_gkr_proof.h"

#include <new>
#include <utility>

#include "engine/crypto/bytes.h"
#include "engine/crypto/logup_gkr_schedule.h"
#include "engine/crypto/proof_reader.h"

namespace fti::crypto {

std::vector<std::uint8_t> LogupGkrProof::serialize() const {
  ByteWriter w;
  write_counted_fp3s(w, roots);
  w.u32(static_cast<std::uint32_t>(layers.size()));
  for (const LogupGkrLayerProof& l : layers) {
    w.u32(static_cast<std::uint32_t>(l.round_polynomials.size()));
    for (const auto& h : l.round_polynomials) write_counted_fp3s(w, h);
    write_counted_fp3s(w, l.child_values);
  }
  return std::move(w).take();
}

Status LogupGkrProof::parse(std::span<const std::uint8_t> bytes, std::span<const unsigned> instance_vars,
                            LogupGkrProof& out) {
  if (logup_gkr_check_shape(instance_vars) != Status::kOk) return Status::kBadParameters;
  try {
    const LogupGkrSchedule schedule(instance_vars);
    ProofReader r(bytes);
    LogupGkrProof proof;
    if (!r.counted_fp3s(2 * instance_vars.size(), Status::kWrongLength, proof.roots)) return r.status();
    const unsigned n = schedule.num_vars();
    if (!r.exact_count(n, Status::kMalformed)) return r.status();
    proof.layers.resize(n);
    for (unsigned j = 0; j < n; ++j) {
      LogupGkrLayerProof& l = proof.layers[j];
      if (!r.exact_count(j, Status::kMalformed)) return r.status();
      l.round_polynomials.resize(j);
      for (auto& h : l.round_polynomials) {
        if (!r.counted_fp3s(kLogupRoundValues, Status::kWrongDegree, h)) return r.status();
      }
      if (!r.counted_fp3s(kLogupChildValues * schedule.active_count(j), Status::kWrongLength, l.child_values)) {
        return r.status();
      }
    }
    if (!r.done()) return r.ok() ? Status::kMalformed : r.status();
    out = std::move(proof);
    return Status::kOk;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

}  // namespace fti::crypto
