// The parallel code paths give bit-identical results on one thread and on
// many (field arithmetic is exact, so any difference is a race), and the
// process-wide twiddle cache survives concurrent first use from TBB tasks.
#include <gtest/gtest.h>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <vector>

#include "engine/crypto/merkle.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/reed_solomon.h"
#include "engine/crypto/sumcheck.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

struct Outputs {
  std::vector<Fp> ntt, rs;
  MerkleCap cap;
  std::vector<std::uint8_t> sumcheck_proof;
};

Outputs run_all(std::size_t threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  TestRng rng(41);
  Outputs out;
  out.ntt = rng.fps(1 << 18);
  ntt_forward(out.ntt);
  const std::vector<Fp> coeffs = rng.fps(1 << 16);
  out.rs = rs_encode(coeffs, 2, Fp::from_u64(7));
  out.cap = MerkleTree::commit_rows(out.rs, 4, 3).cap();
  const std::vector<Fp> a = rng.fps(1 << 16), b = rng.fps(1 << 16), c = rng.fps(1 << 16);
  const std::vector<MultilinearRef> refs = {std::span<const Fp>(a), std::span<const Fp>(b), std::span<const Fp>(c)};
  SumcheckStatement st;
  st.num_vars = 16;
  st.num_polys = 3;
  st.claims.push_back({{SumcheckTerm{Fp3::one(), {0, 1, 2}}}, Fp3::zero()});
  st.claims[0].sum = sumcheck_claim_sum(st.claims[0].terms, refs);
  Transcript t("fti.test.parallel");
  out.sumcheck_proof = sumcheck_prove(st, refs, t).proof.serialize();
  return out;
}

TEST(Parallel, OneThreadAndManyThreadsAgree) {
  const Outputs one = run_all(1);
  const Outputs many = run_all(4);  // more workers than cores: more interleavings
  EXPECT_EQ(one.ntt, many.ntt);
  EXPECT_EQ(one.rs, many.rs);
  EXPECT_EQ(one.cap, many.cap);
  EXPECT_EQ(one.sumcheck_proof, many.sumcheck_proof);
}

TEST(Parallel, ConcurrentTransformsOfNewSizes) {
  // Tasks that each need a twiddle table larger than any built so far.
  std::vector<std::vector<Fp>> inputs;
  TestRng rng(42);
  for (unsigned i = 0; i < 6; ++i) inputs.push_back(rng.fps(std::size_t{1} << (16 + i % 6)));
  std::vector<std::vector<Fp>> outputs = inputs;
  tbb::parallel_for(std::size_t{0}, outputs.size(), [&](std::size_t i) { ntt_forward(outputs[i]); });
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    ntt_inverse(outputs[i]);
    EXPECT_EQ(outputs[i], inputs[i]) << i;
  }
}

}  // namespace
}  // namespace fti::crypto
