// Frozen tensors: accepted exactly when the two commitments record the same
// data digest, dtype and shape for the tensor.
#include <gtest/gtest.h>

#include "engine/commitment/commitment_hash.h"
#include "engine/drift/frozen.h"
#include "tests/drift/drift_helpers.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;

TEST(Frozen, EqualDigestsAreFrozenChangedOnesAreNot) {
  const TestTensor a = random_tensor(51, "a", {8, 8}, 1000);
  const TestTensor b = random_tensor(52, "b", {16}, 1000);
  TestTensor b2 = b;
  b2.values[5] += 1;
  const TestModel base = make_model({a, b}, small_params(), false);
  const TestModel cand = make_model({a, b2}, small_params(), true);
  const std::uint32_t only_a[] = {0};
  const std::uint32_t both[] = {0, 1};
  const std::uint32_t only_b[] = {1};
  EXPECT_EQ(verify_frozen(base.commitment, cand.commitment, only_a), DriftResult{});
  EXPECT_EQ(verify_frozen(base.commitment, cand.commitment, both).status, DriftStatus::kNotFrozen);
  EXPECT_EQ(verify_frozen(base.commitment, cand.commitment, only_b).status, DriftStatus::kNotFrozen);
  const std::uint32_t bad[] = {2};
  const std::uint32_t repeated[] = {0, 0};
  EXPECT_EQ(verify_frozen(base.commitment, cand.commitment, bad).status, DriftStatus::kBadStatement);
  EXPECT_EQ(verify_frozen(base.commitment, cand.commitment, repeated).status, DriftStatus::kBadStatement);
  // Same bytes under another shape is not frozen; a record edited without its root is refused.
  TestModel reshaped = make_model({TestTensor{"a", {4, 16}, a.values}, b}, small_params(), true);
  EXPECT_EQ(verify_frozen(base.commitment, reshaped.commitment, only_a).status, DriftStatus::kNotFrozen);
  TestModel forged = cand;
  forged.commitment.tensors[1].data_sha256 = base.commitment.tensors[1].data_sha256;
  EXPECT_EQ(verify_frozen(base.commitment, forged.commitment, only_b).status, DriftStatus::kIncompatibleCommitments);
  // A missing tensor.
  const TestModel without_a = make_model({b}, small_params(), true);
  EXPECT_EQ(verify_frozen(base.commitment, without_a.commitment, only_a).status, DriftStatus::kNotFrozen);
}

}  // namespace
}  // namespace fti::drift
