// The heatmap's layout: layer and module from tensor names, row order, caps
// that keep violations, and the colour scale.
#include <gtest/gtest.h>

#include "reports/heatmap_grid.h"
#include "reports/heatmap_svg.h"
#include "reports/layer_name.h"
#include "tests/reports/sample_reports.h"

namespace fti::reports {
namespace {

void expect_layer(const std::string& name, const std::string& stack, std::uint64_t index, const std::string& module) {
  const LayerName parsed = parse_layer_name(name);
  EXPECT_TRUE(parsed.in_layer) << name;
  EXPECT_EQ(parsed.stack, stack) << name;
  EXPECT_EQ(parsed.index, index) << name;
  EXPECT_EQ(parsed.module, module) << name;
}

TEST(LayerName, FindsTheLayerIndexInCommonNamings) {
  expect_layer("model.layers.12.self_attn.q_proj.weight", "model.layers", 12, "self_attn.q_proj.weight");
  expect_layer("model.layers.3.mlp.down_proj.weight", "model.layers", 3, "mlp.down_proj.weight");
  expect_layer("transformer.h.3.attn.c_attn.weight", "transformer.h", 3, "attn.c_attn.weight");
  expect_layer("h.0.mlp.c_fc.bias", "h", 0, "mlp.c_fc.bias");
  expect_layer("bert.encoder.layer.5.attention.self.query.weight", "bert.encoder.layer", 5, "attention.self.query.weight");
  expect_layer("encoder.layer.5.output.dense.weight", "encoder.layer", 5, "output.dense.weight");
  expect_layer("blocks.7.attn.qkv.weight", "blocks", 7, "attn.qkv.weight");
  expect_layer("layer1.0.conv1.weight", "layer1", 0, "conv1.weight");
  expect_layer("layers.31.attention.wq.weight", "layers", 31, "attention.wq.weight");
  expect_layer("0.weight", "", 0, "weight");
}

TEST(LayerName, NamesWithoutALayerKeepTheWholeName) {
  for (const std::string name : {"model.embed_tokens.weight", "lm_head.weight", "params.0", "layer.7.", "",
                                 "x.99999999999999999999999.w", "conv1.weight"}) {
    const LayerName parsed = parse_layer_name(name);
    EXPECT_FALSE(parsed.in_layer) << name;
    EXPECT_EQ(parsed.module, name);
  }
}

TEST(LayerName, NaturalOrderReadsNumbersByValue) {
  EXPECT_TRUE(natural_less("layer2", "layer10"));
  EXPECT_FALSE(natural_less("layer10", "layer2"));
  EXPECT_TRUE(natural_less("decoder.block", "encoder.block"));
  EXPECT_TRUE(natural_less("layer", "layer1"));
  EXPECT_FALSE(natural_less("same", "same"));
}

TEST(HeatmapGrid, PlacesTensorsByLayerAndModule) {
  const Report report = testing::violating_gate_report();
  const HeatmapGrid grid = build_heatmap_grid(report);
  ASSERT_EQ(grid.rows.size(), 3u);  // layers 0, 1, 3
  EXPECT_EQ(grid.rows[0].label, "model.layers.0");
  EXPECT_EQ(grid.rows[2].label, "model.layers.3");
  bool found = false;
  for (const HeatmapCell& cell : grid.cells) {
    if (report.tensors[cell.tensor].name != "model.layers.3.mlp.down_proj.weight") continue;
    found = true;
    EXPECT_EQ(grid.rows[cell.row].index, 3u);
    EXPECT_EQ(grid.rows[cell.row].stack, "model.layers");
    EXPECT_EQ(grid.columns[cell.column], "mlp.down_proj.weight");
  }
  EXPECT_TRUE(found);
  // Modules in order of first appearance; embeddings, norm, head and the added tensor in the band.
  EXPECT_EQ(grid.columns, (std::vector<std::string>{"self_attn.q_proj.weight", "self_attn.k_proj.weight", "mlp.down_proj.weight",
                                                    "mlp.up_proj.weight", "self_attn.rotary_emb.inv_freq"}));
  EXPECT_EQ(grid.non_layer.size(), 4u);
  EXPECT_EQ(grid.cells.size() + grid.non_layer.size(), report.tensors.size());
  EXPECT_EQ(grid.tensors_left_out, 0u);
}

TEST(HeatmapGrid, RowsFollowStackThenIndexNaturally) {
  Report report;
  for (const char* name : {"layer10.0.conv1.weight", "layer2.0.conv1.weight", "layer1.1.conv1.weight", "layer1.0.conv2.weight",
                           "layer1.0.conv1.weight", "fc.weight"}) {
    report.tensors.push_back(testing::compared_tensor(name, 0, 0, 1));
  }
  const HeatmapGrid grid = build_heatmap_grid(report);
  std::vector<std::string> labels;
  for (const HeatmapRow& row : grid.rows) labels.push_back(row.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"layer1.0", "layer1.1", "layer2.0", "layer10.0"}));
  EXPECT_EQ(grid.columns, (std::vector<std::string>{"conv1.weight", "conv2.weight"}));
}

TEST(HeatmapGrid, CapsKeepRowsAndColumnsWithViolationsAndCountTheRest) {
  const Report report = testing::large_gate_report(400, 25);  // 10k tensors; the last one violates
  HeatmapLimits limits;
  limits.max_rows = 256;
  limits.max_columns = 10;
  const HeatmapGrid grid = build_heatmap_grid(report, limits);
  EXPECT_EQ(grid.rows.size(), 256u);
  EXPECT_EQ(grid.rows_left_out, 144u);
  EXPECT_EQ(grid.columns.size(), 10u);
  EXPECT_EQ(grid.columns_left_out, 15u);
  EXPECT_EQ(grid.rows.back().index, 399u);  // the violating layer is drawn, still in order
  EXPECT_EQ(grid.columns.back(), "block.module_24.weight");
  EXPECT_EQ(grid.cells.size(), 2560u);
  EXPECT_EQ(grid.tensors_left_out, 10000u - 2560u);
  for (std::size_t r = 1; r < grid.rows.size(); ++r) EXPECT_LT(grid.rows[r - 1].index, grid.rows[r].index);
}

TEST(DriftScale, WholeDecadesAroundTheChangedTensors) {
  const Report report = testing::violating_gate_report();  // relative drifts 0.25 and 0.001 (and NaN)
  const DriftScale scale = drift_scale(report);
  EXPECT_EQ(scale.low_decade, -3);
  EXPECT_EQ(scale.high_decade, 0);
  EXPECT_EQ(drift_scale(testing::passing_gate_report()).low_decade, -3);  // 0.01 alone: one decade
  EXPECT_EQ(drift_scale(testing::passing_gate_report()).high_decade, -2);
  EXPECT_EQ(drift_scale(Report{}).high_decade, 0);
}

TEST(DriftScale, ColoursByLogDriftWithFixedColoursForTheRest) {
  const DriftScale scale{-3, 0};
  EXPECT_EQ(drift_color(testing::compared_tensor("a", 1, 0.001, 1), scale), "#440154");  // bottom
  EXPECT_EQ(drift_color(testing::compared_tensor("a", 1, 1, 1), scale), "#fde725");      // top
  EXPECT_EQ(drift_color(testing::compared_tensor("a", 1, 5, 0), scale), "#fde725");      // inf: from a zero base
  EXPECT_EQ(drift_color(testing::compared_tensor("a", 1, 1e-9, 1), scale), "#440154");   // clamped
  EXPECT_EQ(drift_color(testing::compared_tensor("a", 1, 0.0316, 1), scale),
            drift_color(testing::compared_tensor("a", 1, 0.0316, 1), DriftScale{-3, 0}));
  EXPECT_NE(drift_color(testing::compared_tensor("a", 1, 0.01, 1), scale),
            drift_color(testing::compared_tensor("a", 1, 0.1, 1), scale));
  EXPECT_EQ(drift_color(testing::compared_tensor("a", 0, 0, 1), scale), "#d4d4d4");  // unchanged
  EXPECT_EQ(drift_color(testing::compared_tensor("a", 1, std::numeric_limits<double>::quiet_NaN(), 1), scale), "#e7298a");
  TensorReport added;
  added.status = "added";
  EXPECT_EQ(drift_color(added, scale), "#4d4d4d");
}

}  // namespace
}  // namespace fti::reports
