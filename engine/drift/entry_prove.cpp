// The entrywise prover (docs/PROTOCOL.md, section 10.6.7).
#include <cstdlib>
#include <optional>
#include <string>

#include "engine/common/error.h"
#include "engine/crypto/basefold.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/entry.h"
#include "engine/drift/entry_protocol.h"

namespace fti::drift {
namespace {

using crypto::Fp;
using crypto::Fp3;

EntryLayout layout_or_throw(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                            const EntryStatement& statement) {
  EntryLayout layout;
  if (const DriftStatus s = EntryLayout::make(base, candidate, statement, layout); s != DriftStatus::kOk) {
    throw Error(ErrorCode::kInput,
                "entry proof: the statement does not fit the commitments (" + std::string(drift_status_name(s)) + ")");
  }
  return layout;
}

}  // namespace

EntryTables entry_tables(const commitment::ModelCommitment& base,
                         std::span<const crypto::BasefoldProverData* const> base_groups,
                         const commitment::ModelCommitment& candidate,
                         std::span<const crypto::BasefoldProverData* const> candidate_groups,
                         const EntryLayout& layout) {
  return {committed_table(base, base_groups, layout.base_group, layout.base_poly, "entry proof", "base"),
          committed_table(candidate, candidate_groups, layout.candidate_group, layout.candidate_poly, "entry proof",
                          "candidate")};
}

EntryWitness entry_witness(const EntryLayout& layout, const EntryStatement& statement, const EntryTables& tables) {
  const std::vector<std::int64_t> d = encoded_delta(tables.base, tables.candidate, "entry proof");
  EntryWitness w;
  const auto m = static_cast<std::int64_t>(layout.abs_bound);
  if (statement.max_abs) {
    w.polys.assign(2, std::vector<Fp>(d.size()));
    for (std::size_t x = 0; x < d.size(); ++x) {
      if (std::llabs(d[x]) > m) {
        throw Error(ErrorCode::kInput, "entry proof: entry " + std::to_string(x) + " changed by " +
                                           std::to_string(d[x]) + ", above the bound " + std::to_string(m) +
                                           " (encoded units): no certificate can show max_abs");
      }
      w.polys[0][x] = Fp::from_i64(m + d[x]);
      w.polys[1][x] = Fp::from_i64(m - d[x]);
    }
  }
  if (statement.count) {
    std::vector<Fp> mask(d.size());
    for (std::size_t x = 0; x < d.size(); ++x) {
      if (d[x] != 0) {
        mask[x] = Fp::one();
        ++w.changed;
      }
    }
    w.polys.push_back(std::move(mask));
  }
  return w;
}

EntryProverOutput prove_entries(const commitment::ModelCommitment& base,
                                std::span<const crypto::BasefoldProverData* const> base_groups,
                                const commitment::ModelCommitment& candidate,
                                std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                const EntryStatement& statement, crypto::Transcript& transcript) {
  const EntryLayout layout = layout_or_throw(base, candidate, statement);
  const EntryTables tables = entry_tables(base, base_groups, candidate, candidate_groups, layout);
  const EntryWitness witness = entry_witness(layout, statement, tables);
  const crypto::BasefoldProverData group = crypto::basefold_commit(base.params, witness.polys);
  std::optional<crypto::RangeProverData> range;
  if (statement.max_abs) {
    const crypto::RangeValueSource sources[] = {{&group, 0}, {&group, 1}};
    range.emplace(crypto::range_commit(base.params, entry_range_statement(layout, statement), sources));
  }
  return prove_entries_with(base, base_groups, candidate, candidate_groups, statement, layout, tables, witness, group,
                            range ? &*range : nullptr, transcript);
}

EntryProverOutput prove_entries_with(const commitment::ModelCommitment& base,
                                     std::span<const crypto::BasefoldProverData* const> base_groups,
                                     const commitment::ModelCommitment& candidate,
                                     std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                     const EntryStatement& statement, const EntryLayout& layout,
                                     const EntryTables& tables, const EntryWitness& witness,
                                     const crypto::BasefoldProverData& witness_group,
                                     const crypto::RangeProverData* range, crypto::Transcript& transcript) {
  EntryProverOutput out;
  out.changed = statement.count ? witness.changed : 0;
  EntryProof& proof = out.proof;
  proof.witness_commitment = witness_group.commitment();
  entry_absorb_statement(transcript, base, candidate, statement, layout);
  entry_absorb_witness(transcript, layout, proof.witness_commitment, out.changed);
  std::vector<Fp3> point;
  if (statement.count) {
    const std::vector<Fp3> rho = entry_point(transcript, layout, kEntryLabelZeroPoint);
    const std::vector<Fp3> eq = crypto::eq_table(rho);
    const crypto::MultilinearRef refs[] = {std::span<const Fp3>(eq), tables.base, tables.candidate,
                                           std::span<const Fp>(witness.polys[layout.mask_poly])};
    crypto::SumcheckProverOutput sc =
        crypto::sumcheck_prove(entry_count_statement(layout, out.changed), refs, transcript);
    proof.sumcheck = std::move(sc.proof);
    point = std::move(sc.point);
  } else {
    point = entry_point(transcript, layout, kEntryLabelPoint);
  }
  const crypto::BasefoldProverData* groups[] = {base_groups[layout.base_group],
                                                candidate_groups[layout.candidate_group], &witness_group};
  crypto::BasefoldOpening opening = crypto::basefold_open(groups, point, transcript);
  proof.opened_values = std::move(opening.values);
  proof.opening = std::move(opening.proof);
  if (statement.max_abs) {
    if (range == nullptr) throw Error(ErrorCode::kInput, "entry proof: max_abs needs the range argument's data");
    proof.range = crypto::range_prove(*range, transcript);
  }
  return out;
}

}  // namespace fti::drift
