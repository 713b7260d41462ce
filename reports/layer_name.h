// Where a tensor sits in a layered model, read from its name: the stack of
// layers, the layer's index, and the module within the layer. The first
// all-digit segment is the index:
//   model.layers.12.self_attn.q_proj.weight -> stack "model.layers", 12, "self_attn.q_proj.weight"
//   transformer.h.3.attn.c_attn.weight      -> "transformer.h", 3, "attn.c_attn.weight"
//   layer1.0.conv1.weight (ResNet)          -> "layer1", 0, "conv1.weight"
// Names without one (embeddings, final norm, head) are not in a layer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fti::reports {

struct LayerName {
  bool in_layer = false;
  std::string stack;        // the segments before the index; "" for "0.weight"
  std::uint64_t index = 0;
  std::string module;       // the segments after the index; the whole name when not in a layer
};

LayerName parse_layer_name(std::string_view name);

// Orders text with embedded numbers by their value: "layer2" < "layer10".
bool natural_less(std::string_view a, std::string_view b);

}  // namespace fti::reports
