// fti policy suggest: the suggested policy parses, admits the candidate it
// was made from, covers only the tensors that changed, finds low-rank
// updates, and blocks a candidate that drifts further.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/gate/gate.h"
#include "engine/gate/policy_suggestion.h"
#include "policy/policy_parser.h"
#include "registry/safetensors_writer.h"
#include "tests/gate/gate_helpers.h"
#include "tests/support/temp_dir.h"

namespace fti::gate {
namespace {

std::vector<float> random_values(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = uniform(rng);
  return v;
}

// Six layers of a 32x32 projection and a bias; layers 0, 1, 2 and 5 get a
// rank-2 update of the projection, layer 3's bias a sparse edit.
struct Models {
  std::vector<TensorData> base, candidate;
};

Models make_models(float scale) {
  std::mt19937_64 rng(11);
  Models m;
  for (int layer = 0; layer < 6; ++layer) {
    const std::string p = "blocks." + std::to_string(layer) + ".";
    std::vector<float> w = random_values(32 * 32, rng), b = random_values(32, rng);
    m.base.push_back(f32(p + "proj.weight", {32, 32}, w));
    m.base.push_back(f32(p + "proj.bias", {32}, b));
    if (layer == 0 || layer == 1 || layer == 2 || layer == 5) {
      const std::vector<float> u = random_values(64, rng), v = random_values(64, rng);
      for (std::size_t i = 0; i < 32; ++i) {
        for (std::size_t j = 0; j < 32; ++j) w[i * 32 + j] += scale * (u[i] * v[j] + u[32 + i] * v[32 + j]);
      }
    }
    if (layer == 3) {
      b[4] += scale;
      b[9] -= scale;
    }
    m.candidate.push_back(f32(p + "proj.weight", {32, 32}, w));
    m.candidate.push_back(f32(p + "proj.bias", {32}, b));
  }
  return m;
}

class Suggest : public ::testing::Test {
 protected:
  analysis::DriftAnalysis analyse(const Models& m, const analysis::DriftOptions& options = {}) {
    write_safetensors(dir_ / "base.safetensors", m.base);
    write_safetensors(dir_ / "cand.safetensors", m.candidate);
    base_.emplace(Checkpoint::open_local(dir_ / "base.safetensors"));
    cand_.emplace(Checkpoint::open_local(dir_ / "cand.safetensors"));
    return analysis::analyze_drift(*base_, *cand_, options);
  }
  reports::Report gate(const std::string& yaml, const Models& m) {
    analyse(m);
    return run_gate(policy::parse_policy(yaml, "suggested"), *base_, *cand_);
  }
  testing::TempDir dir_;
  std::optional<Checkpoint> base_, cand_;
};

TEST_F(Suggest, AdmitsItsCandidateAndCoversOnlyWhatChanged) {
  const Models m = make_models(0.05f);
  SuggestOptions options;
  const Suggestion s = suggest_policy(analyse(m, suggestion_drift_options(options)), options, {"test"});
  ASSERT_TRUE(s.problems.empty());
  EXPECT_NE(s.yaml.find("match: 'blocks.{{0..2},5}.proj.weight'"), std::string::npos) << s.yaml;
  EXPECT_NE(s.yaml.find("match: 'blocks.3.proj.bias'"), std::string::npos) << s.yaml;
  EXPECT_NE(s.yaml.find("max: 2\n"), std::string::npos) << "the rank-2 update is found\n" << s.yaml;
  EXPECT_NE(s.yaml.find("max_fraction: 0.0688"), std::string::npos) << "2 of 32 entries * 1.1\n" << s.yaml;
  EXPECT_NE(s.yaml.find("frozen: true"), std::string::npos) << s.yaml;
  const reports::Report r = gate(s.yaml, m);
  EXPECT_EQ(r.verdict, reports::Verdict::kPass);
  for (const auto& t : r.tensors) {
    if (t.name == "blocks.4.proj.weight") {
      EXPECT_EQ(t.rule, "frozen");
    }
  }
}

TEST_F(Suggest, BlocksACandidateThatDriftsBeyondTheMargin) {
  SuggestOptions options;
  options.margin = 0.10;
  const Suggestion s = suggest_policy(analyse(make_models(0.05f), suggestion_drift_options(options)), options, {});
  EXPECT_EQ(gate(s.yaml, make_models(0.05f)).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate(s.yaml, make_models(0.054f)).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate(s.yaml, make_models(0.06f)).verdict, reports::Verdict::kViolation);
}

TEST_F(Suggest, StructuralChangesAreProblemsNotRules) {
  Models m = make_models(0.05f);
  m.candidate.pop_back();
  const Suggestion s = suggest_policy(analyse(m), SuggestOptions{}, {});
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_NE(s.problems[0].find("blocks.5.proj.bias: removed"), std::string::npos);
}

TEST_F(Suggest, NothingChangedIsAllFrozen) {
  Models m = make_models(0.05f);
  m.candidate = m.base;
  const Suggestion s = suggest_policy(analyse(m), SuggestOptions{}, {});
  EXPECT_NE(s.yaml.find("rules:\n  - name: frozen\n    match: '**'"), std::string::npos) << s.yaml;
  EXPECT_EQ(s.yaml.find("budgets"), std::string::npos) << s.yaml;
  EXPECT_EQ(gate(s.yaml, m).verdict, reports::Verdict::kPass);
}

TEST(RoundUpDecimal, ThreeSignificantDigitsNeverBelow) {
  EXPECT_EQ(round_up_decimal(0.0123456), "0.0124");
  EXPECT_EQ(round_up_decimal(0.05), "0.05");
  EXPECT_EQ(round_up_decimal(0.3), "0.3");
  EXPECT_EQ(round_up_decimal(9.999), "10");
  EXPECT_EQ(round_up_decimal(123456), "124000");
  EXPECT_EQ(round_up_decimal(0), "0");
  for (const double v : {1e-300, 3.3333333e-7, 0.1 + 0.2, 0.07, 7.0, 1e20}) {
    EXPECT_GE(std::strtod(round_up_decimal(v).c_str(), nullptr), v) << v;
  }
}

}  // namespace
}  // namespace fti::gate
