// Sumcheck: completeness for degrees 1-3, 0..20 variables and batches; and
// rejection of every lie the design brief lists: wrong degree, wrong sum,
// tampered round messages, final evaluations that fit the last round but not
// the polynomials, a different transcript prefix, malformed proofs.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/crypto/multilinear.h"
#include "engine/crypto/sumcheck.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

// Polynomials in base or extension form, owned by the test.
struct Polys {
  std::vector<std::vector<Fp>> base;
  std::vector<std::vector<Fp3>> ext;
  std::vector<MultilinearRef> refs;  // base ones first, then extension ones
};

Polys random_polys(TestRng& rng, unsigned num_vars, std::size_t num_base, std::size_t num_ext) {
  Polys p;
  const std::size_t n = std::size_t{1} << num_vars;
  for (std::size_t i = 0; i < num_base; ++i) p.base.push_back(rng.fps(n));
  for (std::size_t i = 0; i < num_ext; ++i) p.ext.push_back(rng.fp3s(n));
  for (const auto& b : p.base) p.refs.emplace_back(std::span<const Fp>(b));
  for (const auto& e : p.ext) p.refs.emplace_back(std::span<const Fp3>(e));
  return p;
}

// The honest final check: evaluate every polynomial directly at the point.
SumcheckFinalCheck direct_check(const Polys& polys, std::vector<Fp3>* seen_point = nullptr) {
  return [&polys, seen_point](std::span<const Fp3> point, std::span<const Fp3> evals) {
    if (seen_point != nullptr) seen_point->assign(point.begin(), point.end());
    for (std::size_t k = 0; k < polys.refs.size(); ++k) {
      const Fp3 truth = std::visit([&](const auto& table) { return mle_evaluate(table, point); }, polys.refs[k]);
      if (truth != evals[k]) return Status::kEvaluationMismatch;
    }
    return Status::kOk;
  };
}

SumcheckStatement make_statement(unsigned num_vars, const Polys& polys, std::vector<std::vector<SumcheckTerm>> claims) {
  SumcheckStatement s;
  s.num_vars = num_vars;
  s.num_polys = static_cast<std::uint32_t>(polys.refs.size());
  for (auto& terms : claims) {
    SumcheckClaim c;
    c.sum = sumcheck_claim_sum(terms, polys.refs);
    c.terms = std::move(terms);
    s.claims.push_back(std::move(c));
  }
  return s;
}

SumcheckTerm term(std::vector<std::uint32_t> factors, Fp3 coefficient = Fp3::one()) {
  return SumcheckTerm{coefficient, std::move(factors)};
}

Transcript prefix_transcript(std::uint64_t public_input = 0) {
  Transcript t("fti.test.sumcheck");
  t.absorb_u64("public_input", public_input);
  return t;
}

TEST(Multilinear, EvaluationAndEq) {
  TestRng rng(31);
  const std::vector<Fp> table = rng.fps(16);
  // At boolean points the extension is the table.
  for (std::size_t x = 0; x < 16; ++x) {
    std::vector<Fp3> point;
    for (unsigned i = 0; i < 4; ++i) point.push_back(Fp3::from_u64((x >> i) & 1));
    EXPECT_EQ(mle_evaluate(table, point), Fp3(table[x]));
  }
  // P(r) = sum_x P[x] eq(r, x).
  const std::vector<Fp3> r = rng.fp3s(4);
  const std::vector<Fp3> eq = eq_table(r);
  Fp3 acc = Fp3::zero();
  for (std::size_t x = 0; x < 16; ++x) acc += eq[x] * table[x];
  EXPECT_EQ(mle_evaluate(table, r), acc);
  // Multilinear: linear in each variable separately (x_2 here).
  std::vector<Fp3> r0 = r, r1 = r;
  r0[2] = Fp3::zero();
  r1[2] = Fp3::one();
  const Fp3 at0 = mle_evaluate(table, r0), at1 = mle_evaluate(table, r1);
  EXPECT_EQ(mle_evaluate(table, r), at0 + r[2] * (at1 - at0));
  EXPECT_THROW((void)mle_evaluate(table, std::span<const Fp3>(r).first(3)), std::invalid_argument);
}

TEST(Sumcheck, InterpolationMatchesPolynomial) {
  TestRng rng(32);
  for (std::size_t degree = 0; degree <= 6; ++degree) {
    const std::vector<Fp3> coeffs = rng.fp3s(degree + 1);
    auto eval = [&](const Fp3& x) {
      Fp3 acc = Fp3::zero();
      for (std::size_t i = coeffs.size(); i-- > 0;) acc = acc * x + coeffs[i];
      return acc;
    };
    std::vector<Fp3> values;
    for (std::size_t i = 0; i <= degree; ++i) values.push_back(eval(Fp3::from_u64(i)));
    for (int s = 0; s < 5; ++s) {
      const Fp3 r = rng.fp3();
      EXPECT_EQ(interpolate_at(values, r), eval(r));
    }
    for (std::size_t i = 0; i <= degree; ++i) EXPECT_EQ(interpolate_at(values, Fp3::from_u64(i)), values[i]);
  }
}

TEST(Sumcheck, CompletenessDegrees1To3AllSizes) {
  TestRng rng(33);
  for (unsigned v = 0; v <= 20; ++v) {
    const unsigned degree = 1 + v % 3;
    const Polys polys = random_polys(rng, v, 3, 0);
    std::vector<std::uint32_t> factors(degree);
    for (unsigned i = 0; i < degree; ++i) factors[i] = i;
    const SumcheckStatement st = make_statement(v, polys, {{term(factors)}});
    Transcript pt = prefix_transcript();
    const SumcheckProverOutput out = sumcheck_prove(st, polys.refs, pt);
    ASSERT_EQ(out.proof.round_polynomials.size(), v);
    for (const auto& p : out.proof.round_polynomials) ASSERT_EQ(p.size(), degree + 1);
    Transcript vt = prefix_transcript();
    std::vector<Fp3> point;
    ASSERT_EQ(sumcheck_verify(st, out.proof, vt, direct_check(polys, &point)), Status::kOk) << "v=" << v;
    EXPECT_EQ(point, out.point);
    EXPECT_EQ(vt.state(), pt.state()) << "prover and verifier transcripts must end in the same state";
  }
}

TEST(Sumcheck, CompletenessBatchedMixedClaims) {
  TestRng rng(34);
  for (const unsigned v : {0u, 1u, 5u, 12u, 15u}) {
    // Polys 0..3 base, 4..5 extension (an eq table would be one).
    const Polys polys = random_polys(rng, v, 4, 2);
    const SumcheckStatement st = make_statement(
        v, polys,
        {
            {term({0, 1, 2})},                                         // degree 3
            {term({0, 0}), term({3}, Fp3(-Fp::one()))},                // f^2 - g: sum of products
            {term({4, 1}), term({5, 2, 3}, rng.fp3())},                // extension factors
            {term({2})},                                               // degree 1
            {term({1, 3}, Fp3::from_u64(5)), term({0, 4}, rng.fp3())},  // coefficients
        });
    EXPECT_EQ(st.degree(), 3u);
    Transcript pt = prefix_transcript();
    const auto out = sumcheck_prove(st, polys.refs, pt);
    Transcript vt = prefix_transcript();
    ASSERT_EQ(sumcheck_verify(st, out.proof, vt, direct_check(polys)), Status::kOk) << "v=" << v;
  }
}

// SumcheckTables by the definition: every table in Fp3, each round's values
// summed claim by claim and term by term over the pairs; `lie_round` adds 1
// to that round's p(0).
class ReferenceTables final : public SumcheckTables {
 public:
  ReferenceTables(const SumcheckStatement& st, const Polys& polys, int lie_round = -1)
      : st_(st), lie_round_(lie_round) {
    for (const auto& b : polys.base) tables_.emplace_back(b.begin(), b.end());
    for (const auto& e : polys.ext) tables_.push_back(e);
  }
  std::vector<Fp3> round_values(unsigned round, std::span<const Fp3> weights) override {
    std::vector<Fp3> out(st_.degree() + 1, Fp3::zero());
    for (std::size_t j = 0; j < st_.claims.size(); ++j) {
      for (const SumcheckTerm& t : st_.claims[j].terms) {
        for (std::size_t z = 0; z < out.size(); ++z) {
          const Fp3 x = Fp3::from_u64(z);
          for (std::size_t b = 0; b < tables_.front().size() / 2; ++b) {
            Fp3 prod = weights[j] * t.coefficient;
            for (const std::uint32_t k : t.factors) prod *= tables_[k][2 * b] + x * (tables_[k][2 * b + 1] - tables_[k][2 * b]);
            out[z] += prod;
          }
        }
      }
    }
    if (static_cast<int>(round) == lie_round_) out[0] += Fp3::one();
    return out;
  }
  void bind(const Fp3& r) override {
    for (auto& t : tables_) {
      std::vector<Fp3> folded(t.size() / 2);
      for (std::size_t b = 0; b < folded.size(); ++b) folded[b] = t[2 * b] + r * (t[2 * b + 1] - t[2 * b]);
      t = std::move(folded);
    }
  }
  std::vector<Fp3> final_evaluations() const override {
    std::vector<Fp3> out;
    for (const auto& t : tables_) out.push_back(t[0]);
    return out;
  }

 private:
  const SumcheckStatement& st_;
  int lie_round_;
  std::vector<std::vector<Fp3>> tables_;
};

TEST(SumcheckProveWith, CallerTablesGiveTheSameProof) {
  TestRng rng(36);
  for (const unsigned v : {0u, 1u, 4u, 9u}) {
    const Polys polys = random_polys(rng, v, 3, 2);
    const SumcheckStatement st = make_statement(
        v, polys, {{term({0, 1, 2})}, {term({3, 0}), term({4}, rng.fp3())}, {term({1, 1}, Fp3::from_u64(7))}});
    Transcript a = prefix_transcript(), b = prefix_transcript();
    const auto generic = sumcheck_prove(st, polys.refs, a);
    ReferenceTables tables(st, polys);
    const auto with = sumcheck_prove_with(st, tables, b);
    EXPECT_EQ(with.proof.serialize(), generic.proof.serialize()) << "v=" << v;
    EXPECT_EQ(with.point, generic.point);
    EXPECT_EQ(a.state(), b.state());
    Transcript vt = prefix_transcript();
    EXPECT_EQ(sumcheck_verify(st, with.proof, vt, direct_check(polys)), Status::kOk);
  }
}

TEST(SumcheckProveWith, CallerTablesThatLieOrMisbehave) {
  TestRng rng(37);
  const Polys polys = random_polys(rng, 6, 2, 1);
  const SumcheckStatement st = make_statement(6, polys, {{term({0, 1, 2})}, {term({1})}});
  for (const int lie : {0, 3, 5}) {
    ReferenceTables liar(st, polys, lie);
    Transcript pt = prefix_transcript();
    const auto out = sumcheck_prove_with(st, liar, pt);
    Transcript vt = prefix_transcript();
    EXPECT_NE(sumcheck_verify(st, out.proof, vt, direct_check(polys)), Status::kOk) << "lie in round " << lie;
  }
  // Values of the wrong length, or the wrong number of final evaluations: refused.
  class Short final : public SumcheckTables {
   public:
    explicit Short(bool short_round) : short_round_(short_round) {}
    std::vector<Fp3> round_values(unsigned, std::span<const Fp3>) override {
      return std::vector<Fp3>(short_round_ ? 3 : 4);
    }
    void bind(const Fp3&) override {}
    std::vector<Fp3> final_evaluations() const override { return std::vector<Fp3>(2); }

   private:
    bool short_round_;
  };
  for (const bool short_round : {true, false}) {
    Short tables(short_round);
    Transcript t = prefix_transcript();
    EXPECT_THROW((void)sumcheck_prove_with(st, tables, t), std::invalid_argument);
  }
  SumcheckStatement malformed = st;
  malformed.claims.clear();
  ReferenceTables tables(st, polys);
  Transcript t = prefix_transcript();
  EXPECT_THROW((void)sumcheck_prove_with(malformed, tables, t), std::invalid_argument);
}

TEST(Sumcheck, CompletenessLargeBatch) {
  // 64 degree-2 claims over 2^10 entries (one per "tensor").
  TestRng rng(35);
  const unsigned v = 10;
  const Polys polys = random_polys(rng, v, 65, 0);
  std::vector<std::vector<SumcheckTerm>> claims;
  for (std::uint32_t j = 0; j < 64; ++j) claims.push_back({term({j, 64})});
  const SumcheckStatement st = make_statement(v, polys, std::move(claims));
  Transcript pt = prefix_transcript();
  const auto out = sumcheck_prove(st, polys.refs, pt);
  Transcript vt = prefix_transcript();
  EXPECT_EQ(sumcheck_verify(st, out.proof, vt, direct_check(polys)), Status::kOk);
}

// A small honest instance the adversarial tests tamper with.
class SumcheckAdversarial : public ::testing::Test {
 protected:
  void SetUp() override {
    TestRng rng(36);
    polys_ = random_polys(rng, kVars, 3, 1);
    st_ = make_statement(kVars, polys_, {{term({0, 1, 2})}, {term({3, 0}), term({1}, Fp3::from_u64(3))}});
    Transcript pt = prefix_transcript();
    out_ = sumcheck_prove(st_, polys_.refs, pt);
    ASSERT_EQ(verify(st_, out_.proof), Status::kOk);
  }
  Status verify(const SumcheckStatement& st, const SumcheckProof& proof, std::uint64_t public_input = 0) const {
    Transcript vt = prefix_transcript(public_input);
    return sumcheck_verify(st, proof, vt, direct_check(polys_));
  }

  static constexpr unsigned kVars = 4;
  Polys polys_;
  SumcheckStatement st_;
  SumcheckProverOutput out_;
};

TEST_F(SumcheckAdversarial, WrongDegreeRoundPolynomial) {
  for (unsigned round = 0; round < kVars; ++round) {
    SumcheckProof shorter = out_.proof;
    shorter.round_polynomials[round].pop_back();
    EXPECT_EQ(verify(st_, shorter), Status::kWrongDegree) << round;
    SumcheckProof longer = out_.proof;
    longer.round_polynomials[round].push_back(Fp3::zero());
    EXPECT_EQ(verify(st_, longer), Status::kWrongDegree) << round;
  }
}

TEST_F(SumcheckAdversarial, WrongClaimedSum) {
  for (std::size_t j = 0; j < st_.claims.size(); ++j) {
    SumcheckStatement lie = st_;
    lie.claims[j].sum += Fp3::one();
    // The honest proof for the true sums.
    EXPECT_EQ(verify(lie, out_.proof), Status::kSumMismatch);
    // A prover run on the false statement.
    Transcript pt = prefix_transcript();
    const auto forged = sumcheck_prove(lie, polys_.refs, pt);
    EXPECT_EQ(verify(lie, forged.proof), Status::kSumMismatch);
  }
  // Zero variables: the sum is the single product, checked at the end.
  TestRng rng(37);
  const Polys p0 = random_polys(rng, 0, 2, 0);
  SumcheckStatement st0 = make_statement(0, p0, {{term({0, 1})}});
  st0.claims[0].sum += Fp3::one();
  Transcript pt = prefix_transcript();
  const auto proof0 = sumcheck_prove(st0, p0.refs, pt).proof;
  Transcript vt = prefix_transcript();
  EXPECT_EQ(sumcheck_verify(st0, proof0, vt, direct_check(p0)), Status::kFinalClaimMismatch);
}

TEST_F(SumcheckAdversarial, LyingAboutTheSumByAdjustingP0) {
  // Claim S + 1 and shift p_0(0) by 1 so that p(0) + p(1) matches: the first
  // check passes, and the lie must surface later.
  SumcheckStatement lie = st_;
  lie.claims[0].sum += Fp3::one();
  SumcheckProof forged = out_.proof;
  forged.round_polynomials[0][0] += Fp3::one();
  EXPECT_NE(verify(lie, forged), Status::kOk);
}

TEST_F(SumcheckAdversarial, TamperedRoundMessages) {
  for (unsigned round = 0; round < kVars; ++round) {
    for (std::size_t i = 0; i < out_.proof.round_polynomials[round].size(); ++i) {
      SumcheckProof bad = out_.proof;
      bad.round_polynomials[round][i] += Fp3(Fp::zero(), Fp::one(), Fp::zero());
      EXPECT_NE(verify(st_, bad), Status::kOk) << round << "/" << i;
    }
  }
}

TEST_F(SumcheckAdversarial, FinalEvaluationsThatDisagree) {
  // Any single changed evaluation breaks the final relation.
  for (std::size_t k = 0; k < out_.proof.final_evaluations.size(); ++k) {
    SumcheckProof bad = out_.proof;
    bad.final_evaluations[k] += Fp3::one();
    // Caught by the verifier itself, before the caller's check runs.
    EXPECT_EQ(verify(st_, bad), Status::kFinalClaimMismatch) << k;
  }
  // Forged evaluations that satisfy the last round's claim exactly: for a
  // one-term claim P_0 P_1, (a s, b / s) has the same product.
  TestRng rng(38);
  const Polys p = random_polys(rng, 3, 2, 0);
  const SumcheckStatement st = make_statement(3, p, {{term({0, 1})}});
  Transcript pt = prefix_transcript();
  const auto out = sumcheck_prove(st, p.refs, pt);
  SumcheckProof lie = out.proof;
  const Fp3 s = rng.fp3();
  lie.final_evaluations[0] *= s;
  lie.final_evaluations[1] *= s.inverse();
  Transcript vt = prefix_transcript();
  EXPECT_EQ(sumcheck_verify(st, lie, vt, direct_check(p)), Status::kEvaluationMismatch)
      << "only the caller's check against the real polynomials catches this";
  // A caller that checks nothing would have accepted it: the check is what makes sumcheck sound.
  Transcript vt2 = prefix_transcript();
  EXPECT_EQ(sumcheck_verify(st, lie, vt2, [](auto, auto) { return Status::kOk; }), Status::kOk);
}

// "Frozen Heart" forgeries: each succeeds if a challenge is drawn before the
// message it must depend on is absorbed, and must fail here.
TEST(SumcheckFiatShamir, BatchChallengeBindsClaimedSums) {
  TestRng rng(39);
  const Polys p = random_polys(rng, 3, 2, 0);
  const SumcheckStatement st = make_statement(3, p, {{term({0, 1})}, {term({0})}});
  Transcript pt = prefix_transcript();
  const auto out = sumcheck_prove(st, p.refs, pt);
  // The round-0 message reveals alpha: p(0) + p(1) = s0 + alpha s1.
  const auto& p0 = out.proof.round_polynomials[0];
  const Fp3 alpha = (p0[0] + p0[1] - st.claims[0].sum) * st.claims[1].sum.inverse();
  // Shift the claims so the alpha-combination is unchanged: false claims that
  // the honest proof would satisfy if alpha did not depend on them.
  SumcheckStatement forged = st;
  const Fp3 delta = Fp3::from_u64(1234);
  forged.claims[0].sum += delta;
  forged.claims[1].sum -= delta * alpha.inverse();
  ASSERT_EQ(forged.claims[0].sum + alpha * forged.claims[1].sum, p0[0] + p0[1]);
  Transcript vt = prefix_transcript();
  EXPECT_NE(sumcheck_verify(forged, out.proof, vt, direct_check(p)), Status::kOk);
}

TEST(SumcheckFiatShamir, RoundChallengeBindsRoundPolynomial) {
  // One variable, false claim P0 P1 = S + 1. The forger learns the round
  // challenge r from a run on the false statement, then picks p with
  // p(0) + p(1) = S + 1 and p(r) = P0(r) P1(r). This is accepted exactly when
  // r does not depend on p.
  TestRng rng(40);
  const Polys p = random_polys(rng, 1, 2, 0);
  SumcheckStatement st = make_statement(1, p, {{term({0, 1})}});
  const Fp3 lie = st.claims[0].sum + Fp3::one();
  st.claims[0].sum = lie;
  Transcript pt = prefix_transcript();
  const auto out = sumcheck_prove(st, p.refs, pt);
  const Fp3 r = out.point[0];
  const Fp3 target = out.proof.final_evaluations[0] * out.proof.final_evaluations[1];
  // Lagrange basis on the nodes 0, 1, 2 at r; p(0) = 0, p(1) = lie, p(2) = c.
  const Fp3 two = Fp3::from_u64(2);
  const Fp3 l1 = -(r * (r - two));
  const Fp3 l2 = r * (r - Fp3::one()) * two.inverse();
  const Fp3 c = (target - l1 * lie) * l2.inverse();
  SumcheckProof forged = out.proof;
  forged.round_polynomials[0] = {Fp3::zero(), lie, c};
  ASSERT_EQ(interpolate_at(forged.round_polynomials[0], r), target);
  Transcript vt = prefix_transcript();
  EXPECT_NE(sumcheck_verify(st, forged, vt, direct_check(p)), Status::kOk);
}

TEST_F(SumcheckAdversarial, DifferentTranscriptPrefix) {
  EXPECT_NE(verify(st_, out_.proof, /*public_input=*/1), Status::kOk);
  // Same statement and proof, different protocol id.
  Transcript other("fti.test.other");
  other.absorb_u64("public_input", 0);
  EXPECT_NE(sumcheck_verify(st_, out_.proof, other, direct_check(polys_)), Status::kOk);
}

TEST_F(SumcheckAdversarial, ProofShapeAndStatement) {
  SumcheckProof fewer = out_.proof;
  fewer.round_polynomials.pop_back();
  EXPECT_EQ(verify(st_, fewer), Status::kMalformed);
  SumcheckProof more = out_.proof;
  more.round_polynomials.push_back(more.round_polynomials.back());
  EXPECT_EQ(verify(st_, more), Status::kMalformed);
  SumcheckProof evals = out_.proof;
  evals.final_evaluations.pop_back();
  EXPECT_EQ(verify(st_, evals), Status::kWrongLength);
  SumcheckStatement bad = st_;
  bad.claims[0].terms[0].factors.push_back(99);
  EXPECT_EQ(verify(bad, out_.proof), Status::kBadParameters);
  bad = st_;
  bad.claims[0].terms[0].factors.clear();
  EXPECT_EQ(verify(bad, out_.proof), Status::kBadParameters);
  bad = st_;
  bad.claims[0].terms[0].factors.assign(kMaxSumcheckDegree + 1, 0);
  EXPECT_EQ(verify(bad, out_.proof), Status::kBadParameters);
  Transcript vt = prefix_transcript();
  EXPECT_EQ(sumcheck_verify(st_, out_.proof, vt, SumcheckFinalCheck{}), Status::kBadParameters);
  Transcript pt = prefix_transcript();
  EXPECT_THROW((void)sumcheck_prove(st_, std::span(polys_.refs).first(2), pt), std::invalid_argument);
}

TEST_F(SumcheckAdversarial, SerializationAndEveryFlippedByte) {
  const auto bytes = out_.proof.serialize();
  SumcheckProof parsed;
  ASSERT_EQ(SumcheckProof::parse(bytes, parsed), Status::kOk);
  EXPECT_EQ(parsed.round_polynomials, out_.proof.round_polynomials);
  EXPECT_EQ(parsed.final_evaluations, out_.proof.final_evaluations);
  auto trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(SumcheckProof::parse(trailing, parsed), Status::kMalformed);
  EXPECT_EQ(SumcheckProof::parse(std::span(bytes).first(bytes.size() - 1), parsed), Status::kMalformed);
  // A coefficient set to p is non-canonical.
  auto noncanon = bytes;
  const std::size_t off = 4 + 4;  // first round's first element
  for (std::size_t k = 0; k < 8; ++k) noncanon[off + k] = static_cast<std::uint8_t>(Fp::kModulus >> (8 * k));
  EXPECT_EQ(SumcheckProof::parse(noncanon, parsed), Status::kNonCanonical);
  for (std::size_t pos = 0; pos < bytes.size(); ++pos) {
    auto bad = bytes;
    bad[pos] ^= 0x01;
    SumcheckProof p;
    if (SumcheckProof::parse(bad, p) != Status::kOk) continue;
    ASSERT_NE(verify(st_, p), Status::kOk) << "byte " << pos;
  }
}

}  // namespace
}  // namespace fti::crypto
