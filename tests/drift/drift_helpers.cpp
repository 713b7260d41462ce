#include "tests/drift/drift_helpers.h"

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>

#include "engine/commitment/commitment_hash.h"
#include "engine/commitment/fixed_point.h"
#include "engine/commitment/grouping.h"
#include "engine/commitment/tensor_layout.h"
#include "engine/common/sha256.h"

namespace fti::drift::testing {

using crypto::Fp;

std::vector<const crypto::BasefoldProverData*> TestModel::group_pointers() const {
  std::vector<const crypto::BasefoldProverData*> out;
  for (const auto& g : groups) out.push_back(&g);
  return out;
}

const TestTensor& TestModel::tensor(const std::string& name) const {
  for (const TestTensor& t : tensors) {
    if (t.name == name) return t;
  }
  throw std::out_of_range(name);
}

crypto::BasefoldParams small_params() {
  crypto::BasefoldParams p;
  p.log_blowup = 2;
  p.commit_leaf_log_size = 2;
  p.fold_log_arity = 2;
  p.final_log_size = 2;
  p.num_queries = 12;
  p.grinding_bits = 2;
  p.cap_log = 1;
  return p;
}

crypto::BasefoldParams tiny_params() {
  crypto::BasefoldParams p;
  p.log_blowup = 1;
  p.commit_leaf_log_size = 1;
  p.fold_log_arity = 1;
  p.final_log_size = 4;
  p.num_queries = 2;
  p.grinding_bits = 0;
  p.cap_log = 0;
  return p;
}

TestModel make_model(std::vector<TestTensor> tensors, const crypto::BasefoldParams& params, bool given_scales) {
  std::sort(tensors.begin(), tensors.end(), [](const TestTensor& a, const TestTensor& b) { return a.name < b.name; });
  TestModel model;
  commitment::ModelCommitment& c = model.commitment;
  c.params = params;
  std::vector<unsigned> vars;
  std::vector<std::vector<Fp>> tables;
  for (const TestTensor& t : tensors) {
    const commitment::MatrixLayout layout = commitment::matrix_layout(t.shape, t.name);
    if (layout.elements() != t.values.size()) throw std::invalid_argument("test tensor size " + t.name);
    std::vector<Fp> table(layout.table_size(), Fp::zero());
    std::vector<std::uint8_t> bytes;
    std::int64_t max_abs = 0;
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      const std::int64_t v = t.values[i];
      if (v >= commitment::kValueBound || v <= -commitment::kValueBound) throw std::invalid_argument("test value");
      table[(i / layout.cols) * layout.row_stride() + i % layout.cols] = Fp::from_i64(v);
      max_abs = std::max(max_abs, v < 0 ? -v : v);
      const auto u = static_cast<std::uint32_t>(static_cast<std::int32_t>(v));
      for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<std::uint8_t>(u >> (8 * k)));
    }
    commitment::TensorRecord r;
    r.name = t.name;
    r.dtype = DType::kI32;
    r.shape = t.shape;
    r.log_rows = layout.log_rows;
    r.log_cols = layout.log_cols;
    r.scale = 0;
    r.scale_source = given_scales ? commitment::ScaleSource::kGiven : commitment::ScaleSource::kRule;
    r.max_abs = static_cast<std::uint64_t>(max_abs);
    r.data_sha256 = fti::sha256(bytes);
    c.tensors.push_back(std::move(r));
    vars.push_back(layout.num_vars());
    tables.push_back(std::move(table));
  }
  const std::vector<commitment::GroupPlan> plan = commitment::plan_groups(vars);
  for (std::size_t g = 0; g < plan.size(); ++g) {
    std::vector<std::vector<Fp>> group_tables;
    for (std::size_t i = 0; i < plan[g].members.size(); ++i) {
      commitment::TensorRecord& r = c.tensors[plan[g].members[i]];
      r.group = static_cast<std::uint32_t>(g);
      r.index = static_cast<std::uint32_t>(i);
      group_tables.push_back(tables[plan[g].members[i]]);
    }
    model.groups.push_back(crypto::basefold_commit(params, std::move(group_tables)));
    c.groups.push_back(model.groups.back().commitment());
  }
  c.files.push_back({"model.safetensors", commitment::FileRole::kShard, 0, fti::sha256(std::string_view("test"))});
  commitment::compute_roots(c);
  model.tensors = std::move(tensors);
  return model;
}

TestTensor random_tensor(std::uint64_t seed, std::string name, std::vector<std::uint64_t> shape, std::int64_t bound) {
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<std::int64_t> dist(-bound, bound);
  std::uint64_t count = 1;
  for (const std::uint64_t d : shape) count *= d;
  TestTensor t{std::move(name), std::move(shape), {}};
  t.values.resize(count);
  for (auto& v : t.values) v = dist(gen);
  return t;
}

TestTensor perturbed(const TestTensor& base, std::uint64_t seed, std::int64_t step) {
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<std::int64_t> dist(-step, step);
  TestTensor t = base;
  const std::int64_t limit = commitment::kValueBound - 1;
  for (auto& v : t.values) v = std::clamp<std::int64_t>(v + dist(gen), -limit, limit);
  return t;
}

uint128 exact_delta_squares(const TestTensor& base, const TestTensor& candidate) {
  uint128 s = 0;
  for (std::size_t i = 0; i < base.values.size(); ++i) {
    const int128 d = int128{candidate.values[i]} - base.values[i];
    s += static_cast<uint128>(d * d);
  }
  return s;
}

uint128 exact_base_squares(const TestTensor& base) {
  uint128 s = 0;
  for (const std::int64_t v : base.values) s += static_cast<uint128>(int128{v} * v);
  return s;
}

crypto::Transcript test_transcript(std::uint64_t context) {
  crypto::Transcript t("fti.test.drift");
  t.absorb_u64("test.context", context);
  return t;
}

Proven prove(const TestModel& base, const TestModel& candidate, const NormStatement& statement,
             std::uint64_t context) {
  crypto::Transcript t = test_transcript(context);
  const auto bg = base.group_pointers();
  const auto cg = candidate.group_pointers();
  Proven p{prove_norms(base.commitment, bg, candidate.commitment, cg, statement, t), {}};
  p.bytes = p.out.proof.serialize();
  return p;
}

DriftResult verify(const TestModel& base, const TestModel& candidate, const NormStatement& statement,
                   const NormDisclosure& disclosure, std::span<const std::uint8_t> bytes, std::uint64_t context) {
  crypto::Transcript t = test_transcript(context);
  return verify_norms_bytes(base.commitment, candidate.commitment, statement, disclosure, bytes, t,
                            NormVerifyOptions{.min_security_bits = 0});
}

}  // namespace fti::drift::testing
