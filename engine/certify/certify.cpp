#include "engine/certify/certify.h"

#include <fmt/core.h>

#include <chrono>
#include <bit>
#include <cmath>
#include <map>

#include "engine/commitment/model_commitment.h"
#include "engine/common/error.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/range_proof.h"
#include "engine/drift/entry.h"
#include "engine/drift/frozen.h"
#include "engine/drift/norm.h"
#include "engine/drift/norm_layout.h"
#include "engine/drift/norm_proof.h"
#include "engine/drift/rank.h"
#include "engine/drift/rank_layout.h"
#include "engine/drift/rank_proof.h"
#include "engine/drift/rank_witness.h"
#include "policy/canonical.h"

namespace fti::certify {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string drift_reason(const drift::DriftResult& r) {
  std::string s(drift::drift_status_name(r.status));
  if (r.detail != crypto::Status::kOk) s += fmt::format(" ({})", crypto::status_name(r.detail));
  return s;
}

// The first frozen tensor whose bytes differ (for messages).
std::string first_unfrozen(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                           std::span<const std::uint32_t> frozen) {
  for (const std::uint32_t i : frozen) {
    if (i >= base.tensors.size()) continue;
    const commitment::TensorRecord* c = candidate.find(base.tensors[i].name);
    if (c == nullptr || c->data_sha256 != base.tensors[i].data_sha256) return quote_untrusted(base.tensors[i].name);
  }
  return "?";
}

double to_real_norm(uint128 squares, std::int32_t scale) {
  return std::ldexp(std::sqrt(static_cast<double>(squares)), -scale);
}

// sqrt(R) 2^-(s+t): the residual ||E||_F / 2^t in real units.
double to_real_residual(uint128 squares, std::int32_t scale, unsigned shift) {
  return std::ldexp(std::sqrt(static_cast<double>(squares)), -scale - static_cast<int>(shift));
}

// The proven S and Q (0 when not proven) by norm position.
struct NormSums {
  std::vector<uint128> delta, base;
};
NormSums norm_sums(const drift::NormStatement& norm, const drift::NormLayout& layout,
                   const drift::NormDisclosure& disclosure) {
  NormSums out;
  for (std::size_t p = 0; p < norm.tensors.size(); ++p) {
    const std::size_t k = layout.tensors[p].first_item;
    out.delta.push_back(disclosure.items[k].value());
    out.base.push_back(norm.tensors[p].base_squares ? disclosure.items[k + 1].value() : 0);
  }
  return out;
}

// The sums a bound check uses so that it holds for the real values, not only
// the encodings (10.4.3, rounding margin): S raised and Q lowered by the
// tensor's rounded values (base + candidate for S, base for Q).
NormSums with_rounding_margin(const NormSums& sums, const drift::NormStatement& norm,
                              const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate) {
  NormSums out;
  for (std::size_t p = 0; p < norm.tensors.size(); ++p) {
    const commitment::TensorRecord& b = base.tensors[norm.tensors[p].tensor];
    const commitment::TensorRecord* c = candidate.find(b.name);
    const std::uint64_t rounded = b.inexact + (c != nullptr ? c->inexact : 0);
    out.delta.push_back(delta_squares_upper(sums.delta[p], rounded));
    out.base.push_back(base_squares_lower(sums.base[p], b.inexact));
  }
  return out;
}

// Whether norm tensor p's own bound and its extra absolute bounds hold on
// (adjusted) sums.
bool norm_tensor_holds(const CertStatement& st, std::size_t p, const NormSums& sums) {
  if (!drift::norm_bound_holds(st.norm.tensors[p].bound, sums.delta[p], sums.base[p])) return false;
  for (const AbsoluteCheck& a : st.extra_absolute) {
    if (a.position == p &&
        !drift::norm_bound_holds({drift::NormBoundKind::kAbsolute, a.max_delta_squares, 0, 1}, sums.delta[p], 0)) {
      return false;
    }
  }
  return true;
}

// Whether rank entry `e`'s bounds hold for the real values (10.4.3): R raised
// by the margin of the tensor's rounded values (base + candidate), Q lowered
// by the base's.
bool rank_margin_holds(const RankEntry& e, uint128 residual_squares, uint128 base_squares,
                       const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate) {
  const commitment::TensorRecord& b = base.tensors[e.tensor];
  const commitment::TensorRecord* c = candidate.find(b.name);
  const std::uint64_t rounded = b.inexact + (c != nullptr ? c->inexact : 0);
  return rank_bounds_hold(e, residual_squares_upper(residual_squares, rounded, e.shift),
                          base_squares_lower(base_squares, b.inexact));
}

// Per-tensor findings for the report (after a successful verification, or
// for the prover's messages).
std::vector<TensorFinding> findings(const policy::Policy& policy, const Certificate& c) {
  std::vector<TensorFinding> out;
  std::map<std::uint32_t, std::size_t> norm_position;
  for (std::size_t p = 0; p < c.statement.norm.tensors.size(); ++p) norm_position[c.statement.norm.tensors[p].tensor] = p;
  std::vector<std::size_t> first_item(c.statement.norm.tensors.size(), 0);
  std::size_t item = 0;
  for (std::size_t p = 0; p < c.statement.norm.tensors.size(); ++p) {
    first_item[p] = item;
    item += c.statement.norm.tensors[p].base_squares ? 2u : 1u;
  }
  const auto contains = [](const std::vector<std::uint32_t>& v, std::uint32_t x) {
    return std::binary_search(v.begin(), v.end(), x);
  };
  for (std::size_t i = 0; i < c.base.tensors.size(); ++i) {
    const commitment::TensorRecord& t = c.base.tensors[i];
    TensorFinding f;
    f.name = t.name;
    f.scale = t.scale;
    const policy::Rule* rule = policy.match(t.name);
    f.rule = rule ? rule->name : "default";
    const auto index = static_cast<std::uint32_t>(i);
    const RankEntry* rank = nullptr;
    std::size_t rank_position = 0;
    for (std::size_t k = 0; k < c.statement.rank.size(); ++k) {
      if (c.statement.rank[k].tensor == index) {
        rank = &c.statement.rank[k];
        rank_position = k;
      }
    }
    const bool has_frobenius = rule && rule->norm && rule->norm->frobenius;
    if (contains(c.statement.frozen, index)) {
      f.claim = "frozen";
    } else if (contains(c.statement.allowed, index)) {
      f.claim = "allow";
    } else if (const auto it = norm_position.find(index); it != norm_position.end() && has_frobenius) {
      const drift::NormTensor& nt = c.statement.norm.tensors[it->second];
      const std::size_t k = first_item[it->second];
      if (k < c.disclosure.items.size()) f.delta_squares = c.disclosure.items[k].value();
      if (nt.base_squares && k + 1 < c.disclosure.items.size()) f.base_squares = c.disclosure.items[k + 1].value();
      f.norm = to_real_norm(f.delta_squares, t.scale);
      if (f.base_squares != 0) {
        f.relative = std::sqrt(static_cast<double>(f.delta_squares) / static_cast<double>(f.base_squares));
      }
      if (rule && rule->norm && rule->norm->frobenius) {
        f.absolute_bound = rule->norm->frobenius->absolute;
        f.relative_bound = rule->norm->frobenius->relative;
      }
      f.claim = f.absolute_bound && f.relative_bound ? "frobenius.absolute+relative"
                : f.relative_bound                   ? "frobenius.relative"
                                                     : "frobenius.absolute";
    } else if (rank != nullptr) {
      f.claim = "rank";
    } else {
      f.claim = "none";
    }
    if (rank != nullptr && rule && rule->rank && rule->rank->residual) {
      RankFinding rf;
      rf.max_rank = rank->rank;
      rf.factor_bits = rank->factor_bits;
      rf.shift = rank->shift;
      if (rank_position < c.rank_disclosures.size()) rf.residual_squares = c.rank_disclosures[rank_position].value();
      rf.residual = to_real_residual(rf.residual_squares, t.scale, rank->shift);
      if (rank->has_relative) {
        const std::size_t k = first_item[rank->norm_position] + 1;
        if (k < c.disclosure.items.size()) {
          const double q = static_cast<double>(c.disclosure.items[k].value());
          rf.base_norm = std::ldexp(std::sqrt(q), -t.scale);
          if (q > 0) rf.relative = rf.residual / rf.base_norm;
        }
      }
      rf.absolute_bound = rule->rank->residual->absolute;
      rf.relative_bound = rule->rank->residual->relative;
      if (rule->rank->per_head && rank->head_axis != drift::RankHeadAxis::kNone) {
        rf.heads = rule->rank->per_head->heads;
        rf.head_side = rank->head_axis == drift::RankHeadAxis::kRows ? "rows" : "columns";
      }
      f.rank = rf;
    }
    for (std::size_t k = 0; k < c.statement.entries.size(); ++k) {
      const EntryEntry& e = c.statement.entries[k];
      if (e.tensor != index) continue;
      EntryFinding ef;
      if (e.has_max_abs) ef.max_abs_bound = std::ldexp(static_cast<double>(e.max_abs), -t.scale);
      if (e.has_count) {
        ef.changed = k < c.entry_counts.size() ? c.entry_counts[k] : 0;
        ef.slack = e.slack;
        if (e.max_changed != drift::kNoCountBound) ef.max_changed = e.max_changed + e.slack;
      }
      f.entry = ef;
      if (f.claim == "none") {
        f.claim = e.has_max_abs && e.has_count ? "max_abs+sparsity" : e.has_max_abs ? "max_abs" : "sparsity";
      }
    }
    if (rule) {
      const auto not_certified = [&](std::string_view what) {
        return std::any_of(c.statement.uncovered.begin(), c.statement.uncovered.end(),
                           [&](const Uncovered& u) { return u.rule == rule->name && u.what == what; });
      };
      if (rule->norm && rule->norm->max_abs && not_certified("norm.max_abs")) f.uncovered.push_back("norm.max_abs");
      if (rule->rank && rank == nullptr) f.uncovered.push_back("rank");
      if (rule->sparsity && not_certified("sparsity")) f.uncovered.push_back("sparsity");
    }
    out.push_back(std::move(f));
  }
  return out;
}

// The certified budgets' proven totals (after a successful verification).
std::vector<BudgetFinding> budget_findings(const policy::Policy& policy, const Certificate& c,
                                           const drift::NormLayout& layout) {
  std::vector<BudgetFinding> out;
  const CertStatement& st = c.statement;
  const NormSums sums = st.norm.tensors.empty() ? NormSums{} : norm_sums(st.norm, layout, c.disclosure);
  for (const NormBudget& b : st.norm_budgets) {
    BudgetFinding f;
    f.name = b.name;
    f.kind = "norm";
    f.tensors = static_cast<std::uint32_t>(b.positions.size());
    double s = 0, q = 0;
    for (const std::uint32_t p : b.positions) {
      const int scale = c.base.tensors[st.norm.tensors[p].tensor].scale;
      s += std::ldexp(static_cast<double>(sums.delta[p]), -2 * scale);
      q += std::ldexp(static_cast<double>(sums.base[p]), -2 * scale);
    }
    f.norm = std::sqrt(s);
    if (b.has_relative && q > 0) f.relative = std::sqrt(s / q);
    for (const policy::Budget& pb : policy.budgets()) {
      if (pb.name.substr(0, kMaxUncoveredText) == b.name && pb.norm && pb.norm->frobenius) {
        f.absolute_bound = pb.norm->frobenius->absolute;
        f.relative_bound = pb.norm->frobenius->relative;
      }
    }
    out.push_back(std::move(f));
  }
  for (const CountBudget& b : st.count_budgets) {
    BudgetFinding f;
    f.name = b.name;
    f.kind = "sparsity";
    f.tensors = static_cast<std::uint32_t>(b.positions.size());
    for (const std::uint32_t p : b.positions) f.changed += c.entry_counts[p] + st.entries[p].slack;
    f.max_changed = b.max_changed;
    out.push_back(std::move(f));
  }
  return out;
}

// The Basefold group shapes of every opening in the norm proof.
std::vector<crypto::BasefoldGroupShape> proof_shapes(const Certificate& c, const drift::NormLayout& layout,
                                                     const drift::NormProof& proof) {
  std::vector<crypto::BasefoldGroupShape> shapes;
  for (std::size_t k = 0; k < layout.classes.size(); ++k) {
    const auto s = drift::norm_opening_shapes(c.base, c.candidate, layout, k);
    shapes.insert(shapes.end(), s.begin(), s.end());
  }
  const crypto::RangeStatement range = drift::norm_range_statement(layout, c.statement.norm);
  const auto bindings = drift::norm_range_bindings(layout, proof.block_commitments);
  const auto s = crypto::range_opening_shapes(range, bindings);
  shapes.insert(shapes.end(), s.begin(), s.end());
  return shapes;
}

std::string statement_difference(const CertStatement& expected, const CertStatement& actual,
                                 const commitment::ModelCommitment& base) {
  const auto name = [&](std::uint32_t i) {
    return i < base.tensors.size() ? quote_untrusted(base.tensors[i].name) : std::to_string(i);
  };
  if (expected.frozen != actual.frozen) return "the frozen tensors differ";
  if (expected.allowed != actual.allowed) return "the allowed tensors differ";
  if (expected.norm.range_limb_bits != actual.norm.range_limb_bits) return "the range limb size differs";
  if (expected.norm.tensors.size() != actual.norm.tensors.size()) return "the norm tensors differ";
  for (std::size_t i = 0; i < expected.norm.tensors.size(); ++i) {
    const auto& e = expected.norm.tensors[i];
    const auto& a = actual.norm.tensors[i];
    if (e.tensor != a.tensor) return "the norm tensors differ";
    if (!(e == a)) return fmt::format("tensor {}: the norm bound differs from the policy's", name(e.tensor));
  }
  if (expected.extra_absolute != actual.extra_absolute) return "the additional absolute bounds differ";
  if (expected.uncovered != actual.uncovered) return "the list of rules not certified differs";
  if (expected.rank.size() != actual.rank.size()) return "the rank tensors differ";
  for (std::size_t i = 0; i < expected.rank.size(); ++i) {
    const RankEntry& e = expected.rank[i];
    const RankEntry& a = actual.rank[i];
    if (e.tensor != a.tensor) return "the rank tensors differ";
    if (e.rank != a.rank) return fmt::format("tensor {}: the rank differs from the policy's", name(e.tensor));
    if (!(e == a)) return fmt::format("tensor {}: the residual bound differs from the policy's", name(e.tensor));
  }
  if (expected.entries.size() != actual.entries.size()) return "the max_abs / sparsity tensors differ";
  for (std::size_t i = 0; i < expected.entries.size(); ++i) {
    const EntryEntry& e = expected.entries[i];
    const EntryEntry& a = actual.entries[i];
    if (e.tensor != a.tensor) return "the max_abs / sparsity tensors differ";
    if (!(e == a)) return fmt::format("tensor {}: the max_abs or sparsity bound differs from the policy's", name(e.tensor));
  }
  if (expected.count_budgets != actual.count_budgets) return "the sparsity budgets differ";
  if (expected.norm_budgets != actual.norm_budgets) return "the norm budgets differ";
  return "differs";
}

constexpr unsigned kNoRankShift = ~0u;

// The largest factor bits RankLayout accepts at this shift, 0 if none.
unsigned max_rank_factor_bits(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                              drift::RankStatement s, unsigned shift) {
  s.shift = shift;
  for (unsigned bu = drift::kMaxRankFactorBits; bu >= drift::kMinRankFactorBits; --bu) {
    s.factor_bits = bu;
    drift::RankLayout l;
    if (drift::RankLayout::make(base, candidate, s, l) == drift::DriftStatus::kOk) return bu;
  }
  return 0;
}

// The largest shift t with some accepted bu, kNoRankShift if none.
unsigned max_rank_shift(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                        const drift::RankStatement& s) {
  for (unsigned t = drift::kMaxRankShift + 1; t-- > 0;) {
    if (max_rank_factor_bits(base, candidate, s, t) != 0) return t;
  }
  return kNoRankShift;
}

// How many shifts below the largest the prover tries.
constexpr unsigned kRankShiftCandidates = 6;

struct RankChoice {
  unsigned factor_bits = 0, shift = 0;
  drift::RankFactors factors;
};

// The prover's parameters (10.4.6): for t = t_max, t_max - 1, .. (at most
// kRankShiftCandidates), bu the largest accepted at t, factors by
// rank_quantize of one rank_subspace and their exact R; keep the smallest t whose residual
// sqrt(R) 2^-t is within 1% of the best one; then shrink bu to the bits the
// factors need (same factors, smaller E_max, larger blocks).
RankChoice choose_rank_parameters(const commitment::ModelCommitment& base,
                                  std::span<const crypto::BasefoldProverData* const> bg,
                                  const commitment::ModelCommitment& candidate,
                                  std::span<const crypto::BasefoldProverData* const> cg, const RankEntry& entry,
                                  unsigned range_limb_bits, const drift::RankLayout& any_layout) {
  const drift::RankStatement rs = rank_drift_statement(entry, range_limb_bits);
  const drift::RankTables tables = drift::rank_tables(base, bg, candidate, cg, any_layout);
  // The real factors once; each (t, bu) only quantizes them.
  const drift::RankSubspace subspace = drift::rank_subspace(any_layout, rs.rank, tables);
  const unsigned t_max = max_rank_shift(base, candidate, rs);
  struct Tried {
    unsigned shift, factor_bits;
    double residual;  // sqrt(R) 2^-t (integer units of the tensor)
    drift::RankFactors factors;
  };
  std::vector<Tried> tried;
  for (unsigned k = 0; k < kRankShiftCandidates && k <= t_max; ++k) {
    drift::RankStatement s = rs;
    s.shift = t_max - k;
    s.factor_bits = max_rank_factor_bits(base, candidate, rs, s.shift);
    drift::RankLayout l;
    if (s.factor_bits == 0 || drift::RankLayout::make(base, candidate, s, l) != drift::DriftStatus::kOk) continue;
    drift::RankFactors f = drift::rank_quantize(l, s, subspace);
    const drift::RankWitness w = drift::rank_witness(l, s, tables, f);
    const double residual = std::ldexp(std::sqrt(static_cast<double>(w.disclosure.value())), -static_cast<int>(s.shift));
    tried.push_back({s.shift, s.factor_bits, residual, std::move(f)});
  }
  if (tried.empty()) throw Error(ErrorCode::kInternal, "no rank proof parameters accepted");
  double best = tried.front().residual;
  for (const Tried& x : tried) best = std::min(best, x.residual);
  std::size_t pick = 0;
  for (std::size_t k = 0; k < tried.size(); ++k) {
    if (tried[k].residual <= best * 1.01) pick = k;  // descending t: the last is the smallest
  }
  Tried& chosen = tried[pick];
  std::uint64_t max_entry = 0;
  for (const std::int64_t x : chosen.factors.u) max_entry = std::max(max_entry, static_cast<std::uint64_t>(x < 0 ? -x : x));
  for (const std::int64_t x : chosen.factors.v) max_entry = std::max(max_entry, static_cast<std::uint64_t>(x < 0 ? -x : x));
  const unsigned needed = std::max<unsigned>(drift::kMinRankFactorBits, static_cast<unsigned>(std::bit_width(max_entry)) + 1);
  return {std::min(chosen.factor_bits, needed), chosen.shift, std::move(chosen.factors)};
}

VerifyReport verify_impl(std::span<const std::uint8_t> bytes, const policy::Policy& policy,
                         const VerifyOptions& options) {
  VerifyReport report;
  report.certificate_bytes = bytes.size();
  CheckFailure& fail = report.failure;
  Certificate& c = report.certificate;

  // 1. Format.
  fail = parse_certificate(bytes, c);
  if (fail.failed()) return report;
  const CertStatement& st = c.statement;
  drift::NormLayout layout;
  drift::NormProof proof;
  const bool has_norms = !st.norm.tensors.empty();
  if (has_norms) {
    const drift::DriftStatus s = drift::NormLayout::make(c.base, c.candidate, st.norm, layout);
    if (s != drift::DriftStatus::kOk) {
      fail = {"statement", fmt::format("the norm statement does not fit the commitments: {}", drift::drift_status_name(s))};
      return report;
    }
    if (c.disclosure.items.size() != layout.items.size()) {
      fail = {"format", fmt::format("{} disclosed statistics, the statement has {} items", c.disclosure.items.size(),
                                    layout.items.size())};
      return report;
    }
    const drift::DriftResult p = drift::NormProof::parse(c.norm_proof, c.base, c.candidate, st.norm, layout, proof);
    if (!p.ok()) {
      fail = {"format", "norm proof: " + drift_reason(p)};
      return report;
    }
  } else if (!c.norm_proof.empty() || !c.disclosure.items.empty()) {
    fail = {"format", "a norm proof or statistics without norm tensors"};
    return report;
  }
  if (c.rank_disclosures.size() != st.rank.size()) {
    fail = {"format", fmt::format("{} rank disclosures, the statement has {} rank tensors", c.rank_disclosures.size(),
                                  st.rank.size())};
    return report;
  }
  std::vector<drift::RankStatement> rank_statements;
  for (const RankEntry& e : st.rank) rank_statements.push_back(rank_drift_statement(e, st.norm.range_limb_bits));
  // Chunks of at most kMaxRankClaims claims, one proof each (in order).
  const std::size_t chunks = rank_chunks(st.rank.size());
  const auto chunk_claims = [&](std::size_t k) {
    const std::size_t first = k * drift::kMaxRankClaims;
    return drift::RankClaims(rank_statements).subspan(first, std::min(drift::kMaxRankClaims, st.rank.size() - first));
  };
  const auto chunk_disclosures = [&](std::size_t k) {
    const std::size_t first = k * drift::kMaxRankClaims;
    return std::span<const drift::NormStatistic>(c.rank_disclosures)
        .subspan(first, std::min(drift::kMaxRankClaims, st.rank.size() - first));
  };
  std::vector<drift::RankBatchLayout> rank_layouts(chunks);
  std::vector<drift::RankProof> rank_proofs(chunks);
  if (c.rank_proofs.size() != chunks) {
    fail = {"format", fmt::format("{} rank proofs, {} rank tensors take {}", c.rank_proofs.size(), st.rank.size(),
                                  chunks)};
    return report;
  }
  for (std::size_t i = 0; i < st.rank.size(); ++i) {
    const RankEntry& e = st.rank[i];
    drift::RankLayout l;
    const drift::DriftStatus s = drift::RankLayout::make(c.base, c.candidate, rank_statements[i], l);
    if (s != drift::DriftStatus::kOk) {
      const std::string name = e.tensor < c.base.tensors.size() ? quote_untrusted(c.base.tensors[e.tensor].name)
                                                                : std::to_string(e.tensor);
      fail = {"statement", fmt::format("tensor {}: the rank statement (r = {}, bu = {}, t = {}) does not fit the "
                                       "commitments: {}",
                                       name, e.rank, e.factor_bits, e.shift, drift::drift_status_name(s))};
      return report;
    }
  }
  for (std::size_t k = 0; k < chunks; ++k) {
    const drift::DriftStatus s = drift::RankBatchLayout::make(c.base, c.candidate, chunk_claims(k), rank_layouts[k]);
    if (s != drift::DriftStatus::kOk) {
      fail = {"statement", fmt::format("the rank statement does not fit the commitments: {}", drift::drift_status_name(s))};
      return report;
    }
    const drift::DriftResult p = drift::RankProof::parse(c.rank_proofs[k], c.base, c.candidate, chunk_claims(k),
                                                         rank_layouts[k], rank_proofs[k]);
    if (!p.ok()) {
      fail = {"format", fmt::format("rank proof {}: {}", k, drift_reason(p))};
      return report;
    }
  }

  if (c.entry_counts.size() != st.entries.size()) {
    fail = {"format", fmt::format("{} entry counts, the statement has {} max_abs / sparsity tensors",
                                  c.entry_counts.size(), st.entries.size())};
    return report;
  }
  const bool has_entries = !st.entries.empty();
  const drift::EntryStatement entry_statement = entry_drift_statement(st.entries, st.norm.range_limb_bits);
  drift::EntryLayout entry_layout;
  drift::EntryProof entry_proof;
  if (has_entries) {
    const drift::DriftStatus s = drift::EntryLayout::make(c.base, c.candidate, entry_statement, entry_layout);
    if (s != drift::DriftStatus::kOk) {
      fail = {"statement", fmt::format("the max_abs / sparsity statement does not fit the commitments: {}",
                                       drift::drift_status_name(s))};
      return report;
    }
    const drift::DriftResult p =
        drift::EntryProof::parse(c.entry_proof, c.base, c.candidate, entry_statement, entry_layout, entry_proof);
    if (!p.ok()) {
      fail = {"format", "entry proof: " + drift_reason(p)};
      return report;
    }
  } else if (!c.entry_proof.empty()) {
    fail = {"format", "an entry proof without max_abs / sparsity tensors"};
    return report;
  }

  // 2. Parameters: one set everywhere, and the proven floor for every group.
  if (c.base.params != c.params || c.candidate.params != c.params) {
    fail = {"parameters", "the commitments' Basefold parameters differ from the certificate's"};
    return report;
  }
  if (!options.insecure_test_parameters) {
    const auto check = [&](unsigned n, std::size_t m, const std::string& where) {
      const crypto::Status s = crypto::basefold_check_security(c.params, n, m);
      if (s != crypto::Status::kOk && !fail.failed()) {
        fail = {"parameters", fmt::format("{} (n = {}, M = {}): {}: below the proven {}-bit floor", where, n, m,
                                          crypto::status_name(s), crypto::kBasefoldTargetBits)};
      }
    };
    for (std::size_t g = 0; g < c.base.groups.size(); ++g) {
      check(c.base.groups[g].num_vars, c.base.groups[g].num_polys, fmt::format("base group {}", g));
    }
    for (std::size_t g = 0; g < c.candidate.groups.size(); ++g) {
      check(c.candidate.groups[g].num_vars, c.candidate.groups[g].num_polys, fmt::format("candidate group {}", g));
    }
    if (has_norms) {
      for (const crypto::BasefoldGroupShape& s : proof_shapes(c, layout, proof)) {
        check(s.num_vars, s.num_polys, "norm proof group");
      }
    }
    for (std::size_t k = 0; k < chunks && !fail.failed(); ++k) {
      const crypto::Status s = drift::rank_check_security(c.params, rank_layouts[k], c.base, c.candidate,
                                                          chunk_claims(k), crypto::kBasefoldTargetBits);
      if (s != crypto::Status::kOk) {
        fail = {"parameters", fmt::format("rank proof {}: {}: below the proven {}-bit floor", k,
                                          crypto::status_name(s), crypto::kBasefoldTargetBits)};
      }
    }
    if (has_entries && !fail.failed()) {
      const crypto::Status s = drift::entry_check_security(c.params, entry_layout, c.base, c.candidate,
                                                           entry_statement, crypto::kBasefoldTargetBits);
      if (s != crypto::Status::kOk) {
        fail = {"parameters", fmt::format("entry proof: {}: below the proven {}-bit floor", crypto::status_name(s),
                                          crypto::kBasefoldTargetBits)};
      }
    }
    if (fail.failed()) return report;
  }

  // 3. Policy.
  const std::string canonical = policy::canonical_policy(policy);
  const Sha256Digest digest = policy::policy_digest(policy);
  if (c.policy_digest != digest || c.policy_canonical != canonical ||
      sha256({reinterpret_cast<const std::uint8_t*>(canonical.data()), canonical.size()}) != c.policy_digest) {
    fail = {"policy", fmt::format("the certificate was issued under policy {}, not the given policy {}",
                                  to_hex(c.policy_digest), to_hex(digest))};
    return report;
  }

  // 4. Statement, rebuilt from the policy and the commitments.
  StatementBuild build;
  try {
    build = build_statement(policy, c.base, c.candidate);
  } catch (const std::exception& e) {
    fail = {"statement", e.what()};
    return report;
  }
  if (!build.violations.empty()) {
    fail = {"statement", "the committed models violate the policy: " + build.violations.front()};
    return report;
  }
  // The prover's bu and t: taken from the certificate (RankLayout accepted
  // them above), the absolute bound recomputed at that t.
  if (build.statement.rank.size() == st.rank.size()) {
    for (std::size_t i = 0; i < st.rank.size(); ++i) {
      RankEntry& e = build.statement.rank[i];
      if (e.tensor < c.base.tensors.size()) {
        set_rank_parameters(e, c.base.tensors[e.tensor].scale, st.rank[i].factor_bits, st.rank[i].shift);
      }
    }
  }
  if (!(build.statement == st)) {
    fail = {"statement", statement_difference(build.statement, st, c.base)};
    return report;
  }

  // 5. Commitments: digests recompute from the records.
  if (!drift::norm_commitment_consistent(c.base) || !drift::norm_commitment_consistent(c.candidate)) {
    fail = {"commitments", "a commitment's root does not recompute from its records"};
    return report;
  }

  // 6. Frozen.
  const drift::DriftResult frozen = drift::verify_frozen(c.base, c.candidate, st.frozen);
  if (!frozen.ok()) {
    fail = {"frozen", fmt::format("{}: tensor {}", drift_reason(frozen), first_unfrozen(c.base, c.candidate, st.frozen))};
    return report;
  }

  // 7. Norm proof (its bounds included), 8. additional absolute bounds,
  // 9. rank proofs in tensor order on the same transcript, 10. their bounds.
  crypto::Transcript t = certificate_transcript(c.params, c.policy_digest, c.base, c.candidate, st);
  if (has_norms) {
    drift::NormVerifyOptions norm_options;
    norm_options.min_security_bits = options.insecure_test_parameters ? 0 : crypto::kBasefoldTargetBits;
    const drift::DriftResult r = drift::verify_norms(c.base, c.candidate, st.norm, c.disclosure, proof, t, norm_options);
    if (r.status == drift::DriftStatus::kBoundExceeded) {
      fail = {"bounds", "a proven Frobenius norm exceeds its bound (bound_exceeded)"};
      return report;
    }
    if (!r.ok()) {
      fail = {"norm proof", drift_reason(r)};
      return report;
    }
    for (const AbsoluteCheck& a : st.extra_absolute) {
      const uint128 s = c.disclosure.items[layout.tensors[a.position].first_item].value();
      if (!drift::norm_bound_holds({drift::NormBoundKind::kAbsolute, a.max_delta_squares, 0, 1}, s, 0)) {
        fail = {"bounds", fmt::format("tensor {}: the proven Frobenius norm exceeds the absolute bound",
                                      quote_untrusted(c.base.tensors[st.norm.tensors[a.position].tensor].name))};
        return report;
      }
    }
    // The same bounds with the rounding margin: they must hold for the real
    // values too (10.4.3).
    const NormSums sums = with_rounding_margin(norm_sums(st.norm, layout, c.disclosure), st.norm, c.base, c.candidate);
    for (std::size_t p = 0; p < st.norm.tensors.size(); ++p) {
      if (!norm_tensor_holds(st, p, sums)) {
        const commitment::TensorRecord& rec = c.base.tensors[st.norm.tensors[p].tensor];
        fail = {"bounds", fmt::format("tensor {}: the proven Frobenius norm with the margin of its {} rounded values "
                                      "exceeds its bound",
                                      quote_untrusted(rec.name), rec.inexact + c.candidate.find(rec.name)->inexact)};
        return report;
      }
    }
    for (const NormBudget& b : st.norm_budgets) {
      if (!norm_budget_holds(b, st.norm, c.base, sums.delta, sums.base)) {
        fail = {"bounds", fmt::format("budget {}: the proven total Frobenius norm exceeds its bound",
                                      quote_untrusted(b.name))};
        return report;
      }
    }
  } else if (!st.norm_budgets.empty()) {
    fail = {"statement", "norm budgets without norm tensors"};
    return report;
  }
  for (std::size_t k = 0; k < chunks; ++k) {
    drift::RankVerifyOptions rank_options;
    rank_options.min_security_bits = options.insecure_test_parameters ? 0 : crypto::kBasefoldTargetBits;
    const drift::DriftResult r = drift::verify_ranks(c.base, c.candidate, chunk_claims(k), chunk_disclosures(k),
                                                     rank_proofs[k], t, rank_options);
    if (r.status == drift::DriftStatus::kBoundExceeded) {
      for (std::size_t i = 0; i < st.rank.size(); ++i) {
        if (rank_statements[i].bound == drift::RankBoundKind::kAbsolute &&
            c.rank_disclosures[i].value() > rank_statements[i].max_residual_squares) {
          fail = {"bounds", fmt::format("tensor {}: the proven rank-{} residual exceeds the absolute bound",
                                        quote_untrusted(c.base.tensors[st.rank[i].tensor].name), st.rank[i].rank)};
          return report;
        }
      }
    }
    if (!r.ok()) {
      fail = {"rank proof", drift_reason(r)};
      return report;
    }
  }
  for (std::size_t i = 0; i < st.rank.size(); ++i) {
    const RankEntry& e = st.rank[i];
    const uint128 q = e.has_relative ? c.disclosure.items[layout.tensors[e.norm_position].first_item + 1].value() : 0;
    const std::string name = quote_untrusted(c.base.tensors[e.tensor].name);
    if (e.has_relative && !rank_bounds_hold(e, c.rank_disclosures[i].value(), q)) {
      fail = {"bounds", fmt::format("tensor {}: the proven rank-{} residual exceeds the relative bound", name, e.rank)};
      return report;
    }
    // The same bounds with the rounding margin: they must hold for the real values too.
    if (!rank_margin_holds(e, c.rank_disclosures[i].value(), q, c.base, c.candidate)) {
      fail = {"bounds", fmt::format("tensor {}: the proven rank-{} residual with the margin of its rounded values "
                                    "exceeds its bound",
                                    name, e.rank)};
      return report;
    }
  }
  // 11. The entry proof on the same transcript (max_abs and per-tensor
  // counts), 12. the sparsity budgets on the proven counts.
  if (has_entries) {
    drift::EntryVerifyOptions entry_options;
    entry_options.min_security_bits = options.insecure_test_parameters ? 0 : crypto::kBasefoldTargetBits;
    const drift::DriftResult r =
        drift::verify_entries(c.base, c.candidate, entry_statement, c.entry_counts, entry_proof, t, entry_options);
    if (r.status == drift::DriftStatus::kBoundExceeded) {
      for (std::size_t i = 0; i < st.entries.size(); ++i) {
        if (st.entries[i].has_count && c.entry_counts[i] > st.entries[i].max_changed) {
          fail = {"bounds", fmt::format("tensor {}: {} changed entries proven (and {} rounded values), above the "
                                        "sparsity bound",
                                        quote_untrusted(c.base.tensors[st.entries[i].tensor].name), c.entry_counts[i],
                                        st.entries[i].slack)};
          return report;
        }
      }
    }
    if (!r.ok()) {
      fail = {"entry proof", drift_reason(r)};
      return report;
    }
  }
  for (const CountBudget& b : st.count_budgets) {
    uint128 total = 0;
    for (const std::uint32_t p : b.positions) total += uint128{c.entry_counts[p]} + st.entries[p].slack;
    if (total > b.max_changed) {
      fail = {"bounds", fmt::format("budget {}: {} changed entries proven (rounded values included), above {}",
                                    quote_untrusted(b.name), static_cast<std::uint64_t>(total), b.max_changed)};
      return report;
    }
  }
  report.partial = !st.uncovered.empty();
  report.tensors = findings(policy, c);
  report.budgets = budget_findings(policy, c, layout);
  return report;
}

}  // namespace

std::string failure_line(const CheckFailure& failure) {
  return fmt::format("certificate invalid: {}: {}", failure.check, failure.reason);
}

VerifyReport verify_certificate(std::span<const std::uint8_t> bytes, const policy::Policy& policy,
                                const VerifyOptions& options) {
  const auto start = Clock::now();
  VerifyReport report;
  try {
    report = verify_impl(bytes, policy, options);
  } catch (const std::bad_alloc&) {
    report.failure = {"format", "out of memory"};
  } catch (const std::exception& e) {
    report.failure = {"format", e.what()};
  }
  report.seconds = seconds_since(start);
  return report;
}

ProveResult prove_certificate(const policy::Policy& policy, const Checkpoint& base, const Checkpoint& candidate,
                              const commitment::ModelCommitment* base_commitment, const ProveOptions& options) {
  ProveResult res;
  constexpr unsigned kProveSteps = 8;
  const auto phase = [&options](unsigned step, std::string_view name) {
    if (options.progress) options.progress({name, step, kProveSteps});
  };
  auto start = Clock::now();
  // The groups this policy can open are kept by the commit phase (tables and
  // tree, with the codeword within the budget): the openings below reuse
  // them instead of encoding the groups again.
  const auto keep_group_of = [&policy](std::string_view name) { return may_be_opened(policy, name); };
  commitment::KeptGroups kept_base, kept_candidate;
  if (base_commitment != nullptr) {
    res.base = *base_commitment;
  } else {
    phase(1, "committing the base");
    commitment::CommitOptions bo;
    bo.params = options.params;
    bo.keep_group_of = keep_group_of;
    bo.kept_codeword_budget = options.kept_codeword_budget;
    res.base = commitment::commit_model(base, bo, nullptr, &kept_base);
  }
  if (options.enforce_security_floor) {
    for (const crypto::BasefoldCommitment& g : res.base.groups) {
      if (crypto::basefold_check_security(res.base.params, g.num_vars, g.num_polys) != crypto::Status::kOk) {
        throw Error(ErrorCode::kUsage, "the base commitment's Basefold parameters are below the proven floor");
      }
    }
  }
  phase(2, "committing the candidate");
  commitment::CommitOptions co;
  co.params = res.base.params;
  co.given_scales = commitment::scales_of(res.base);
  co.keep_group_of = keep_group_of;
  co.kept_codeword_budget = options.kept_codeword_budget;
  // Groups the fine-tune left untouched (every member byte for byte the
  // base's) take the base's commitment and kept data instead of being
  // committed again: typically every frozen group.
  co.reference = &res.base;
  co.reference_kept = &kept_base;
  res.candidate = commitment::commit_model(candidate, co, nullptr, &kept_candidate);
  res.commit_seconds = seconds_since(start);
  start = Clock::now();

  StatementBuild build = build_statement(policy, res.base, res.candidate);
  if (!build.violations.empty()) {
    res.outcome = ProveOutcome::kViolation;
    for (const std::string& v : build.violations) res.message += v + "\n";
    return res;
  }
  if (!build.statement.uncovered.empty() && !options.allow_partial) {
    res.outcome = ProveOutcome::kUncertifiable;
    for (const Uncovered& u : build.statement.uncovered) {
      res.message += fmt::format("rule {} ({}, {} tensors) cannot be certified yet\n", quote_untrusted(u.rule), u.what,
                                 u.tensors);
    }
    return res;
  }
  const drift::DriftResult frozen = drift::verify_frozen(res.base, res.candidate, build.statement.frozen);
  if (!frozen.ok()) {
    if (frozen.status == drift::DriftStatus::kIncompatibleCommitments) {
      // Roots that are not the records' and groups': only a stored base
      // commitment can be so (the candidate's is computed here).
      throw Error(ErrorCode::kIntegrity,
                  "the stored base commitment is not consistent (its roots are not its records' and groups'); "
                  "commit the base again");
    }
    res.outcome = ProveOutcome::kViolation;
    res.message = fmt::format("tensor {} is frozen but changed\n",
                              first_unfrozen(res.base, res.candidate, build.statement.frozen));
    return res;
  }

  Certificate c;
  c.params = res.base.params;
  c.policy_canonical = policy::canonical_policy(policy);
  c.policy_digest = policy::policy_digest(policy);
  c.base = res.base;
  c.candidate = res.candidate;
  c.statement = build.statement;
  const bool has_norms = !c.statement.norm.tensors.empty();
  drift::NormLayout layout;
  if (has_norms) {
    const drift::DriftStatus s = drift::NormLayout::make(c.base, c.candidate, c.statement.norm, layout);
    if (s != drift::DriftStatus::kOk) {
      throw Error(ErrorCode::kInternal, fmt::format("norm statement refused: {}", drift::drift_status_name(s)));
    }
  }
  // Rank layouts at the smallest parameters (for the groups they open).
  std::vector<drift::RankLayout> rank_layouts(c.statement.rank.size());
  for (std::size_t i = 0; i < c.statement.rank.size(); ++i) {
    const drift::RankStatement rs = rank_drift_statement(c.statement.rank[i], c.statement.norm.range_limb_bits);
    const unsigned t = max_rank_shift(c.base, c.candidate, rs);
    if (t == kNoRankShift) {
      const commitment::TensorRecord& rec = c.base.tensors[c.statement.rank[i].tensor];
      res.outcome = ProveOutcome::kViolation;
      res.message = fmt::format("tensor {}: no rank-{} proof parameters keep its sums below p (max_abs {} + {})\n",
                                quote_untrusted(rec.name), rs.rank, rec.max_abs, c.candidate.find(rec.name)->max_abs);
      return res;
    }
    drift::RankStatement probe = rs;
    probe.shift = 0;
    probe.factor_bits = drift::kMinRankFactorBits;
    if (drift::RankLayout::make(c.base, c.candidate, probe, rank_layouts[i]) != drift::DriftStatus::kOk) {
      throw Error(ErrorCode::kInternal, "rank statement refused at the smallest parameters");
    }
  }
  phase(3, "opening the committed tensors");
  // Groups kept by the commit phase are reused; the others (a stored base
  // commitment) are encoded again from the files. Kept groups no proof
  // opens are dropped.
  commitment::KeptGroups base_data, candidate_data;
  // Groups encoded here hold their codeword within the same budget as the
  // commit phase's kept groups (commitment::CommitOptions).
  std::size_t codeword_left = options.kept_codeword_budget;
  const auto open_group = [&c, &codeword_left](const Checkpoint& checkpoint,
                                               const commitment::ModelCommitment& commitment,
                                               commitment::KeptGroups& kept, commitment::KeptGroups& opened,
                                               std::uint32_t g) {
    if (opened.contains(g)) return;
    if (const auto it = kept.find(g); it != kept.end()) {
      opened.insert(kept.extract(it));
      return;
    }
    std::vector<std::vector<crypto::Fp>> tables = commitment::group_tables(checkpoint, commitment, g);
    crypto::BasefoldProverData data = commitment::keep_group(c.params, std::move(tables), codeword_left);
    // A stored commitment whose tensor digests match the files but whose
    // group commitment does not (a corrupted or forged file) would give a
    // certificate no verifier accepts: say so here instead.
    if (!(data.commitment() == commitment.groups[g])) {
      throw Error(ErrorCode::kIntegrity,
                  fmt::format("the stored commitment's group {} ({} tensors of 2^{} entries) is not the one its files "
                              "give; commit the base again",
                              g, data.num_polys(), data.num_vars()));
    }
    opened.emplace(g, std::move(data));
  };
  const auto open_base = [&](std::uint32_t g) { open_group(base, c.base, kept_base, base_data, g); };
  const auto open_candidate = [&](std::uint32_t g) { open_group(candidate, c.candidate, kept_candidate, candidate_data, g); };
  for (const drift::NormClassLayout& k : layout.classes) {
    for (const std::uint32_t g : k.base_groups) open_base(g);
    for (const std::uint32_t g : k.candidate_groups) open_candidate(g);
  }
  for (const drift::RankLayout& l : rank_layouts) {
    open_base(l.base_group);
    open_candidate(l.candidate_group);
  }
  const drift::EntryStatement entry_statement =
      entry_drift_statement(c.statement.entries, c.statement.norm.range_limb_bits);
  drift::EntryLayout entry_layout;
  if (!c.statement.entries.empty()) {
    if (drift::EntryLayout::make(c.base, c.candidate, entry_statement, entry_layout) != drift::DriftStatus::kOk) {
      throw Error(ErrorCode::kInternal, "max_abs / sparsity statement refused");
    }
    for (const drift::EntryClassLayout& k : entry_layout.classes) {
      for (const std::uint32_t g : k.base_groups) open_base(g);
      for (const std::uint32_t g : k.candidate_groups) open_candidate(g);
    }
  }
  kept_base.clear();
  kept_candidate.clear();
  std::vector<const crypto::BasefoldProverData*> bg(c.base.groups.size(), nullptr), cg(c.candidate.groups.size(), nullptr);
  for (const auto& [g, d] : base_data) bg[g] = &d;
  for (const auto& [g, d] : candidate_data) cg[g] = &d;

  // The prover's rank parameters (bu, t) and factors, fixed before the
  // statement is absorbed.
  std::vector<drift::RankFactors> rank_factors;
  if (!c.statement.rank.empty()) phase(4, "rank factors");
  for (std::size_t i = 0; i < c.statement.rank.size(); ++i) {
    RankEntry& e = c.statement.rank[i];
    RankChoice choice = choose_rank_parameters(c.base, bg, c.candidate, cg, e, c.statement.norm.range_limb_bits,
                                                     rank_layouts[i]);
    set_rank_parameters(e, c.base.tensors[e.tensor].scale, choice.factor_bits, choice.shift);
    rank_factors.push_back(std::move(choice.factors));
  }

  crypto::Transcript t = certificate_transcript(c.params, c.policy_digest, c.base, c.candidate, c.statement);
  if (has_norms) {
    phase(5, "norm proof");
    drift::NormProverOutput out = drift::prove_norms(c.base, bg, c.candidate, cg, c.statement.norm, t);
    c.disclosure = std::move(out.disclosure);
    c.norm_proof = out.proof.serialize();
    // Refuse a candidate that violates a bound, the rounding margin included
    // (10.4.3): no certificate for it.
    const NormSums margin =
        with_rounding_margin(norm_sums(c.statement.norm, layout, c.disclosure), c.statement.norm, c.base, c.candidate);
    for (std::size_t p = 0; p < c.statement.norm.tensors.size(); ++p) {
      const drift::NormTensor& nt = c.statement.norm.tensors[p];
      const std::size_t k = layout.tensors[p].first_item;
      const uint128 sq = c.disclosure.items[k].value();
      const uint128 q = nt.base_squares ? c.disclosure.items[k + 1].value() : 0;
      if (!norm_tensor_holds(c.statement, p, margin)) {
        const commitment::TensorRecord& rec = c.base.tensors[nt.tensor];
        const policy::Rule* rule = policy.match(rec.name);
        res.message += fmt::format("tensor {} (rule {}): ||Delta||_F = {:.6g}{} exceeds its bound{}\n",
                                   quote_untrusted(rec.name), rule ? rule->name : "default",
                                   to_real_norm(sq, rec.scale),
                                   q != 0 ? fmt::format(" (relative {:.6g})",
                                                        std::sqrt(static_cast<double>(sq) / static_cast<double>(q)))
                                          : "",
                                   margin.delta[p] != sq ? " (with the margin of its rounded values)" : "");
      }
    }
  }
  if (has_norms) {
    const NormSums sums =
        with_rounding_margin(norm_sums(c.statement.norm, layout, c.disclosure), c.statement.norm, c.base, c.candidate);
    for (const NormBudget& b : c.statement.norm_budgets) {
      if (!norm_budget_holds(b, c.statement.norm, c.base, sums.delta, sums.base)) {
        res.message += fmt::format("budget {}: the total Frobenius norm exceeds its bound\n", quote_untrusted(b.name));
      }
    }
  }
  if (!c.statement.rank.empty()) phase(6, "rank proof");
  {
    std::vector<drift::RankStatement> claims;
    for (const RankEntry& e : c.statement.rank) claims.push_back(rank_drift_statement(e, c.statement.norm.range_limb_bits));
    // Chunks of at most kMaxRankClaims claims, one proof each, in order.
    for (std::size_t first = 0; first < claims.size(); first += drift::kMaxRankClaims) {
      const std::size_t n = std::min(drift::kMaxRankClaims, claims.size() - first);
      drift::RankProverOutput out =
          drift::prove_ranks_factors(c.base, bg, c.candidate, cg, drift::RankClaims(claims).subspan(first, n),
                                     std::span<const drift::RankFactors>(rank_factors).subspan(first, n), t);
      c.rank_disclosures.insert(c.rank_disclosures.end(), out.disclosures.begin(), out.disclosures.end());
      c.rank_proofs.push_back(out.proof.serialize());
    }
  }
  for (std::size_t i = 0; i < c.statement.rank.size(); ++i) {
    const RankEntry& e = c.statement.rank[i];
    const uint128 r = c.rank_disclosures[i].value();
    const uint128 q = e.has_relative ? c.disclosure.items[layout.tensors[e.norm_position].first_item + 1].value() : 0;
    const bool plain = rank_bounds_hold(e, r, q);
    if (!plain || !rank_margin_holds(e, r, q, c.base, c.candidate)) {
      const commitment::TensorRecord& rec = c.base.tensors[e.tensor];
      const policy::Rule* rule = policy.match(rec.name);
      const double residual = to_real_residual(r, rec.scale, e.shift);
      res.message += fmt::format(
          "tensor {} (rule {}): the rank-{} residual ||E||_F = {:.6g}{} exceeds its bound{} (bu = {}, t = {})\n",
          quote_untrusted(rec.name), rule ? rule->name : "default", e.rank, residual,
          q != 0 ? fmt::format(" (relative {:.6g})", residual / std::ldexp(std::sqrt(static_cast<double>(q)), -rec.scale))
                 : "",
          plain ? " with the margin of its rounded values" : "", e.factor_bits, e.shift);
    }
  }
  if (!c.statement.entries.empty()) {
    phase(7, "max_abs and sparsity proofs");
    // Every violation by name first (the batched prover refuses at the first).
    const drift::EntryTables tables = drift::entry_tables(c.base, bg, c.candidate, cg, entry_layout);
    c.entry_counts.assign(c.statement.entries.size(), 0);
    for (std::size_t i = 0; i < c.statement.entries.size(); ++i) {
      const EntryEntry& e = c.statement.entries[i];
      const commitment::TensorRecord& rec = c.base.tensors[e.tensor];
      const policy::Rule* rule = policy.match(rec.name);
      const std::vector<std::int64_t> d = drift::encoded_delta(tables.base[i], tables.candidate[i], "entry proof");
      std::uint64_t largest = 0, changed = 0;
      for (const std::int64_t x : d) {
        largest = std::max(largest, static_cast<std::uint64_t>(x < 0 ? -x : x));
        changed += x != 0 ? 1u : 0u;
      }
      if (e.has_max_abs && largest > entry_layout.claims[i].abs_bound) {
        res.message += fmt::format("tensor {} (rule {}): max |Delta| = {:.6g} exceeds {:.6g}\n",
                                   quote_untrusted(rec.name), rule ? rule->name : "default",
                                   std::ldexp(static_cast<double>(largest), -rec.scale),
                                   std::ldexp(static_cast<double>(e.max_abs), -rec.scale));
      }
      if (e.has_count) c.entry_counts[i] = changed;
      if (e.has_count && e.max_changed != drift::kNoCountBound && changed > e.max_changed) {
        res.message += fmt::format("tensor {} (rule {}): {} changed entries{}, above the sparsity bound {}\n",
                                   quote_untrusted(rec.name), rule ? rule->name : "default", changed,
                                   e.slack ? fmt::format(" (+ {} rounded values)", e.slack) : "",
                                   e.max_changed + e.slack);
      }
    }
    if (res.message.empty()) {
      drift::EntryProverOutput out = drift::prove_entries(c.base, bg, c.candidate, cg, entry_statement, t);
      c.entry_counts = std::move(out.changed);
      c.entry_proof = out.proof.serialize(entry_layout);
    }
  }
  for (const CountBudget& b : c.statement.count_budgets) {
    if (!res.message.empty()) break;
    uint128 total = 0;
    for (const std::uint32_t p : b.positions) total += uint128{c.entry_counts[p]} + c.statement.entries[p].slack;
    if (total > b.max_changed) {
      res.message += fmt::format("budget {}: {} changed entries (rounded values included), above {}\n",
                                 quote_untrusted(b.name), static_cast<std::uint64_t>(total), b.max_changed);
    }
  }
  if (!res.message.empty()) {
    res.outcome = ProveOutcome::kViolation;
    return res;
  }
  res.certificate = serialize_certificate(c);
  res.prove_seconds = seconds_since(start);
  // Self-check: never hand out a certificate this verifier rejects.
  phase(8, "checking the certificate");
  const VerifyReport check =
      verify_certificate(res.certificate, policy, {.insecure_test_parameters = !options.enforce_security_floor});
  if (!check.valid()) throw Error(ErrorCode::kInternal, "the new certificate does not verify: " + failure_line(check.failure));
  return res;
}

}  // namespace fti::certify
