// Cheating provers and replays against the norm proof, each rejected by a
// specific check: lying statistics (disclosed H or L off by one, with the
// rest of the proof made consistently for the lie), block-sum limbs forged
// as unbounded field elements so the block sums wrap modulo p to a small
// total (only the range argument catches it), a candidate tampered after
// proving, swapped or foreign commitments, changed statements, hostile
// disclosures, inconsistent prover inputs.
#include <gtest/gtest.h>

#include "engine/commitment/commitment_hash.h"
#include "engine/common/error.h"
#include "engine/crypto/range.h"
#include "engine/drift/norm_transcript.h"
#include "tests/crypto/range_helpers.h"
#include "tests/drift/drift_helpers.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;
using crypto::Fp;
using crypto::Status;

constexpr std::int64_t kMax = (std::int64_t{1} << 23) - 1;

struct Pair {
  TestModel base, cand;
};

Pair two_tensor_pair() {
  std::vector<TestTensor> base{random_tensor(21, "p.small", {4, 8}, kMax), random_tensor(22, "q.big", {64, 1024}, 1 << 21)};
  std::vector<TestTensor> cand{perturbed(base[0], 31, 1 << 20), perturbed(base[1], 32, 1 << 16)};
  return {make_model(base, small_params(), false), make_model(cand, small_params(), true)};
}

NormStatement both_statement() {
  NormStatement st;
  st.tensors = {{0, true, {}}, {1, false, {}}};
  return st;
}

// A prover that runs the protocol on a witness changed by `tamper` (the
// block groups and range data follow the changed witness, so every step is
// consistent with it except the lie itself).
template <typename Tamper>
NormProverOutput prove_tampered(const Pair& p, const NormStatement& st, const Tamper& tamper, bool honest_range) {
  NormLayout layout;
  EXPECT_EQ(NormLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kOk);
  const auto bg = p.base.group_pointers();
  const auto cg = p.cand.group_pointers();
  const NormTables tables = norm_tables(p.base.commitment, bg, p.cand.commitment, cg, layout);
  NormWitness w = norm_witness(p.base.commitment, layout, tables);
  tamper(w);
  const std::vector<crypto::BasefoldProverData> blocks = norm_commit_blocks(p.base.commitment.params, layout, w);
  const std::vector<crypto::RangeValueSource> sources = norm_range_sources(layout, blocks);
  const crypto::RangeStatement rs = norm_range_statement(layout, st);
  const crypto::RangeProverData range = honest_range ? crypto::range_commit(p.base.commitment.params, rs, sources)
                                                     : crypto::testing::cheat_commit(p.base.commitment.params, rs, sources);
  crypto::Transcript t = test_transcript();
  return prove_norms_with(p.base.commitment, bg, p.cand.commitment, cg, st, layout, tables, w, blocks, range, t);
}

DriftResult verify_out(const Pair& p, const NormStatement& st, const NormProverOutput& out) {
  return verify(p.base, p.cand, st, out.disclosure, out.proof.serialize());
}

TEST(NormAdversarial, LyingHighOrLowSumIsCaughtByTheSumcheck) {
  const Pair p = two_tensor_pair();
  const NormStatement st = both_statement();
  for (const std::size_t item : {std::size_t{0}, std::size_t{1}, std::size_t{2}}) {
    for (const bool high : {true, false}) {
      const NormProverOutput out = prove_tampered(
          p, st,
          [&](NormWitness& w) {
            NormStatistic& s = w.disclosure.items[item];
            (high ? s.high : s.low) += 1;
          },
          true);
      EXPECT_EQ(verify_out(p, st, out), (DriftResult{DriftStatus::kSumcheckRejected, Status::kSumMismatch}))
          << item << " " << high;
    }
  }
  // The honest proof with a lie in the disclosure alone: the transcript changes.
  Proven honest = prove(p.base, p.cand, st);
  NormDisclosure lie = honest.out.disclosure;
  lie.items[0].low -= 1;
  EXPECT_FALSE(verify(p.base, p.cand, st, lie, honest.bytes).ok());
  lie = honest.out.disclosure;
  lie.items[2].high += 1;
  EXPECT_FALSE(verify(p.base, p.cand, st, lie, honest.bytes).ok());
}

TEST(NormAdversarial, LyingBlockLimbIsCaughtAtTheBlockPoint) {
  // One block sum moved from lo to hi without changing H or L in a way the
  // sums would notice: hi_0 += 1, lo_0 -= 2^32 is out of range, so instead
  // shift one unit of lo between two blocks: sums unchanged, block identities broken.
  const Pair p = two_tensor_pair();
  const NormStatement st = both_statement();
  const NormProverOutput out = prove_tampered(
      p, st,
      [](NormWitness& w) {
        auto& lo = w.items[2].lo;  // q.big: 2 blocks
        ASSERT_GE(lo.size(), 2u);
        lo[0] += Fp::one();
        lo[1] -= Fp::one();
      },
      true);
  EXPECT_EQ(verify_out(p, st, out), (DriftResult{DriftStatus::kSumcheckRejected, Status::kSumMismatch}));
}

// The wrap-around forgery of DESIGN.md section 6: block sums s_j of a tensor
// with S = p + 1310719 are "split" into field-element limbs with
// 2^32 hi_j + lo_j = s_j (mod p) but sum_j hi_j = 0, sum_j lo_j = 1310719:
// the claimed norm is tiny. Every block identity and both sums hold in the
// field, so the sumcheck and the openings accept; only the range argument
// on the limbs rejects.
TEST(NormAdversarial, WrappedBlockSumLimbsAreCaughtByTheRangeArgument) {
  auto extreme = [](bool candidate) {
    TestTensor t{"w", {2, 65536}, std::vector<std::int64_t>(2 * 65536, 0)};
    for (std::size_t i = 0; i < 65536; ++i) t.values[i] = candidate ? kMax : -kMax;
    t.values[65536] = candidate ? (std::int64_t{1} << 21) - (std::int64_t{1} << 10) : 0;
    return t;
  };
  const Pair p{make_model({extreme(false)}, small_params(), false), make_model({extreme(true)}, small_params(), true)};
  NormStatement st;
  st.tensors = {{0, false, {NormBoundKind::kAbsolute, uint128{1} << 30, 0, 1}}};
  constexpr std::uint64_t kSmall = 1310719;  // S - p

  // The honest proof discloses S > p and fails the bound.
  const Proven honest = prove(p.base, p.cand, st);
  EXPECT_EQ(honest.out.disclosure.items[0].value(), uint128{Fp::kModulus} + kSmall);
  EXPECT_EQ(verify(p.base, p.cand, st, honest.out.disclosure, honest.bytes).status, DriftStatus::kBoundExceeded);

  const Fp two32 = Fp::from_u64(std::uint64_t{1} << 32);
  const NormProverOutput forged = prove_tampered(
      p, st,
      [&](NormWitness& w) {
        NormItemWitness& iw = w.items[0];
        Fp rest_hi = Fp::zero();
        for (std::size_t j = 1; j < iw.hi.size(); ++j) rest_hi += iw.hi[j];
        const Fp s0 = two32 * iw.hi[0] + iw.lo[0];
        iw.hi[0] = Fp::zero() - rest_hi;  // sum hi = 0
        iw.lo[0] = s0 - two32 * iw.hi[0];  // 2^32 hi_0 + lo_0 = s_0 still
        w.disclosure.items[0] = {0, kSmall};
        // The forgery is consistent in the field: sum lo = S - 0 = kSmall (mod p).
        Fp sum_lo = Fp::zero(), sum_hi = Fp::zero();
        for (std::size_t j = 0; j < iw.hi.size(); ++j) {
          sum_hi += iw.hi[j];
          sum_lo += iw.lo[j];
        }
        EXPECT_EQ(sum_hi, Fp::zero());
        EXPECT_EQ(sum_lo, Fp::from_u64(kSmall));
        EXPECT_GE(iw.hi[0].value(), std::uint64_t{1} << 31);  // out of range
      },
      false);
  const DriftResult r = verify_out(p, st, forged);
  EXPECT_EQ(r.status, DriftStatus::kRangeRejected);  // the sumchecks and openings before it accepted
  EXPECT_NE(r.detail, Status::kOk);
  // The honest prover refuses to range-commit such limbs at all.
  EXPECT_THROW(prove_tampered(
                   p, st, [&](NormWitness& w) { w.items[0].hi[0] = Fp::zero() - Fp::one(); }, true),
               std::invalid_argument);
}

TEST(NormAdversarial, TamperedCandidateAfterProving) {
  Pair p = two_tensor_pair();
  const NormStatement st = both_statement();
  const Proven honest = prove(p.base, p.cand, st);
  ASSERT_TRUE(verify(p.base, p.cand, st, honest.out.disclosure, honest.bytes).ok());
  std::vector<TestTensor> tensors = p.cand.tensors;
  tensors[1].values[77] += 1;
  const TestModel tampered = make_model(tensors, small_params(), true);
  const DriftResult r = verify(p.base, tampered, st, honest.out.disclosure, honest.bytes);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, DriftStatus::kSumcheckRejected);
}

TEST(NormAdversarial, ReplayAgainstOtherCommitments) {
  const Pair p = two_tensor_pair();
  const NormStatement st = both_statement();
  const Proven honest = prove(p.base, p.cand, st);
  // Another model of the same shapes as base or as candidate.
  std::vector<TestTensor> other{random_tensor(91, "p.small", {4, 8}, kMax), random_tensor(92, "q.big", {64, 1024}, 1 << 21)};
  const TestModel o = make_model(other, small_params(), false);
  EXPECT_EQ(verify(o, p.cand, st, honest.out.disclosure, honest.bytes).status, DriftStatus::kSumcheckRejected);
  EXPECT_EQ(verify(p.base, o, st, honest.out.disclosure, honest.bytes).status, DriftStatus::kSumcheckRejected);
  // Base and candidate swapped: S is symmetric, Q is not, and the roots are absorbed in order.
  EXPECT_EQ(verify(p.cand, p.base, st, honest.out.disclosure, honest.bytes).status, DriftStatus::kSumcheckRejected);
  // Another transcript context (another certificate).
  EXPECT_EQ(verify(p.base, p.cand, st, honest.out.disclosure, honest.bytes, 2).status,
            DriftStatus::kSumcheckRejected);
}

TEST(NormAdversarial, ChangedStatement) {
  const Pair p = two_tensor_pair();
  NormStatement st = both_statement();
  st.tensors[1].bound = {NormBoundKind::kAbsolute, uint128{1} << 70, 0, 1};
  const Proven honest = prove(p.base, p.cand, st);
  ASSERT_TRUE(verify(p.base, p.cand, st, honest.out.disclosure, honest.bytes).ok());
  // A lowered bound (still above S): the statement is absorbed, the proof is for the other one.
  NormStatement lowered = st;
  lowered.tensors[1].bound.max_delta_squares = uint128{1} << 69;
  EXPECT_EQ(verify(p.base, p.cand, lowered, honest.out.disclosure, honest.bytes).status,
            DriftStatus::kSumcheckRejected);
  // Q dropped: the proof's block group has the shape of the other statement.
  NormStatement fewer = st;
  fewer.tensors[0].base_squares = false;
  EXPECT_EQ(verify(p.base, p.cand, fewer, {{honest.out.disclosure.items[0], honest.out.disclosure.items[2]}},
                   honest.bytes),
            (DriftResult{DriftStatus::kMalformed, Status::kWrongLength}));
  // Another tensor in the same shape class: the two statement tensors swapped.
  NormStatement swapped = st;
  std::swap(swapped.tensors[0], swapped.tensors[1]);
  EXPECT_FALSE(verify(p.base, p.cand, swapped, honest.out.disclosure, honest.bytes).ok());
  // Only the first tensor: the proof has a class too many.
  NormStatement first;
  first.tensors = {st.tensors[0]};
  NormDisclosure first_disclosure{{honest.out.disclosure.items[0], honest.out.disclosure.items[1]}};
  EXPECT_EQ(verify(p.base, p.cand, first, first_disclosure, honest.bytes).status, DriftStatus::kMalformed);
}

TEST(NormAdversarial, DisclosureOutOfRange) {
  const Pair p = two_tensor_pair();
  const NormStatement st = both_statement();
  const Proven honest = prove(p.base, p.cand, st);
  NormDisclosure d = honest.out.disclosure;
  d.items[0].high = norm_max_high(0) + 1;
  EXPECT_EQ(verify(p.base, p.cand, st, d, honest.bytes).status, DriftStatus::kStatisticOutOfRange);
  d = honest.out.disclosure;
  d.items[2].low = ~std::uint64_t{0};
  EXPECT_EQ(verify(p.base, p.cand, st, d, honest.bytes).status, DriftStatus::kStatisticOutOfRange);
  d = honest.out.disclosure;
  d.items.pop_back();
  EXPECT_EQ(verify(p.base, p.cand, st, d, honest.bytes).status, DriftStatus::kStatisticOutOfRange);
}

TEST(NormAdversarial, BadStatementsAndCommitments) {
  const Pair p = two_tensor_pair();
  const Proven honest = prove(p.base, p.cand, both_statement());
  auto status_of = [&](const NormStatement& st) {
    return verify(p.base, p.cand, st, honest.out.disclosure, honest.bytes).status;
  };
  EXPECT_EQ(status_of({}), DriftStatus::kBadStatement);
  EXPECT_EQ(status_of({{{0, false, {}}, {0, false, {}}}}), DriftStatus::kBadStatement);  // repeated
  EXPECT_EQ(status_of({{{2, false, {}}}}), DriftStatus::kBadStatement);                  // no such tensor
  EXPECT_EQ(status_of({{{0, false, {NormBoundKind::kRelative, 0, 1, 1}}}}), DriftStatus::kBadStatement);
  EXPECT_EQ(status_of({{{0, true, {NormBoundKind::kRelative, 0, 1, 0}}}}), DriftStatus::kBadStatement);
  EXPECT_EQ(status_of({{{0, false, {}}}, 0}), DriftStatus::kBadStatement);  // limb size 0
  // A candidate at another scale.
  TestModel cand = p.cand;
  cand.commitment.tensors[0].scale = 1;
  commitment::compute_roots(cand.commitment);
  EXPECT_EQ(verify(p.base, cand, both_statement(), honest.out.disclosure, honest.bytes).status,
            DriftStatus::kIncompatibleCommitments);
  // A record changed without its digests: the root does not recompute.
  cand = p.cand;
  cand.commitment.tensors[0].max_abs += 1;
  EXPECT_EQ(verify(p.base, cand, both_statement(), honest.out.disclosure, honest.bytes).status,
            DriftStatus::kIncompatibleCommitments);
  // Different parameters.
  cand = p.cand;
  cand.commitment.params.num_queries += 1;
  commitment::compute_roots(cand.commitment);
  EXPECT_EQ(verify(p.base, cand, both_statement(), honest.out.disclosure, honest.bytes).status,
            DriftStatus::kIncompatibleCommitments);
}

TEST(NormAdversarial, ProverRefusesInconsistentInputs) {
  const Pair p = two_tensor_pair();
  const NormStatement st = both_statement();
  crypto::Transcript t = test_transcript();
  const auto bg = p.base.group_pointers();
  const auto cg = p.cand.group_pointers();
  // Candidate groups given as the base's: not the committed ones.
  try {
    (void)prove_norms(p.base.commitment, cg, p.cand.commitment, cg, st, t);
    ADD_FAILURE() << "no refusal";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
  }
  try {
    (void)prove_norms(p.base.commitment, bg, p.cand.commitment, cg, NormStatement{}, t);
    ADD_FAILURE() << "no refusal";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
  }
  // A group holding a value |v| >= 2^23 (never in a commitment).
  TestModel bad = p.base;
  std::vector<std::vector<Fp>> tables(bad.groups[0].tables().begin(), bad.groups[0].tables().end());
  tables[0][3] = Fp::from_i64(std::int64_t{1} << 23);
  bad.groups[0] = crypto::basefold_commit(bad.commitment.params, tables);
  bad.commitment.groups[0] = bad.groups[0].commitment();
  commitment::compute_roots(bad.commitment);
  const auto badg = bad.group_pointers();
  try {
    (void)prove_norms(bad.commitment, badg, p.cand.commitment, cg, st, t);
    ADD_FAILURE() << "no refusal";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
    EXPECT_NE(std::string(e.what()).find("p.small"), std::string::npos) << e.what();
  }
}

// Review finding 1: the parameters come with the commitments, which the
// prover chose. An honest proof under small parameters (recomputable
// commitments, every check passing) is still refused by the default verifier.
TEST(NormSecurityFloor, SmallParametersAreRefusedByDefault) {
  const Pair p = two_tensor_pair();
  const NormStatement st = both_statement();
  const Proven proven = prove(p.base, p.cand, st);
  ASSERT_TRUE(verify(p.base, p.cand, st, proven.out.disclosure, proven.bytes).ok());
  crypto::Transcript t = test_transcript(1);
  const DriftResult r = verify_norms_bytes(p.base.commitment, p.cand.commitment, st, proven.out.disclosure,
                                           proven.bytes, t);
  EXPECT_EQ(r.status, DriftStatus::kInsecureParameters);
  EXPECT_EQ(r.detail, Status::kInsecureParameters);
  NormLayout layout;
  ASSERT_EQ(NormLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kOk);
  EXPECT_EQ(norm_check_security(p.base.commitment.params, layout, p.base.commitment, p.cand.commitment, st, 100),
            Status::kInsecureParameters);
  EXPECT_EQ(norm_check_security(crypto::basefold_default_params(), layout, p.base.commitment, p.cand.commitment, st,
                                100),
            Status::kOk);
  EXPECT_EQ(norm_check_security(crypto::basefold_conjectured_params(), layout, p.base.commitment, p.cand.commitment,
                                st, 100),
            Status::kInsecureParameters);
}

// Review finding 3: a record that admits an entry beyond the encoding's
// bound (|v| < 2^23) is refused before anything else, roots recomputed or not.
TEST(NormSecurityFloor, RecordsBeyondTheEncodingBoundAreRefused) {
  Pair p = two_tensor_pair();
  p.cand.commitment.tensors[0].max_abs = std::uint64_t{1} << 23;
  NormLayout layout;
  EXPECT_EQ(NormLayout::make(p.base.commitment, p.cand.commitment, both_statement(), layout),
            DriftStatus::kIncompatibleCommitments);
}

}  // namespace
}  // namespace fti::drift
