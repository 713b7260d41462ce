// The structured norm-class tables (NormClassSumcheck) against the generic
// sumcheck prover over the periodically extended tables (built here, as the
// generic prover takes them): the same proof bytes and point for
// every class shape (one block, several blocks, several tensors with
// absolute and relative bounds mixed, an all-zero delta), and a lie in the
// disclosed limbs is carried into the round polynomials the same way.
#include <gtest/gtest.h>

#include "engine/crypto/multilinear.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/norm_sumcheck.h"
#include "tests/drift/drift_helpers.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;
using crypto::Fp;
using crypto::Fp3;

struct Instance {
  TestModel base, candidate;
  NormLayout layout;
  NormTables tables;
  NormWitness witness;
  std::vector<Fp3> block_point;
};

Instance make_instance(std::vector<TestTensor> base, std::vector<TestTensor> cand, const NormStatement& st) {
  Instance in{make_model(std::move(base), small_params(), false), make_model(std::move(cand), small_params(), true),
              {}, {}, {}, {}};
  EXPECT_EQ(NormLayout::make(in.base.commitment, in.candidate.commitment, st, in.layout), DriftStatus::kOk);
  in.tables = norm_tables(in.base.commitment, in.base.group_pointers(), in.candidate.commitment,
                          in.candidate.group_pointers(), in.layout);
  in.witness = norm_witness(in.base.commitment, in.layout, in.tables);
  for (std::uint64_t i = 0; i < 20; ++i) in.block_point.emplace_back(Fp::from_u64(7 + 3 * i), Fp::from_u64(i), Fp::one());
  return in;
}

// Class c's tables in polynomial order: E and the block limbs periodically
// extended to 2^n entries (owned), B and C borrowed; refs point into them.
struct GenericTables {
  std::vector<Fp3> eq;
  std::vector<std::vector<Fp>> limbs;  // hi, lo per item of the class
  std::vector<crypto::MultilinearRef> refs;
};

void generic_tables(const NormLayout& layout, std::size_t c, std::span<const Fp3> block_point,
                    std::span<const std::span<const Fp>> base_tables,
                    std::span<const std::span<const Fp>> candidate_tables, std::span<const std::vector<Fp>> hi,
                    std::span<const std::vector<Fp>> lo, GenericTables& out) {
  const NormClassLayout& cl = layout.classes[c];
  const std::size_t size = std::size_t{1} << cl.num_vars;
  const std::size_t mask = (std::size_t{1} << cl.block_vars) - 1;
  const std::vector<Fp3> eq = crypto::eq_table(block_point.first(cl.block_vars));
  out.eq.resize(size);
  for (std::size_t x = 0; x < size; ++x) out.eq[x] = eq[x & mask];
  for (const std::size_t i : cl.items) {
    for (const std::vector<Fp>* limb : {&hi[i], &lo[i]}) {
      std::vector<Fp> ext(size);
      for (std::size_t x = 0; x < size; ++x) ext[x] = (*limb)[x & mask];
      out.limbs.push_back(std::move(ext));
    }
  }
  out.refs.emplace_back(std::span<const Fp3>(out.eq));
  for (const std::size_t t : cl.tensors) {
    out.refs.emplace_back(base_tables[t]);
    out.refs.emplace_back(candidate_tables[t]);
  }
  for (const std::vector<Fp>& limb : out.limbs) out.refs.emplace_back(std::span<const Fp>(limb));
}

std::vector<std::vector<Fp>> limbs(const NormWitness& w, bool high) {
  std::vector<std::vector<Fp>> out;
  for (const NormItemWitness& i : w.items) out.push_back(high ? i.hi : i.lo);
  return out;
}

// Both provers on class c from the same transcript state.
void expect_same_proofs(const Instance& in, const NormDisclosure& disclosure) {
  const std::vector<std::vector<Fp>> hi = limbs(in.witness, true), lo = limbs(in.witness, false);
  for (std::size_t c = 0; c < in.layout.classes.size(); ++c) {
    const crypto::SumcheckStatement st = norm_class_statement(in.layout, c, disclosure);
    GenericTables generic;
    generic_tables(in.layout, c, in.block_point, in.tables.base, in.tables.candidate, hi, lo, generic);
    crypto::Transcript t1 = test_transcript(c), t2 = test_transcript(c);
    const crypto::SumcheckProverOutput a = crypto::sumcheck_prove(st, generic.refs, t1);
    NormClassSumcheck structured(in.layout, c, in.block_point, in.tables.base, in.tables.candidate, hi, lo);
    const crypto::SumcheckProverOutput b = crypto::sumcheck_prove_with(st, structured, t2);
    EXPECT_EQ(a.proof.serialize(), b.proof.serialize()) << "class " << c;
    EXPECT_EQ(a.point, b.point) << "class " << c;
    EXPECT_EQ(t1.state(), t2.state()) << "class " << c;
  }
}

TEST(NormClassSumcheck, SameProofAsTheGenericProverForEveryClassShape) {
  // n = 4 (m = 0), n = 12 with three tensors (relative, absolute, zero
  // delta), n = 17 (m = 2: four blocks) with two tensors.
  std::vector<TestTensor> base{random_tensor(1, "a", {16}, 1 << 22),           random_tensor(2, "b1", {60, 50}, 1 << 22),
                               random_tensor(3, "b2", {64, 64}, 1 << 20),     random_tensor(4, "b3", {50, 60}, 1 << 21),
                               random_tensor(5, "c1", {256, 512}, 1 << 20),   random_tensor(6, "c2", {200, 512}, (1 << 23) - 1)};
  std::vector<TestTensor> cand{perturbed(base[0], 11, 1 << 20), perturbed(base[1], 12, 1000), base[2],
                               perturbed(base[3], 14, 1 << 22), perturbed(base[4], 15, 1 << 18),
                               perturbed(base[5], 16, 3)};
  NormStatement st;
  st.tensors = {{0, false, {}}, {1, true, {}}, {2, false, {}}, {3, false, {}}, {4, true, {}}, {5, true, {}}};
  const Instance in = make_instance(base, cand, st);
  ASSERT_EQ(in.layout.classes.size(), 3u);
  EXPECT_EQ(in.layout.classes[0].block_vars, 0u);
  EXPECT_EQ(in.layout.classes[1].tensors.size(), 3u);
  EXPECT_EQ(in.layout.classes[2].block_vars, 2u);
  expect_same_proofs(in, in.witness.disclosure);

  // A false disclosure (H + 1 on every item) changes the claimed sums, not
  // the tables: both provers still agree byte for byte.
  NormDisclosure lie = in.witness.disclosure;
  for (NormStatistic& s : lie.items) s.high += 1;
  expect_same_proofs(in, lie);
}

TEST(NormClassSumcheck, RefusesCallsOutOfOrder) {
  std::vector<TestTensor> base{random_tensor(1, "a", {8, 8}, 1000)};
  std::vector<TestTensor> cand{perturbed(base[0], 2, 10)};
  NormStatement st;
  st.tensors = {{0, false, {}}};
  const Instance in = make_instance(base, cand, st);
  const std::vector<std::vector<Fp>> hi = limbs(in.witness, true), lo = limbs(in.witness, false);
  NormClassSumcheck tables(in.layout, 0, in.block_point, in.tables.base, in.tables.candidate, hi, lo);
  const std::vector<Fp3> weights(3, Fp3::one());
  EXPECT_THROW((void)tables.round_values(1, weights), std::invalid_argument);
  EXPECT_THROW((void)tables.round_values(0, std::vector<Fp3>(2)), std::invalid_argument);
  EXPECT_THROW((void)tables.final_evaluations(), std::invalid_argument);
  for (unsigned i = 0; i < 6; ++i) tables.bind(Fp3::one());
  EXPECT_THROW(tables.bind(Fp3::one()), std::invalid_argument);
  EXPECT_EQ(tables.final_evaluations().size(), 1u + 2u + 2u);
}

}  // namespace
}  // namespace fti::drift
