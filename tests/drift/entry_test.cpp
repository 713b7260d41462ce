// Entrywise drift proofs (docs/PROTOCOL.md, section 10.6): max_abs and the
// changed-entry count. Completeness on shapes with padding, a scalar and a
// vector; exact figures; the honest prover's refusal; and a cheating prover
// for every way to lie: a count below the truth, a mask that skips a changed
// entry, a non-boolean mask that sums small, a = M + d wrapped modulo p (the
// range argument must catch it), a in range but not M + d; replay against
// another candidate, base or statement; every byte flip; the security floor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "engine/common/error.h"
#include "engine/crypto/range.h"
#include "engine/drift/entry.h"
#include "tests/crypto/range_helpers.h"
#include "tests/drift/drift_helpers.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;
using crypto::Fp;

struct Pair {
  TestModel base, cand;
};

// Candidate = base with `changed` entries (spread over the tensor) moved by
// up to +-step (never 0).
Pair sparse_pair(std::uint64_t seed, std::vector<std::uint64_t> shape, std::size_t changed, std::int64_t step,
                 const crypto::BasefoldParams& params = small_params()) {
  const TestTensor b = random_tensor(seed, "w", std::move(shape), 5000);
  TestTensor c = b;
  const std::size_t n = c.values.size();
  for (std::size_t i = 0; i < changed && i < n; ++i) {
    const std::size_t x = (i * 7919 + seed) % n;
    const std::int64_t move = 1 + static_cast<std::int64_t>((seed + i * 31) % static_cast<std::uint64_t>(step));
    c.values[x] += (i % 2 == 0) ? move : -move;
  }
  return {make_model({b}, params, false), make_model({c}, params, true)};
}

std::int64_t max_abs_delta(const Pair& p) {
  const TestTensor& b = p.base.tensor("w");
  const TestTensor& c = p.cand.tensor("w");
  std::int64_t m = 0;
  for (std::size_t i = 0; i < b.values.size(); ++i) m = std::max<std::int64_t>(m, std::abs(c.values[i] - b.values[i]));
  return m;
}

std::uint64_t changed_entries(const Pair& p) {
  const TestTensor& b = p.base.tensor("w");
  const TestTensor& c = p.cand.tensor("w");
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < b.values.size(); ++i) n += c.values[i] != b.values[i] ? 1u : 0u;
  return n;
}

EntryStatement statement(bool max_abs, std::uint64_t bound, bool count, std::uint64_t max_changed = kNoCountBound) {
  EntryStatement st;
  st.claims.push_back({0, max_abs, bound, count, max_changed});
  st.range_limb_bits = 4;
  return st;
}

EntryLayout layout_of(const TestModel& base, const TestModel& cand, const EntryStatement& st) {
  EntryLayout layout;
  EXPECT_EQ(EntryLayout::make(base.commitment, cand.commitment, st, layout), DriftStatus::kOk);
  return layout;
}

struct EntryProven {
  EntryProverOutput out;
  std::vector<std::uint8_t> bytes;
};

EntryProven prove_models(const TestModel& base, const TestModel& cand, const EntryStatement& st,
                         std::uint64_t context = 1) {
  crypto::Transcript t = test_transcript(context);
  EntryProven r{prove_entries(base.commitment, base.group_pointers(), cand.commitment, cand.group_pointers(), st, t),
                {}};
  r.bytes = r.out.proof.serialize(layout_of(base, cand, st));
  return r;
}

EntryProven prove(const Pair& p, const EntryStatement& st, std::uint64_t context = 1) {
  return prove_models(p.base, p.cand, st, context);
}

DriftResult verify(const TestModel& base, const TestModel& cand, const EntryStatement& st,
                   std::vector<std::uint64_t> changed, std::span<const std::uint8_t> bytes, std::uint64_t context = 1) {
  crypto::Transcript t = test_transcript(context);
  return verify_entries_bytes(base.commitment, cand.commitment, st, changed, bytes, t,
                              EntryVerifyOptions{.min_security_bits = 0});
}

EntryLayout layout_of(const Pair& p, const EntryStatement& st) { return layout_of(p.base, p.cand, st); }

// A cheating prover: W's tables as given (no check against the tables), the
// range data built without range checks.
EntryProven prove_cheating(const Pair& p, const EntryStatement& st, EntryWitness w) {
  const EntryLayout layout = layout_of(p, st);
  const auto bg = p.base.group_pointers();
  const auto cg = p.cand.group_pointers();
  const EntryTables tables = entry_tables(p.base.commitment, bg, p.cand.commitment, cg, layout);
  std::vector<crypto::BasefoldProverData> groups;
  for (const auto& polys : w.classes) groups.push_back(crypto::basefold_commit(p.base.commitment.params, polys));
  std::optional<crypto::RangeProverData> range;
  if (layout.abs_claims > 0) {
    range.emplace(crypto::testing::cheat_commit(p.base.commitment.params, entry_range_statement(layout, st),
                                                entry_range_sources(layout, groups)));
  }
  crypto::Transcript t = test_transcript(1);
  EntryProven r{prove_entries_with(p.base.commitment, bg, p.cand.commitment, cg, st, layout, tables, w, groups,
                                   range ? &*range : nullptr, t),
                {}};
  r.bytes = r.out.proof.serialize(layout);
  return r;
}

EntryWitness honest_witness(const Pair& p, const EntryStatement& st) {
  const EntryLayout layout = layout_of(p, st);
  const EntryTables tables = entry_tables(p.base.commitment, p.base.group_pointers(), p.cand.commitment,
                                          p.cand.group_pointers(), layout);
  return entry_witness(p.base.commitment, layout, st, tables);
}

struct Shape {
  std::vector<std::uint64_t> dims;
  std::size_t changed;
};

class EntryCompleteness : public ::testing::TestWithParam<Shape> {};

TEST_P(EntryCompleteness, MaxAbsAndCountVerifyWithTheExactFigures) {
  const Shape s = GetParam();
  const Pair p = sparse_pair(11 + s.changed, s.dims, s.changed, 300);
  const auto m = static_cast<std::uint64_t>(max_abs_delta(p));
  const std::uint64_t k = changed_entries(p);
  for (const EntryStatement& st : {statement(true, m, false), statement(false, 0, true, k), statement(true, m, true, k),
                                   statement(true, m + 1000, true)}) {
    const EntryProven proven = prove(p, st);
    EXPECT_EQ(proven.out.changed[0], st.claims[0].count ? k : 0);
    EXPECT_EQ(verify(p.base, p.cand, st, proven.out.changed, proven.bytes), DriftResult{})
        << "max_abs " << st.claims[0].max_abs << " count " << st.claims[0].count;
  }
}

INSTANTIATE_TEST_SUITE_P(EntryShapes, EntryCompleteness,
                         ::testing::Values(Shape{{16, 32}, 40}, Shape{{12, 20}, 7}, Shape{{100}, 3}, Shape{{1}, 1},
                                           Shape{{3, 5}, 0}, Shape{{64, 64}, 4096}));

TEST(EntryCompletenessBounds, MaxAbsIsExactAndTheProverRefusesBelowIt) {
  const Pair p = sparse_pair(3, {16, 16}, 30, 200);
  const auto m = static_cast<std::uint64_t>(max_abs_delta(p));
  ASSERT_GT(m, 0u);
  EXPECT_EQ(verify(p.base, p.cand, statement(true, m, false), {0}, prove(p, statement(true, m, false)).bytes),
            DriftResult{});
  EXPECT_THROW(prove(p, statement(true, m - 1, false)), Error);
  // A bound above 2^24 is capped (|d| < 2^24 always) and still proves.
  const EntryStatement huge = statement(true, std::uint64_t{1} << 40, false);
  EXPECT_EQ(layout_of(p, huge).claims[0].abs_bound, kEntryAbsCap);
  EXPECT_EQ(verify(p.base, p.cand, huge, {0}, prove(p, huge).bytes), DriftResult{});
  // max_abs 0 on an unchanged tensor.
  const Pair same = sparse_pair(4, {8, 8}, 0, 10);
  EXPECT_EQ(verify(same.base, same.cand, statement(true, 0, false), {0}, prove(same, statement(true, 0, false)).bytes),
            DriftResult{});
}

TEST(EntryCompletenessBounds, CountAboveTheBoundIsAValidProofOfAViolation) {
  const Pair p = sparse_pair(5, {16, 16}, 25, 50);
  const EntryStatement st = statement(false, 0, true, 24);
  const EntryProven proven = prove(p, st);
  EXPECT_EQ(proven.out.changed[0], 25u);
  EXPECT_EQ(verify(p.base, p.cand, st, {25}, proven.bytes).status, DriftStatus::kBoundExceeded);
}

TEST(EntryAdversarial, ACountBelowTheTruthIsRejected) {
  const Pair p = sparse_pair(6, {16, 16}, 25, 50);
  const EntryStatement st = statement(false, 0, true, 24);
  const EntryProven proven = prove(p, st);
  for (const std::uint64_t lie : {0u, 1u, 24u}) {
    EXPECT_FALSE(verify(p.base, p.cand, st, {lie}, proven.bytes).ok()) << lie;
  }
  EXPECT_EQ(verify(p.base, p.cand, st, {257}, proven.bytes).status, DriftStatus::kStatisticOutOfRange);
}

TEST(EntryAdversarial, AMaskThatSkipsAChangedEntryIsRejected) {
  const Pair p = sparse_pair(7, {16, 16}, 25, 50);
  const EntryStatement st = statement(false, 0, true, 24);
  EntryWitness w = honest_witness(p, st);
  for (Fp& x : w.classes[0][0]) {
    if (x == Fp::one()) {
      x = Fp::zero();
      break;
    }
  }
  w.changed[0] = 24;
  const EntryProven forged = prove_cheating(p, st, w);
  const DriftResult r = verify(p.base, p.cand, st, {24}, forged.bytes);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, DriftStatus::kSumcheckRejected) << drift_status_name(r.status);
}

TEST(EntryAdversarial, ANonBooleanMaskThatSumsSmallIsRejected) {
  // m = 1 on every changed entry (so (C - B)(1 - m) = 0 holds everywhere)
  // and m = -1 on two unchanged ones: the sum drops by 2. Only the
  // booleanity claim m (1 - m) = 0 stands in the way.
  const Pair p = sparse_pair(8, {16, 16}, 25, 50);
  const EntryStatement st = statement(false, 0, true, 23);
  EntryWitness w = honest_witness(p, st);
  int set = 0;
  for (Fp& x : w.classes[0][0]) {
    if (x == Fp::zero() && set < 2) {
      x = -Fp::one();
      ++set;
    }
  }
  ASSERT_EQ(set, 2);
  w.changed[0] = 23;
  const EntryProven forged = prove_cheating(p, st, w);
  const DriftResult r = verify(p.base, p.cand, st, {23}, forged.bytes);
  EXPECT_EQ(r.status, DriftStatus::kSumcheckRejected) << drift_status_name(r.status);
}

TEST(EntryAdversarial, WrappedMaxAbsWitnessIsRejectedByTheRangeArgument) {
  // |d| up to 200, bound 10: a = M + d is "negative" for some entries, i.e.
  // near p; the identity a = M + C - B holds exactly in the field, only the
  // range argument can reject it.
  const Pair p = sparse_pair(9, {16, 16}, 30, 200);
  const EntryStatement st = statement(true, 10, false);
  const EntryLayout layout = layout_of(p, st);
  const EntryTables tables = entry_tables(p.base.commitment, p.base.group_pointers(), p.cand.commitment,
                                          p.cand.group_pointers(), layout);
  EntryWitness w;
  w.changed.assign(1, 0);
  w.classes.assign(1, std::vector<std::vector<Fp>>(2, std::vector<Fp>(tables.base[0].size())));
  const Fp m = Fp::from_u64(10);
  for (std::size_t x = 0; x < tables.base[0].size(); ++x) {
    w.classes[0][0][x] = m + tables.candidate[0][x] - tables.base[0][x];
    w.classes[0][1][x] = m - tables.candidate[0][x] + tables.base[0][x];
  }
  const EntryProven forged = prove_cheating(p, st, w);
  const DriftResult r = verify(p.base, p.cand, st, {0}, forged.bytes);
  EXPECT_EQ(r.status, DriftStatus::kRangeRejected) << drift_status_name(r.status);
}

TEST(EntryAdversarial, InRangeWitnessThatIsNotMPlusDeltaIsRejected) {
  const Pair p = sparse_pair(10, {16, 16}, 30, 200);
  const EntryStatement st = statement(true, 10, false);
  EntryWitness w;
  const std::size_t size = std::size_t{1} << layout_of(p, st).claims[0].num_vars;
  w.changed.assign(1, 0);
  w.classes.assign(1, std::vector<std::vector<Fp>>(2, std::vector<Fp>(size, Fp::from_u64(10))));  // "d = 0 everywhere"
  const EntryProven forged = prove_cheating(p, st, w);
  const DriftResult r = verify(p.base, p.cand, st, {0}, forged.bytes);
  EXPECT_EQ(r.status, DriftStatus::kEvaluationMismatch) << drift_status_name(r.status);
}

TEST(EntryAdversarial, ReplayAgainstAnotherCandidateBaseStatementOrContextIsRejected) {
  const Pair p = sparse_pair(12, {16, 16}, 20, 100);
  const Pair q = sparse_pair(13, {16, 16}, 20, 100);
  const auto m = static_cast<std::uint64_t>(max_abs_delta(p));
  const EntryStatement st = statement(true, m, true, 20);
  const EntryProven proven = prove(p, st);
  const std::vector<std::uint64_t> c = proven.out.changed;
  ASSERT_EQ(verify(p.base, p.cand, st, c, proven.bytes), DriftResult{});
  EXPECT_FALSE(verify(p.base, q.cand, st, c, proven.bytes).ok());
  EXPECT_FALSE(verify(q.base, p.cand, st, c, proven.bytes).ok());
  EXPECT_FALSE(verify(p.base, p.cand, st, c, proven.bytes, 2).ok());
  EntryStatement lower = st;
  lower.claims[0].max_abs_bound = m - 1;
  EXPECT_FALSE(verify(p.base, p.cand, lower, c, proven.bytes).ok());
  EntryStatement fewer = st;
  fewer.claims[0].max_changed = 19;
  EXPECT_FALSE(verify(p.base, p.cand, fewer, c, proven.bytes).ok());
  EntryStatement dropped = st;
  dropped.claims[0].count = false;
  dropped.claims[0].max_changed = kNoCountBound;
  EXPECT_FALSE(verify(p.base, p.cand, dropped, {0}, proven.bytes).ok());
}

TEST(EntryAdversarial, EveryByteFlipAndTruncationIsRejected) {
  const Pair p = sparse_pair(14, {4, 4}, 5, 30, tiny_params());
  const EntryStatement st = statement(true, 30, true, 5);
  const EntryProven proven = prove(p, st);
  ASSERT_EQ(verify(p.base, p.cand, st, proven.out.changed, proven.bytes), DriftResult{});
  const auto accepts = [&](std::span<const std::uint8_t> b) {
    return verify(p.base, p.cand, st, proven.out.changed, b).ok();
  };
  EXPECT_TRUE(accepted_byte_flips(proven.bytes, accepts).empty());
  for (std::size_t n = 0; n < proven.bytes.size(); n += 7) {
    EXPECT_FALSE(accepts(std::span<const std::uint8_t>(proven.bytes).first(n))) << n;
  }
  std::vector<std::uint8_t> longer = proven.bytes;
  longer.push_back(0);
  EXPECT_FALSE(accepts(longer));
  // The parser round-trips.
  EntryProof parsed;
  const EntryLayout layout = layout_of(p, st);
  ASSERT_TRUE(EntryProof::parse(proven.bytes, p.base.commitment, p.cand.commitment, st, layout, parsed).ok());
  EXPECT_EQ(parsed.serialize(layout), proven.bytes);
}

// Four tensors in three size classes ("a", "b" share a shape and a group):
// every entry of "a" moved by up to 40, 9 entries of "b", 3 of "c", none of "d".
struct Multi {
  TestModel base, cand;
};

Multi multi_pair(const crypto::BasefoldParams& params = small_params()) {
  std::vector<TestTensor> b = {random_tensor(21, "a", {16, 32}, 3000), random_tensor(22, "b", {16, 32}, 3000),
                               random_tensor(23, "c", {100}, 3000), random_tensor(24, "d", {8, 8}, 3000)};
  std::vector<TestTensor> c = b;
  c[0] = perturbed(b[0], 5, 40);
  for (std::size_t i = 0; i < 9; ++i) c[1].values[i * 50] += 7;
  for (std::size_t i = 0; i < 3; ++i) c[2].values[i * 30] -= 11;
  return {make_model(b, params, false), make_model(c, params, true)};
}

EntryStatement multi_statement() {
  EntryStatement st;
  st.claims = {{0, true, 40, true, kNoCountBound}, {1, false, 0, true, 9}, {2, true, 11, false, kNoCountBound},
               {3, true, 0, true, 0}};
  st.range_limb_bits = 4;
  return st;
}

TEST(EntryBatched, ClaimsInSeveralSizeClassesVerifyInOneProof) {
  const Multi m = multi_pair();
  const EntryStatement st = multi_statement();
  const EntryLayout layout = layout_of(m.base, m.cand, st);
  EXPECT_EQ(layout.classes.size(), 3u);
  EXPECT_EQ(layout.classes[2].claims.size(), 2u);  // a and b: 2^9 entries
  EXPECT_EQ(layout.classes[2].base_groups.size(), 1u);
  const EntryProven proven = prove_models(m.base, m.cand, st);
  ASSERT_EQ(proven.out.changed.size(), 4u);
  EXPECT_EQ(proven.out.changed[1], 9u);
  EXPECT_EQ(proven.out.changed[2], 0u);  // no count claim
  EXPECT_EQ(proven.out.changed[3], 0u);
  EXPECT_EQ(verify(m.base, m.cand, st, proven.out.changed, proven.bytes), DriftResult{});
  // Each claim's statement is bound: tightening any one is rejected.
  for (std::size_t i = 0; i < st.claims.size(); ++i) {
    EntryStatement tighter = st;
    if (tighter.claims[i].max_abs && tighter.claims[i].max_abs_bound > 0) {
      --tighter.claims[i].max_abs_bound;
    } else if (tighter.claims[i].count) {
      tighter.claims[i].max_changed = 0;
    }
    if (tighter == st) continue;
    EXPECT_FALSE(verify(m.base, m.cand, tighter, proven.out.changed, proven.bytes).ok()) << i;
  }
  // A count moved from one claim to another.
  std::vector<std::uint64_t> moved = proven.out.changed;
  moved[0] += 1;
  moved[1] -= 1;
  EXPECT_FALSE(verify(m.base, m.cand, st, moved, proven.bytes).ok());
}

TEST(EntryBatched, ACheatOnOneClaimAmongSeveralIsRejected) {
  const Multi m = multi_pair();
  const EntryStatement st = multi_statement();
  const EntryLayout layout = layout_of(m.base, m.cand, st);
  const EntryTables tables = entry_tables(m.base.commitment, m.base.group_pointers(), m.cand.commitment,
                                          m.cand.group_pointers(), layout);
  EntryWitness w = entry_witness(m.base.commitment, layout, st, tables);
  // Skip one of b's 9 changed entries and claim 8.
  std::vector<Fp>& mask = w.classes[layout.claims[1].size_class][layout.claims[1].mask_poly];
  *std::find(mask.begin(), mask.end(), Fp::one()) = Fp::zero();
  w.changed[1] = 8;
  std::vector<crypto::BasefoldProverData> groups;
  for (const auto& polys : w.classes) groups.push_back(crypto::basefold_commit(m.base.commitment.params, polys));
  const crypto::RangeProverData range =
      crypto::range_commit(m.base.commitment.params, entry_range_statement(layout, st), entry_range_sources(layout, groups));
  crypto::Transcript t = test_transcript(1);
  const EntryProverOutput out = prove_entries_with(m.base.commitment, m.base.group_pointers(), m.cand.commitment,
                                                   m.cand.group_pointers(), st, layout, tables, w, groups, &range, t);
  const DriftResult r = verify(m.base, m.cand, st, out.changed, out.proof.serialize(layout));
  EXPECT_EQ(r.status, DriftStatus::kSumcheckRejected) << drift_status_name(r.status);
}

TEST(EntryBatched, EveryByteFlipOfATwoClassProofIsRejected) {
  std::vector<TestTensor> b = {random_tensor(31, "p", {4, 4}, 100), random_tensor(32, "q", {2, 4}, 100)};
  std::vector<TestTensor> c = {perturbed(b[0], 3, 5), perturbed(b[1], 4, 5)};
  const TestModel base = make_model(b, tiny_params(), false), cand = make_model(c, tiny_params(), true);
  EntryStatement st;
  st.claims = {{0, true, 5, true, kNoCountBound}, {1, false, 0, true, kNoCountBound}};
  st.range_limb_bits = 4;
  const EntryProven proven = prove_models(base, cand, st);
  ASSERT_EQ(verify(base, cand, st, proven.out.changed, proven.bytes), DriftResult{});
  const auto accepts = [&](std::span<const std::uint8_t> bytes) {
    return verify(base, cand, st, proven.out.changed, bytes).ok();
  };
  EXPECT_TRUE(accepted_byte_flips(proven.bytes, accepts).empty());
}

TEST(EntryStatementChecks, BadStatementsAndIncompatibleCommitmentsAreRefused) {
  const Pair p = sparse_pair(15, {8, 8}, 4, 10);
  EntryLayout layout;
  EXPECT_EQ(EntryLayout::make(p.base.commitment, p.cand.commitment, statement(false, 0, false), layout),
            DriftStatus::kBadStatement);
  EntryStatement st = statement(true, 5, true);
  st.claims[0].tensor = 7;
  EXPECT_EQ(EntryLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kBadStatement);
  st = statement(true, 5, true);
  st.range_limb_bits = 0;
  EXPECT_EQ(EntryLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kBadStatement);
  const Pair other = sparse_pair(16, {8, 16}, 4, 10);
  EXPECT_EQ(EntryLayout::make(p.base.commitment, other.cand.commitment, statement(true, 5, true), layout),
            DriftStatus::kIncompatibleCommitments);
}

TEST(EntrySecurityFloor, SmallParametersAreRefusedByDefault) {
  const Pair p = sparse_pair(17, {8, 8}, 4, 10);
  const EntryStatement st = statement(true, 20, true);
  const EntryProven proven = prove(p, st);
  crypto::Transcript t = test_transcript(1);
  const DriftResult r =
      verify_entries_bytes(p.base.commitment, p.cand.commitment, st, proven.out.changed, proven.bytes, t);
  EXPECT_EQ(r.status, DriftStatus::kInsecureParameters);
}

// Regression (stacked groups): the floor is checked at the largest range
// limb group a class of this size can produce. That bound was 2^16
// polynomials, which a stacked group of 2^16 x 2^16 entries cannot reach, so
// every max-abs claim on a tensor of more than 2^14 entries was refused as
// "below the floor" with the proven default parameters.
TEST(EntrySecurityFloor, DefaultParametersPassForLargeTensors) {
  for (const std::uint64_t side : {std::uint64_t{64}, std::uint64_t{256}}) {  // n = 12 and 16
    const Pair p = sparse_pair(19, {side, side}, 4, 10);
    const EntryStatement st = statement(true, 20, true);
    const EntryLayout layout = layout_of(p.base, p.cand, st);
    EXPECT_EQ(entry_check_security(crypto::basefold_default_params(), layout, p.base.commitment, p.cand.commitment,
                                   st, crypto::kBasefoldTargetBits),
              crypto::Status::kOk)
        << side;
  }
}

}  // namespace
}  // namespace fti::drift
