// LogUp-GKR (docs/PROTOCOL.md, section 8.4): completeness over instances of
// mixed sizes (the final claims are the inputs' multilinear extensions at
// prefixes of one point, the roots are the fractional sums), and rejection
// of every tampered message.
#include "engine/crypto/logup_gkr.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/crypto/multilinear.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

struct Owned {
  std::vector<Fp> numerators;
  std::vector<Fp> values;
  Fp shift;
};

std::vector<Owned> random_instances(TestRng& rng, const std::vector<unsigned>& vars) {
  std::vector<Owned> out;
  for (std::size_t i = 0; i < vars.size(); ++i) {
    Owned o;
    o.values = rng.fps(std::size_t{1} << vars[i]);
    if (i % 2 == 1) o.numerators = rng.fps(o.values.size());
    o.shift = rng.fp();
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<LogupInput> views(const std::vector<Owned>& owned) {
  std::vector<LogupInput> out;
  for (const Owned& o : owned) out.push_back({o.numerators, o.values, o.shift});
  return out;
}

Transcript prefixed(std::uint64_t x = 1) {
  Transcript t("fti.test.logup");
  t.absorb_u64("test.prefix", x);
  return t;
}

// The multilinear extension of p and q at `point` (length n) for one instance.
LogupFraction direct_claim(const Owned& o, const Fp3& alpha, std::span<const Fp3> point) {
  std::vector<Fp3> p(o.values.size()), q(o.values.size());
  for (std::size_t x = 0; x < o.values.size(); ++x) {
    p[x] = o.numerators.empty() ? Fp3::one() : Fp3(o.numerators[x]);
    q[x] = alpha - Fp3(o.shift) - Fp3(o.values[x]);
  }
  return {mle_evaluate(p, point), mle_evaluate(q, point)};
}

TEST(LogupGkr, CompleteForMixedSizesAndClaimsAreInputExtensionsAtPrefixes) {
  TestRng rng(11);
  for (const std::vector<unsigned>& vars :
       std::vector<std::vector<unsigned>>{{0}, {1}, {3}, {0, 0}, {5, 0, 2}, {4, 4, 1, 7, 3, 7}, {10, 2}, {12}}) {
    const auto owned = random_instances(rng, vars);
    const Fp3 alpha = rng.fp3();
    Transcript pt = prefixed();
    const LogupGkrProverOutput po = logup_gkr_prove(alpha, views(owned), pt);

    const std::vector<std::uint8_t> bytes = po.proof.serialize();
    LogupGkrProof parsed;
    ASSERT_EQ(LogupGkrProof::parse(bytes, vars, parsed), Status::kOk);
    EXPECT_EQ(parsed.serialize(), bytes);

    Transcript vt = prefixed();
    LogupGkrClaims claims;
    ASSERT_EQ(logup_gkr_verify(vars, parsed, vt, claims), Status::kOk);
    EXPECT_EQ(vt.state(), pt.state());
    EXPECT_EQ(claims.point, po.point);
    for (std::size_t i = 0; i < vars.size(); ++i) {
      // Roots: the fractional sum.
      Fp3 num = Fp3::zero(), den = Fp3::one();
      for (std::size_t x = 0; x < owned[i].values.size(); ++x) {
        const Fp3 p = owned[i].numerators.empty() ? Fp3::one() : Fp3(owned[i].numerators[x]);
        const Fp3 q = alpha - Fp3(owned[i].shift) - Fp3(owned[i].values[x]);
        num = num * q + p * den;
        den = den * q;
      }
      EXPECT_EQ(claims.roots[i].numerator * den, num * claims.roots[i].denominator);
      EXPECT_EQ(claims.inputs[i], direct_claim(owned[i], alpha, std::span<const Fp3>(claims.point).first(vars[i])));
    }
  }
}

class LogupGkrTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    TestRng rng(5);
    owned_ = random_instances(rng, vars_);
    alpha_ = rng.fp3();
    Transcript t = prefixed();
    proof_ = logup_gkr_prove(alpha_, views(owned_), t).proof;
  }
  Status verify(const LogupGkrProof& p, std::uint64_t prefix = 1) const {
    Transcript t = prefixed(prefix);
    LogupGkrClaims c;
    return logup_gkr_verify(vars_, p, t, c);
  }
  std::vector<unsigned> vars_{6, 3, 6, 0, 2};
  std::vector<Owned> owned_;
  Fp3 alpha_;
  LogupGkrProof proof_;
};

TEST_F(LogupGkrTamper, HonestVerifies) { EXPECT_EQ(verify(proof_), Status::kOk); }

TEST_F(LogupGkrTamper, EveryRoundValueAndChildValueIsChecked) {
  // A changed root moves its instance's first claim; the later layers catch
  // it. (Instance 3 has no variables: its root is its input claim, which the
  // caller checks.)
  for (std::size_t i = 0; i < proof_.roots.size(); ++i) {
    if (i / 2 == 3) continue;
    LogupGkrProof p = proof_;
    p.roots[i] += Fp3::one();
    EXPECT_NE(verify(p), Status::kOk) << "root " << i;
  }
  for (std::size_t j = 0; j < proof_.layers.size(); ++j) {
    for (std::size_t k = 0; k < proof_.layers[j].round_polynomials.size(); ++k) {
      for (std::size_t x = 0; x < kLogupRoundValues; ++x) {
        LogupGkrProof p = proof_;
        p.layers[j].round_polynomials[k][x] += Fp3::one();
        EXPECT_NE(verify(p), Status::kOk) << j << " " << k << " " << x;
      }
    }
    for (std::size_t c = 0; c < proof_.layers[j].child_values.size(); ++c) {
      LogupGkrProof p = proof_;
      p.layers[j].child_values[c] += Fp3::one();
      EXPECT_NE(verify(p), Status::kOk) << j << " child " << c;
    }
  }
}

TEST_F(LogupGkrTamper, ShapesAreExact) {
  LogupGkrProof p = proof_;
  p.layers[3].round_polynomials[1].push_back(Fp3::zero());
  EXPECT_EQ(verify(p), Status::kWrongDegree);
  p = proof_;
  p.layers[2].round_polynomials[0].pop_back();
  EXPECT_EQ(verify(p), Status::kWrongDegree);
  p = proof_;
  p.layers.pop_back();
  EXPECT_EQ(verify(p), Status::kMalformed);
  p = proof_;
  p.layers[4].child_values.pop_back();
  EXPECT_EQ(verify(p), Status::kWrongLength);
  p = proof_;
  p.roots.push_back(Fp3::zero());
  EXPECT_EQ(verify(p), Status::kWrongLength);
}

TEST_F(LogupGkrTamper, OtherTranscriptPrefixRejects) { EXPECT_NE(verify(proof_, 2), Status::kOk); }

TEST_F(LogupGkrTamper, ParserRejectsTruncationTrailingAndFlips) {
  const std::vector<std::uint8_t> bytes = proof_.serialize();
  LogupGkrProof out;
  for (std::size_t len = 0; len < bytes.size(); len += 7) {
    EXPECT_NE(LogupGkrProof::parse(std::span(bytes).first(len), vars_, out), Status::kOk) << len;
  }
  std::vector<std::uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(LogupGkrProof::parse(longer, vars_, out), Status::kMalformed);
  // A non-canonical element: the first root's c0 set to p.
  std::vector<std::uint8_t> bad = bytes;
  for (std::size_t i = 0; i < 8; ++i) bad[4 + i] = static_cast<std::uint8_t>(Fp::kModulus >> (8 * i));
  EXPECT_EQ(LogupGkrProof::parse(bad, vars_, out), Status::kNonCanonical);
  // A huge count is rejected before allocating.
  std::vector<std::uint8_t> huge = bytes;
  huge[0] = huge[1] = huge[2] = huge[3] = 0xFF;
  EXPECT_NE(LogupGkrProof::parse(huge, vars_, out), Status::kOk);
  // Flipped bytes: parse or verify fails.
  TestRng rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::uint8_t> f = bytes;
    f[rng.below(f.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
    LogupGkrProof p;
    if (LogupGkrProof::parse(f, vars_, p) == Status::kOk) {
      EXPECT_NE(verify(p), Status::kOk);
    }
  }
}

TEST(LogupGkr, BadShapesAreRejectedNotThrown) {
  LogupGkrProof p;
  Transcript t("x");
  LogupGkrClaims c;
  EXPECT_EQ(logup_gkr_verify({}, p, t, c), Status::kBadParameters);
  const std::vector<unsigned> too_big{kMaxLogupVars + 1};
  EXPECT_EQ(logup_gkr_verify(too_big, p, t, c), Status::kBadParameters);
  EXPECT_EQ(LogupGkrProof::parse({}, too_big, p), Status::kBadParameters);
}

}  // namespace
}  // namespace fti::crypto
