// Model commitments on generated checkpoints: deterministic (runs, thread
// counts, memory budgets), sensitive to every value, name, shape, dtype and
// file, independent of the tensors' order inside the files for the tensors
// root (but not for the root, which binds the files' bytes), consistent with
// basefold_commit over the tables a prover rebuilds, and the scale alignment
// a candidate uses to share its base's scales.
#include <gtest/gtest.h>

#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/commitment/commitment_hash.h"
#include "engine/commitment/fixed_point.h"
#include "engine/commitment/grouping.h"
#include "engine/commitment/model_commitment.h"
#include "engine/common/error.h"
#include "engine/crypto/basefold_commit.h"
#include "registry/checkpoint.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti::commitment {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::vector<TensorData> small_model(std::uint64_t seed = 5) { return testing::make_model_tensors(2, 16, seed); }

ModelCommitment commit_dir(const fs::path& dir, const CommitOptions& options = {}) {
  return commit_model(Checkpoint::open_local(dir), options);
}

class ModelCommitmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tensors_ = small_model();
    testing::write_model(dir_ / "base", tensors_, 1);
    base_ = commit_dir(dir_ / "base");
  }
  // Writes `tensors` as a one-file model in a fresh directory and commits it.
  ModelCommitment commit_variant(const std::string& name, const std::vector<TensorData>& tensors, int shards = 1) {
    testing::write_model(dir_ / name, tensors, shards);
    return commit_dir(dir_ / name);
  }
  TempDir dir_;
  std::vector<TensorData> tensors_;
  ModelCommitment base_;
};

TEST_F(ModelCommitmentTest, RecordsEveryTensorGroupAndFile) {
  ASSERT_EQ(base_.tensors.size(), tensors_.size());
  ASSERT_EQ(base_.files.size(), 1u);
  EXPECT_EQ(base_.files[0].name, "model.safetensors");
  EXPECT_EQ(base_.files[0].sha256, sha256_file(dir_ / "base" / "model.safetensors"));
  // hidden 16: embed/lm_head 64 x 16 (n = 10), q/k/v/o 16 x 16 (n = 8),
  // up 32 x 16 and down 16 x 32 (n = 9), norms 16 (n = 4).
  ASSERT_EQ(base_.groups.size(), 4u);
  EXPECT_EQ(base_.groups[0].num_vars, 4u);
  EXPECT_EQ(base_.groups[0].num_polys, 2u);
  EXPECT_EQ(base_.groups[1].num_vars, 8u);
  EXPECT_EQ(base_.groups[1].num_polys, 8u);
  EXPECT_EQ(base_.groups[2].num_vars, 9u);
  EXPECT_EQ(base_.groups[2].num_polys, 4u);
  EXPECT_EQ(base_.groups[3].num_vars, 10u);
  EXPECT_EQ(base_.groups[3].num_polys, 2u);
  for (const TensorRecord& t : base_.tensors) {
    EXPECT_EQ(t.dtype, DType::kBF16);
    EXPECT_EQ(t.scale_source, ScaleSource::kRule);
    EXPECT_LE(t.max_abs, static_cast<std::uint64_t>(kRuleBound));
    EXPECT_GE(t.max_abs, static_cast<std::uint64_t>(kRuleBound / 2)) << t.name;  // the rule uses the top binade
    EXPECT_EQ(base_.groups[t.group].num_vars, t.num_vars());
  }
  for (std::size_t i = 1; i < base_.tensors.size(); ++i) EXPECT_LT(base_.tensors[i - 1].name, base_.tensors[i].name);
  ModelCommitment recomputed = base_;
  compute_roots(recomputed);
  EXPECT_EQ(recomputed, base_);
}

TEST_F(ModelCommitmentTest, DeterministicAcrossRunsThreadsAndMemoryBudgets) {
  EXPECT_EQ(commit_dir(dir_ / "base"), base_);
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    EXPECT_EQ(commit_dir(dir_ / "base"), base_);
  }
  CommitOptions tiny;
  tiny.group.memory_budget = 4096;  // forces many slabs per group
  CommitFigures figures;
  const ModelCommitment slabbed = commit_model(Checkpoint::open_local(dir_ / "base"), tiny, &figures);
  EXPECT_EQ(slabbed, base_);
  bool any_slabs = false;
  for (const GroupFigures& g : figures.groups) any_slabs = any_slabs || g.stats.slabs_log > 0;
  EXPECT_TRUE(any_slabs);
  EXPECT_FALSE(first_difference(base_, slabbed).has_value());
}

TEST_F(ModelCommitmentTest, GroupTablesReproduceTheGroupCommitments) {
  const Checkpoint checkpoint = Checkpoint::open_local(dir_ / "base");
  for (std::size_t g = 0; g < base_.groups.size(); ++g) {
    const crypto::BasefoldProverData data = crypto::basefold_commit(base_.params, group_tables(checkpoint, base_, g));
    EXPECT_EQ(data.commitment(), base_.groups[g]) << "group " << g;
  }
}

TEST_F(ModelCommitmentTest, KeptGroupsAreTheCommittedOnesAndChangeNothing) {
  // One tensor selected: exactly its group is kept whole, the commitment is
  // the streamed one bit for bit, and the kept prover data is what prove
  // would otherwise rebuild from the files.
  const std::string wanted = tensors_[3].spec.name;
  const TensorRecord* t = base_.find(wanted);
  ASSERT_NE(t, nullptr);
  CommitOptions options;
  options.keep_group_of = [&](std::string_view name) { return name == wanted; };
  KeptGroups kept;
  kept.emplace(99, crypto::basefold_commit(base_.params, {std::vector<crypto::Fp>(4)}));  // stale: cleared
  const ModelCommitment c = commit_model(Checkpoint::open_local(dir_ / "base"), options, nullptr, &kept);
  EXPECT_EQ(c, base_);
  ASSERT_EQ(kept.size(), 1u);
  ASSERT_TRUE(kept.contains(t->group));
  const crypto::BasefoldProverData& data = kept.at(t->group);
  EXPECT_EQ(data.commitment(), base_.groups[t->group]);
  const std::vector<std::vector<crypto::Fp>> tables = group_tables(Checkpoint::open_local(dir_ / "base"), base_, t->group);
  ASSERT_EQ(data.tables().size(), tables.size());
  for (std::size_t j = 0; j < tables.size(); ++j) EXPECT_EQ(data.tables()[j], tables[j]) << j;

  // Without a map, or without a selector, nothing is kept and nothing changes.
  EXPECT_EQ(commit_model(Checkpoint::open_local(dir_ / "base"), options), base_);
  KeptGroups none;
  EXPECT_EQ(commit_model(Checkpoint::open_local(dir_ / "base"), {}, nullptr, &none), base_);
  EXPECT_TRUE(none.empty());
}

// CommitOptions::reference: the groups whose members are byte for byte the
// reference's are taken from it, the others computed; either way the result is
// the commitment computed without a reference.
TEST_F(ModelCommitmentTest, AReferenceSharesTheUntouchedGroupsAndChangesNothing) {
  std::vector<TensorData> changed = tensors_;
  changed[3].bytes[0] ^= 1;
  testing::write_model(dir_ / "changed", changed, 1);
  const Checkpoint checkpoint = Checkpoint::open_local(dir_ / "changed");
  const std::uint32_t touched = base_.find(changed[3].spec.name)->group;

  const auto commit_with = [&](CommitOptions options, const ModelCommitment* reference, CommitFigures& figures,
                               KeptGroups* kept = nullptr, const KeptGroups* reference_kept = nullptr) {
    options.reference = reference;
    options.reference_kept = reference_kept;
    return commit_model(checkpoint, options, &figures, kept);
  };
  const auto shared_groups = [](const CommitFigures& figures) {
    std::vector<std::size_t> out;
    for (std::size_t g = 0; g < figures.groups.size(); ++g) {
      if (figures.groups[g].shared) out.push_back(g);
    }
    return out;
  };
  std::vector<std::size_t> untouched;
  for (std::size_t g = 0; g < base_.groups.size(); ++g) {
    if (g != touched) untouched.push_back(g);
  }

  // At the base's scales (what prove does) and at the rule's.
  for (const bool given : {true, false}) {
    CommitOptions options;
    if (given) options.given_scales = scales_of(base_);
    CommitFigures plain_figures, figures;
    const ModelCommitment plain = commit_with(options, nullptr, plain_figures);
    EXPECT_TRUE(shared_groups(plain_figures).empty());
    const ModelCommitment c = commit_with(options, &base_, figures);
    EXPECT_EQ(c, plain) << "given scales: " << given;
    EXPECT_EQ(shared_groups(figures), untouched) << "given scales: " << given;
  }

  // Another scale for one tensor of an untouched group: that group is computed.
  CommitOptions rescaled;
  rescaled.given_scales = scales_of(base_);
  const TensorRecord& other = *base_.find(changed[0].spec.name);
  ASSERT_NE(other.group, touched);
  rescaled.given_scales[other.name] = other.scale - 1;
  CommitFigures plain_figures, figures;
  const ModelCommitment plain = commit_with(rescaled, nullptr, plain_figures);
  EXPECT_EQ(commit_with(rescaled, &base_, figures), plain);
  for (const std::size_t g : shared_groups(figures)) EXPECT_NE(g, other.group);
  EXPECT_EQ(shared_groups(figures).size(), untouched.size() - 1);

  // The same bytes at other positions: a tensor added ahead of the q/k/v/o
  // members (by name) shifts them, and the ninth member splits their class
  // into chunks of 8 + 1, which moves every later group to another index:
  // only the first group (the norms) is still the reference's.
  {
    std::vector<TensorData> shifted = tensors_;
    TensorData extra = tensors_[3];
    extra.spec.name = "a.first." + extra.spec.name;
    shifted.push_back(extra);
    testing::write_model(dir_ / "shifted", shifted, 1);
    CommitOptions options;
    options.given_scales = scales_of(base_);
    options.given_scales[extra.spec.name] = base_.find(tensors_[3].spec.name)->scale;
    CommitFigures plain_shifted, shifted_figures;
    const ModelCommitment plain_s = commit_model(Checkpoint::open_local(dir_ / "shifted"), options, &plain_shifted);
    options.reference = &base_;
    EXPECT_EQ(commit_model(Checkpoint::open_local(dir_ / "shifted"), options, &shifted_figures), plain_s);
    EXPECT_EQ(shared_groups(shifted_figures), std::vector<std::size_t>{0});
    EXPECT_EQ(plain_s.groups.size(), base_.groups.size() + 1);
  }

  // Other Basefold parameters: nothing is shared.
  CommitOptions other_params;
  other_params.params.num_queries += 1;
  const ModelCommitment p = commit_with(other_params, &base_, figures);
  EXPECT_TRUE(shared_groups(figures).empty());
  EXPECT_EQ(p, commit_with(other_params, nullptr, plain_figures));

  // Kept groups: a shared one is the reference's prover data, copied; one the
  // reference did not keep is committed whole.
  CommitOptions keep_all;
  keep_all.given_scales = scales_of(base_);
  keep_all.keep_group_of = [](std::string_view) { return true; };
  KeptGroups reference_kept;
  CommitOptions keep_base = keep_all;
  keep_base.given_scales.clear();
  ASSERT_EQ(commit_model(Checkpoint::open_local(dir_ / "base"), keep_base, nullptr, &reference_kept), base_);
  const std::uint32_t dropped = static_cast<std::uint32_t>(untouched.back());
  reference_kept.erase(dropped);
  KeptGroups kept;
  const ModelCommitment k = commit_with(keep_all, &base_, figures, &kept, &reference_kept);
  EXPECT_EQ(k, commit_with(keep_all, nullptr, plain_figures));
  std::vector<std::size_t> expected = untouched;
  expected.pop_back();
  EXPECT_EQ(shared_groups(figures), expected);
  ASSERT_EQ(kept.size(), base_.groups.size());
  for (const auto& [g, data] : kept) {
    EXPECT_EQ(data.commitment(), k.groups[g]) << g;
    const std::vector<std::vector<crypto::Fp>> tables = group_tables(checkpoint, k, g);
    ASSERT_EQ(data.tables().size(), tables.size());
    for (std::size_t j = 0; j < tables.size(); ++j) EXPECT_EQ(data.tables()[j], tables[j]) << g << " " << j;
    if (reference_kept.contains(g)) {
      EXPECT_EQ(g != touched, std::equal(data.codeword().begin(), data.codeword().end(), reference_kept.at(g).codeword().begin(),
                             reference_kept.at(g).codeword().end()))
          << g;
    }
  }
}

TEST_F(ModelCommitmentTest, GroupTablesRefuseOtherBytes) {
  std::vector<TensorData> changed = tensors_;
  changed[3].bytes[0] ^= 1;
  testing::write_model(dir_ / "changed", changed, 1);
  const Checkpoint checkpoint = Checkpoint::open_local(dir_ / "changed");
  const TensorRecord* t = base_.find(changed[3].spec.name);
  ASSERT_NE(t, nullptr);
  try {
    (void)group_tables(checkpoint, base_, t->group);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
    EXPECT_NE(std::string(e.what()).find(changed[3].spec.name), std::string::npos) << e.what();
  }
}

TEST_F(ModelCommitmentTest, EverySingleValueChangesTheRoot) {
  // One mantissa bit of one element, in several tensors and positions.
  for (const std::size_t which : {std::size_t{0}, std::size_t{4}, tensors_.size() - 1}) {
    for (const std::size_t byte : {std::size_t{0}, tensors_[which].bytes.size() - 2}) {
      std::vector<TensorData> changed = tensors_;
      changed[which].bytes[byte] ^= 1;
      const ModelCommitment c = commit_variant("v" + std::to_string(which) + "_" + std::to_string(byte), changed);
      EXPECT_NE(c.root, base_.root);
      EXPECT_NE(c.tensors_root, base_.tensors_root);
      const auto diff = first_difference(base_, c);
      ASSERT_TRUE(diff.has_value());
      EXPECT_EQ(diff->tensor, changed[which].spec.name);
      EXPECT_NE(diff->message.find("values differ"), std::string::npos) << diff->message;
      const TensorRecord* t = c.find(changed[which].spec.name);
      ASSERT_NE(t, nullptr);
      EXPECT_NE(c.groups[t->group], base_.groups[t->group]) << "the group commitment binds the values";
    }
  }
}

TEST_F(ModelCommitmentTest, NameShapeAndDtypeChangeTheRoot) {
  std::vector<TensorData> renamed = tensors_;
  renamed[1].spec.name += "x";
  const ModelCommitment r = commit_variant("renamed", renamed);
  EXPECT_NE(r.root, base_.root);
  EXPECT_NE(r.tensors_root, base_.tensors_root);

  // The same bytes viewed as another shape (64 x 16 -> 16 x 64).
  std::vector<TensorData> reshaped = tensors_;
  ASSERT_EQ(reshaped[0].spec.shape.size(), 2u);
  std::swap(reshaped[0].spec.shape[0], reshaped[0].spec.shape[1]);
  const ModelCommitment s = commit_variant("reshaped", reshaped);
  EXPECT_NE(s.root, base_.root);
  auto diff = first_difference(base_, s);
  ASSERT_TRUE(diff.has_value());
  EXPECT_NE(diff->message.find("shape"), std::string::npos) << diff->message;

  // The same bytes read as F16 instead of BF16.
  std::vector<TensorData> retyped = tensors_;
  retyped[2].spec.dtype = DType::kF16;
  const ModelCommitment d = commit_variant("retyped", retyped);
  EXPECT_NE(d.root, base_.root);
  diff = first_difference(base_, d);
  ASSERT_TRUE(diff.has_value());
  EXPECT_EQ(diff->tensor, retyped[2].spec.name);
  EXPECT_NE(diff->message.find("dtype F16, committed BF16"), std::string::npos) << diff->message;
}

TEST_F(ModelCommitmentTest, FileBytesAreBoundButNotIntoTheTensorsRoot) {
  // Same tensors, different safetensors metadata: the tensors and groups are
  // identical, the file (and so the root) is not.
  fs::create_directories(dir_ / "meta");
  write_safetensors(dir_ / "meta" / "model.safetensors", tensors_, {{"format", "pt"}});
  const ModelCommitment m = commit_dir(dir_ / "meta");
  EXPECT_EQ(m.tensors_root, base_.tensors_root);
  EXPECT_EQ(m.groups, base_.groups);
  EXPECT_NE(m.files_digest, base_.files_digest);
  EXPECT_NE(m.root, base_.root);
  const auto diff = first_difference(base_, m);
  ASSERT_TRUE(diff.has_value());
  EXPECT_TRUE(diff->tensor.empty());
  EXPECT_NE(diff->message.find("file \"model.safetensors\": sha256"), std::string::npos) << diff->message;

  // Sharded: two shards and an index, every file recorded.
  const ModelCommitment sharded = commit_variant("sharded", tensors_, 2);
  EXPECT_EQ(sharded.tensors_root, base_.tensors_root);
  EXPECT_NE(sharded.root, base_.root);
  ASSERT_EQ(sharded.files.size(), 3u);
  EXPECT_EQ(sharded.files[0].name, "model-00001-of-00002.safetensors");
  EXPECT_EQ(sharded.files[2].name, "model.safetensors.index.json");
  EXPECT_EQ(sharded.files[2].role, FileRole::kIndex);
  EXPECT_EQ(sharded.files[2].sha256, sha256_file(dir_ / "sharded" / "model.safetensors.index.json"));
}

// A safetensors file whose data section holds the tensors in the given order
// (the reference writer always orders them by dtype and name).
void write_in_order(const fs::path& path, const std::vector<TensorData>& tensors) {
  nlohmann::ordered_json header;
  std::uint64_t offset = 0;
  for (const TensorData& t : tensors) {
    header[t.spec.name] = {{"dtype", std::string(dtype_name(t.spec.dtype))},
                           {"shape", t.spec.shape},
                           {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>(json.size() >> (8 * i)));
  bytes += json;
  for (const TensorData& t : tensors) bytes.append(t.bytes.begin(), t.bytes.end());
  testing::write_text(path, bytes);
}

TEST_F(ModelCommitmentTest, ReorderingTensorsInTheFileKeepsTheTensorsRootNotTheRoot) {
  fs::create_directories(dir_ / "forward");
  fs::create_directories(dir_ / "reversed");
  std::vector<TensorData> reversed(tensors_.rbegin(), tensors_.rend());
  write_in_order(dir_ / "forward" / "model.safetensors", tensors_);
  write_in_order(dir_ / "reversed" / "model.safetensors", reversed);
  const ModelCommitment f = commit_dir(dir_ / "forward");
  const ModelCommitment r = commit_dir(dir_ / "reversed");
  // Content: identical tensor records, groups and tensors root.
  EXPECT_EQ(f.tensors, r.tensors);
  EXPECT_EQ(f.groups, r.groups);
  EXPECT_EQ(f.tensors_root, r.tensors_root);
  EXPECT_EQ(f.tensors_root, base_.tensors_root);
  // Bytes: the files differ, and the root binds them.
  EXPECT_NE(f.files_digest, r.files_digest);
  EXPECT_NE(f.root, r.root);
}

TEST_F(ModelCommitmentTest, NanIsRefusedNamingTheTensor) {
  std::vector<TensorData> broken = tensors_;
  const std::uint16_t nan = 0x7FC0;
  std::memcpy(broken[5].bytes.data() + 6, &nan, 2);
  testing::write_model(dir_ / "nan", broken, 1);
  try {
    (void)commit_dir(dir_ / "nan");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
    EXPECT_NE(std::string(e.what()).find("\"" + broken[5].spec.name + "\" (BF16): element 3 is NaN"), std::string::npos)
        << e.what();
  }
}

TEST_F(ModelCommitmentTest, CandidateEncodedAtItsBaseScales) {
  // A candidate whose first tensor's largest value grew to 1.5 * 2^22 at the
  // base's scale: its own rule moves it one binade coarser, the base's scale
  // still fits (the headroom bit).
  const std::int32_t base_scale = base_.find(tensors_[0].spec.name)->scale;
  std::vector<TensorData> grown = tensors_;
  const std::uint16_t top = double_to_bf16(std::ldexp(1.5, 22 - base_scale));
  std::memcpy(grown[0].bytes.data(), &top, 2);
  testing::write_model(dir_ / "grown", grown, 1);
  const ModelCommitment own = commit_dir(dir_ / "grown");
  CommitOptions aligned;
  aligned.given_scales = scales_of(base_);
  const ModelCommitment c = commit_dir(dir_ / "grown", aligned);
  for (const TensorRecord& t : c.tensors) {
    EXPECT_EQ(t.scale, base_.find(t.name)->scale) << t.name;
    EXPECT_EQ(t.scale_source, ScaleSource::kGiven);
    EXPECT_LT(t.max_abs, static_cast<std::uint64_t>(kValueBound));
  }
  const TensorRecord* g = c.find(grown[0].spec.name);
  EXPECT_GT(g->max_abs, static_cast<std::uint64_t>(kRuleBound));  // beyond the rule's range, inside B bits
  EXPECT_EQ(own.find(grown[0].spec.name)->scale, base_.find(grown[0].spec.name)->scale - 1);
  EXPECT_NE(c.root, own.root);
  // Reproducible from the record alone.
  EXPECT_EQ(commit_dir(dir_ / "grown", options_to_reproduce(c)), c);
  EXPECT_EQ(commit_dir(dir_ / "grown", options_to_reproduce(own)), own);

  // Growth beyond the headroom does not fit the base's scale: refused, named.
  std::vector<TensorData> exploded = tensors_;
  const std::uint16_t big = double_to_bf16(100.0);
  std::memcpy(exploded[0].bytes.data(), &big, 2);
  testing::write_model(dir_ / "exploded", exploded, 1);
  try {
    (void)commit_dir(dir_ / "exploded", aligned);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
    EXPECT_NE(std::string(e.what()).find("\"" + exploded[0].spec.name + "\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not fit in 24 bits"), std::string::npos) << e.what();
  }
}

TEST_F(ModelCommitmentTest, UnchangedValuesEncodeIdenticallyAtACommonScale) {
  // Base and candidate of one tensor at the same scale: an unchanged value
  // has the same integer, so Delta is zero exactly where the bytes agree.
  std::vector<TensorData> changed = tensors_;
  changed[4].bytes[10] ^= 0x01;
  testing::write_model(dir_ / "one", changed, 1);
  CommitOptions aligned;
  aligned.given_scales = scales_of(base_);
  const ModelCommitment c = commit_dir(dir_ / "one", aligned);
  const TensorRecord* tb = base_.find(changed[4].spec.name);
  const TensorRecord* tc = c.find(changed[4].spec.name);
  ASSERT_TRUE(tb != nullptr && tc != nullptr);
  const auto base_tables = group_tables(Checkpoint::open_local(dir_ / "base"), base_, tb->group);
  const auto cand_tables = group_tables(Checkpoint::open_local(dir_ / "one"), c, tc->group);
  const auto& b = base_tables[tb->index];
  const auto& d = cand_tables[tc->index];
  std::size_t differing = 0;
  for (std::size_t i = 0; i < b.size(); ++i) differing += b[i] == d[i] ? 0u : 1u;
  EXPECT_LE(differing, 1u);
}

TEST(ModelCommitment, EmptyAndScalarTensorsAndIntegers) {
  TempDir dir;
  std::vector<TensorData> tensors;
  tensors.push_back({{"empty", DType::kF32, {0, 4}}, {}});
  tensors.push_back({{"scalar", DType::kF32, {}}, std::vector<std::uint8_t>(4, 0)});
  std::vector<std::uint8_t> ids(4 * 6);
  for (std::size_t i = 0; i < 6; ++i) ids[4 * i] = static_cast<std::uint8_t>(i);
  tensors.push_back({{"ids", DType::kI32, {2, 3}}, ids});
  const float one = 1.0f;
  std::memcpy(tensors[1].bytes.data(), &one, 4);
  testing::write_model(dir.path(), tensors, 1);
  const ModelCommitment c = commit_dir(dir.path());
  ASSERT_EQ(c.tensors.size(), 3u);
  const TensorRecord* empty = c.find("empty");
  EXPECT_EQ(empty->num_vars(), 0u);
  EXPECT_EQ(empty->max_abs, 0u);
  const TensorRecord* scalar = c.find("scalar");
  EXPECT_EQ(scalar->num_vars(), 0u);
  EXPECT_EQ(scalar->scale, 21);
  EXPECT_EQ(scalar->max_abs, 1u << 21);
  const TensorRecord* i = c.find("ids");
  EXPECT_EQ(i->scale, 0);
  EXPECT_EQ(i->max_abs, 5u);
  EXPECT_EQ(i->log_rows, 1u);
  EXPECT_EQ(i->log_cols, 2u);
  EXPECT_EQ(c.groups.size(), 2u);  // n = 0 (empty, scalar) and n = 3 (ids)
  EXPECT_EQ(c.groups[0].num_polys, 2u);
}

TEST(ModelCommitment, OversizedGroupsSplitIntoChunks) {
  std::vector<unsigned> sizes(10, 3);
  sizes[4] = 5;
  const auto plan = plan_groups(sizes, 4);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].members, (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(plan[1].members, (std::vector<std::size_t>{5, 6, 7, 8}));
  EXPECT_EQ(plan[2].members, (std::vector<std::size_t>{9}));
  EXPECT_EQ(plan[3].num_vars, 5u);
  EXPECT_EQ(plan[3].members, (std::vector<std::size_t>{4}));
}

// Stacked groups pad M to a power of two: chunks waste at most 3/8 of a
// group, and the stacked size n + ceil(log2 M) stays within the limit.
TEST(ModelCommitment, StackedGroupsAreCutIntoChunksThatWasteLittle) {
  auto chunk_sizes = [](const std::vector<unsigned>& sizes, unsigned max_vars) {
    std::vector<std::size_t> out;
    for (const auto& g : plan_groups(sizes, kMaxGroupPolys, max_vars)) out.push_back(g.members.size());
    return out;
  };
  EXPECT_EQ(chunk_sizes(std::vector<unsigned>(560, 20), 30), (std::vector<std::size_t>{512, 48}));
  EXPECT_EQ(chunk_sizes(std::vector<unsigned>(420, 20), 30), (std::vector<std::size_t>{420}));
  EXPECT_EQ(chunk_sizes(std::vector<unsigned>(5, 20), 30), (std::vector<std::size_t>{5}));  // 5/8 used
  EXPECT_EQ(chunk_sizes(std::vector<unsigned>(9, 20), 30), (std::vector<std::size_t>{8, 1}));
  EXPECT_EQ(chunk_sizes(std::vector<unsigned>(6, 20), 30), (std::vector<std::size_t>{6}));
  // 96 tables of 2^26 entries: at most 2^4 per stack.
  EXPECT_EQ(chunk_sizes(std::vector<unsigned>(96, 26), 30), std::vector<std::size_t>(6, 16));
  EXPECT_EQ(chunk_sizes(std::vector<unsigned>(3, 30), 30), (std::vector<std::size_t>{1, 1, 1}));
  // Rate 1/8 allows 2^29 stacked entries.
  EXPECT_EQ(max_group_vars(crypto::basefold_default_params()), 30u);
  crypto::BasefoldParams slow = crypto::basefold_default_params();
  slow.log_blowup = 3;
  EXPECT_EQ(max_group_vars(slow), 29u);
  EXPECT_EQ(chunk_sizes(std::vector<unsigned>(4, 28), max_group_vars(slow)), (std::vector<std::size_t>{2, 2}));
  EXPECT_THROW((void)plan_groups(std::vector<unsigned>{30}, kMaxGroupPolys, 29), std::invalid_argument);
}

TEST(ModelCommitment, RootKnownAnswerOfTheHashLayout) {
  // Pins the byte layout of docs/PROTOCOL.md section 9.5: an
  // independent re-implementation of the leaf, node, files and root hashes.
  TensorRecord t;
  t.name = "w";
  t.dtype = DType::kBF16;
  t.shape = {2, 3};
  t.log_rows = 1;
  t.log_cols = 2;
  t.scale = -3;
  t.max_abs = 7;
  t.inexact = 1;
  t.data_sha256.fill(0xAB);
  crypto::BasefoldCommitment g;
  g.num_vars = 3;
  g.num_polys = 1;
  g.cap.nodes.resize(1);
  g.cap.nodes[0].fill(0xCD);
  std::vector<std::uint8_t> m = {0x20};
  const auto le64 = [&m](std::uint64_t x) {
    for (int i = 0; i < 8; ++i) m.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  };
  const auto text = [&](std::string_view s) {
    le64(s.size());
    m.insert(m.end(), s.begin(), s.end());
  };
  text("w");
  text("BF16");
  le64(2);
  le64(2);
  le64(3);
  le64(1);
  le64(2);
  le64(static_cast<std::uint64_t>(-3));
  le64(0);
  le64(7);
  le64(1);
  m.insert(m.end(), 32, 0xAB);
  le64(0);
  le64(0);
  le64(3);
  le64(1);
  le64(1);
  m.insert(m.end(), 32, 0xCD);
  EXPECT_EQ(tensor_leaf_hash(t, g), sha256(std::span<const std::uint8_t>(m)));

  // RFC 6962 shape for three leaves: node(node(a, b), c).
  Sha256Digest a{}, b{}, c{};
  a.fill(1);
  b.fill(2);
  c.fill(3);
  const Sha256Digest leaves[] = {a, b, c};
  EXPECT_EQ(tensor_tree_root(leaves), tensor_node_hash(tensor_node_hash(a, b), c));
  std::vector<std::uint8_t> node = {0x21};
  node.insert(node.end(), a.begin(), a.end());
  node.insert(node.end(), b.begin(), b.end());
  EXPECT_EQ(tensor_node_hash(a, b), sha256(std::span<const std::uint8_t>(node)));
  EXPECT_EQ(tensor_tree_root(std::span<const Sha256Digest>(leaves, 1)), a);
}

}  // namespace
}  // namespace fti::commitment

namespace fti::commitment {
namespace {

// A fixed three-tensor model (BF16 matrix, F32 vector, I64 ids).
std::vector<TensorData> pinned_model() {
  std::vector<TensorData> tensors;
  std::vector<std::uint8_t> a;
  for (int i = 0; i < 15; ++i) {
    const std::uint16_t b = double_to_bf16(0.1 * (i - 7));
    a.push_back(static_cast<std::uint8_t>(b));
    a.push_back(static_cast<std::uint8_t>(b >> 8));
  }
  tensors.push_back({{"a.weight", DType::kBF16, {3, 5}}, a});
  std::vector<std::uint8_t> b(16);
  const float bias[] = {1.5f, -0.25f, 3.0e-5f, 0.0f};
  std::memcpy(b.data(), bias, 16);
  tensors.push_back({{"b.bias", DType::kF32, {4}}, b});
  std::vector<std::uint8_t> c(16);
  const std::int64_t ids[] = {7, -3};
  std::memcpy(c.data(), ids, 16);
  tensors.push_back({{"c.ids", DType::kI64, {2}}, c});
  return tensors;
}

TEST(ModelCommitment, PinnedRootOfAFixedModel) {
  // The whole pipeline (encoding, layout, grouping, Basefold with the default
  // parameters, hashes) on fixed bytes. If this changes, commitments made by
  // earlier builds no longer verify: that is a new protocol version
  // (kCommitmentProtocolId, the file magic), not a test to update.
  TempDir dir;
  write_safetensors(dir / "model.safetensors", pinned_model());
  const ModelCommitment c = commit_model(Checkpoint::open_local(dir.path()));
  const TensorRecord* a = c.find("a.weight");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->scale, 22);  // max 0.7: E = -1
  EXPECT_EQ(c.find("b.bias")->scale, 21);
  EXPECT_EQ(c.find("c.ids")->scale, 0);
  EXPECT_EQ(to_hex(c.root), "6d0c593983f1423113086d433e997c98b795be75d8c32c9d9d4f42ed0831dcde");
}

}  // namespace
}  // namespace fti::commitment
