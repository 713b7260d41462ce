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

using crypto::Fp;
using crypto::Fp3;

EntryTables entry_tables(const commitment::ModelCommitment& base,
                         std::span<const crypto::BasefoldProverData* const> base_groups,
                         const commitment::ModelCommitment& candidate,
                         std::span<const crypto::BasefoldProverData* const> candidate_groups,
                         const EntryLayout& layout) {
  EntryTables t;
  for (const EntryClaimLayout& l : layout.claims) {
    t.base.push_back(committed_table(base, base_groups, l.base_group, l.base_poly, "entry proof", "base"));
    t.candidate.push_back(
        committed_table(candidate, candidate_groups, l.candidate_group, l.candidate_poly, "entry proof", "candidate"));
  }
  return t;
}

EntryWitness entry_witness(const commitment::ModelCommitment& base, const EntryLayout& layout,
                           const EntryStatement& statement, const EntryTables& tables) {
  EntryWitness w;
  w.classes.resize(layout.classes.size());
  for (std::size_t c = 0; c < layout.classes.size(); ++c) {
    const std::size_t size = std::size_t{1} << layout.classes[c].num_vars;
    w.classes[c].assign(layout.classes[c].witness_polys, std::vector<Fp>(size));
  }
  w.changed.assign(layout.claims.size(), 0);
  for (std::size_t i = 0; i < layout.claims.size(); ++i) {
    const EntryClaimLayout& l = layout.claims[i];
    std::vector<std::vector<Fp>>& polys = w.classes[l.size_class];
    const std::vector<std::int64_t> d = encoded_delta(tables.base[i], tables.candidate[i], "entry proof");
    if (l.has_max_abs()) {
      const auto m = static_cast<std::int64_t>(l.abs_bound);
      for (std::size_t x = 0; x < d.size(); ++x) {
        if (std::llabs(d[x]) > m) {
          throw Error(ErrorCode::kInput, "entry proof: tensor " + quote_untrusted(base.tensors[l.base_index].name) +
                                             ": entry " + std::to_string(x) + " changed by " + std::to_string(d[x]) +
                                             ", above the bound " + std::to_string(m) + " (encoded units)");
        }
        polys[l.abs_poly][x] = Fp::from_i64(m + d[x]);
        polys[l.abs_poly + 1][x] = Fp::from_i64(m - d[x]);
      }
    }
    if (statement.claims[i].count) {
      for (std::size_t x = 0; x < d.size(); ++x) {
        if (d[x] != 0) {
          polys[l.mask_poly][x] = Fp::one();
          ++w.changed[i];
        }
      }
    }
  }
  return w;
}

std::vector<crypto::RangeValueSource> entry_range_sources(const EntryLayout& layout,
                                                          std::span<const crypto::BasefoldProverData> witness_groups) {
  std::vector<crypto::RangeValueSource> out;
  for (const EntryClaimLayout& l : layout.claims) {
    if (!l.has_max_abs()) continue;
    out.push_back({&witness_groups[l.size_class], l.abs_poly});
    out.push_back({&witness_groups[l.size_class], l.abs_poly + 1});
  }
  return out;
}

EntryProverOutput prove_entries(const commitment::ModelCommitment& base,
                                std::span<const crypto::BasefoldProverData* const> base_groups,
                                const commitment::ModelCommitment& candidate,
                                std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                const EntryStatement& statement, crypto::Transcript& transcript) {
  const EntryLayout layout = layout_or_throw<EntryLayout>(base, candidate, statement, "entry proof");
  const EntryTables tables = entry_tables(base, base_groups, candidate, candidate_groups, layout);
  const EntryWitness witness = entry_witness(base, layout, statement, tables);
  std::vector<crypto::BasefoldProverData> groups;
  for (const std::vector<std::vector<Fp>>& polys : witness.classes) groups.push_back(crypto::basefold_commit(base.params, polys));
  std::optional<crypto::RangeProverData> range;
  if (layout.abs_claims > 0) {
    range.emplace(crypto::range_commit(base.params, entry_range_statement(layout, statement),
                                       entry_range_sources(layout, groups)));
  }
  return prove_entries_with(base, base_groups, candidate, candidate_groups, statement, layout, tables, witness, groups,
                            range ? &*range : nullptr, transcript);
}

EntryProverOutput prove_entries_with(const commitment::ModelCommitment& base,
                                     std::span<const crypto::BasefoldProverData* const> base_groups,
                                     const commitment::ModelCommitment& candidate,
                                     std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                     const EntryStatement& statement, const EntryLayout& layout,
                                     const EntryTables& tables, const EntryWitness& witness,
                                     std::span<const crypto::BasefoldProverData> witness_groups,
                                     const crypto::RangeProverData* range, crypto::Transcript& transcript) {
  EntryProverOutput out;
  out.changed.assign(layout.claims.size(), 0);
  for (std::size_t i = 0; i < layout.claims.size(); ++i) {
    if (statement.claims[i].count) out.changed[i] = witness.changed[i];
  }
  EntryProof& proof = out.proof;
  for (const crypto::BasefoldProverData& g : witness_groups) proof.witness_commitments.push_back(g.commitment());
  entry_absorb_statement(transcript, base, candidate, statement, layout);
  entry_absorb_witnesses(transcript, layout, proof.witness_commitments, out.changed);
  for (std::size_t c = 0; c < layout.classes.size(); ++c) {
    const EntryClassLayout& cl = layout.classes[c];
    EntryClassProof cp;
    std::vector<Fp3> point;
    if (!cl.count_claims.empty()) {
      const std::vector<Fp3> rho = entry_point(transcript, cl.num_vars, kEntryLabelZeroPoint);
      const std::vector<Fp3> eq = crypto::eq_table(rho);
      std::vector<crypto::MultilinearRef> refs = {std::span<const Fp3>(eq)};
      for (const std::size_t i : cl.count_claims) {
        refs.push_back(tables.base[i]);
        refs.push_back(tables.candidate[i]);
        refs.push_back(std::span<const Fp>(witness.classes[c][layout.claims[i].mask_poly]));
      }
      crypto::SumcheckProverOutput sc =
          crypto::sumcheck_prove(entry_count_statement(layout, c, out.changed), refs, transcript);
      cp.sumcheck = std::move(sc.proof);
      point = std::move(sc.point);
    } else {
      point = entry_point(transcript, cl.num_vars, kEntryLabelPoint);
    }
    std::vector<const crypto::BasefoldProverData*> groups;
    for (const std::uint32_t g : cl.base_groups) groups.push_back(base_groups[g]);
    for (const std::uint32_t g : cl.candidate_groups) groups.push_back(candidate_groups[g]);
    groups.push_back(&witness_groups[c]);
    crypto::BasefoldOpening opening = crypto::basefold_open(groups, point, transcript);
    cp.opened_values = std::move(opening.values);
    cp.opening = std::move(opening.proof);
    proof.classes.push_back(std::move(cp));
  }
  if (layout.abs_claims > 0) {
    if (range == nullptr) throw Error(ErrorCode::kInput, "entry proof: max_abs needs the range argument's data");
    proof.range = crypto::range_prove(*range, transcript);
  }
  return out;
}

}  // namespace fti::drift
