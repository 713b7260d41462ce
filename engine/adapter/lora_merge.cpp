#include "engine/adapter/lora_merge.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <cstring>
#include <map>

#include "engine/common/error.h"
#include "registry/safetensors_writer.h"

namespace fti::adapter {

namespace {

std::vector<double> to_doubles(const Checkpoint& checkpoint, const CheckpointTensor& tensor) {
  std::vector<double> out(tensor.entry->element_count);
  convert_to_double(tensor.entry->dtype, checkpoint.data(tensor), out);
  checkpoint.release(tensor);
  return out;
}

}  // namespace

std::vector<double> merged_values(const LoraTarget& target, const Checkpoint& base, const Checkpoint& adapter) {
  const CheckpointTensor* w_tensor = base.find(target.base_tensor);
  if (!w_tensor) throw Error(ErrorCode::kInternal, "merge: base tensor vanished: " + target.base_tensor);
  std::vector<double> w = to_doubles(base, *w_tensor);
  const std::vector<double> a = to_doubles(adapter, *target.a);  // r x in
  const std::vector<double> b = to_doubles(adapter, *target.b);  // out x r
  const std::size_t r = static_cast<std::size_t>(target.rank);
  const std::size_t out = static_cast<std::size_t>(target.fan_in_fan_out ? target.cols : target.rows);
  const std::size_t in = static_cast<std::size_t>(target.fan_in_fan_out ? target.rows : target.cols);
  const double scale = target.scale;
  const bool transposed = target.fan_in_fan_out;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, out), [&](const tbb::blocked_range<std::size_t>& rows) {
    std::vector<double> delta(in);
    for (std::size_t o = rows.begin(); o != rows.end(); ++o) {
      std::fill(delta.begin(), delta.end(), 0.0);
      for (std::size_t k = 0; k < r; ++k) {  // k ascending for every entry
        const double bk = b[o * r + k];
        const double* a_row = &a[k * in];
        for (std::size_t i = 0; i < in; ++i) delta[i] += bk * a_row[i];
      }
      for (std::size_t i = 0; i < in; ++i) {
        double& cell = transposed ? w[i * out + o] : w[o * in + i];
        const double scaled = scale * delta[i];
        cell = cell + scaled;
      }
    }
  });
  return w;
}

std::vector<std::uint8_t> encode_values(DType dtype, std::span<const double> values) {
  std::vector<std::uint8_t> bytes(values.size() * dtype_size(dtype));
  std::uint8_t* p = bytes.data();
  for (const double v : values) {
    switch (dtype) {
      case DType::kBF16: {
        const std::uint16_t bits = double_to_bf16(v);
        std::memcpy(p, &bits, 2);
        break;
      }
      case DType::kF16: {
        const std::uint16_t bits = double_to_f16(v);
        std::memcpy(p, &bits, 2);
        break;
      }
      case DType::kF32: {
        const float f = static_cast<float>(v);  // IEEE round-to-nearest-even
        std::memcpy(p, &f, 4);
        break;
      }
      case DType::kF64:
        std::memcpy(p, &v, 8);
        break;
      default:
        throw Error(ErrorCode::kInternal, "merge: cannot encode " + std::string(dtype_name(dtype)));
    }
    p += dtype_size(dtype);
  }
  return bytes;
}

std::vector<std::uint8_t> merged_tensor_bytes(const AdapterPlan& plan, const CheckpointTensor& base_tensor,
                                              const Checkpoint& base, const Checkpoint& adapter) {
  const DType dtype = base_tensor.entry->dtype;
  if (const LoraTarget* target = plan.find_target(base_tensor.name())) {
    return encode_values(dtype, merged_values(*target, base, adapter));
  }
  if (const SavedTensor* saved = plan.find_saved(base_tensor.name())) {
    const CheckpointTensor& replacement = *saved->tensor;
    if (replacement.entry->dtype == dtype) {
      const std::span<const std::uint8_t> data = adapter.data(replacement);
      std::vector<std::uint8_t> bytes(data.begin(), data.end());
      adapter.release(replacement);
      return bytes;
    }
    return encode_values(dtype, to_doubles(adapter, replacement));
  }
  const std::span<const std::uint8_t> data = base.data(base_tensor);
  std::vector<std::uint8_t> bytes(data.begin(), data.end());
  base.release(base_tensor);
  return bytes;
}

void write_merged_checkpoint(const AdapterPlan& plan, const Checkpoint& base, const Checkpoint& adapter,
                             const std::filesystem::path& destination) {
  std::vector<TensorSpec> specs;
  for (const CheckpointTensor& t : base.tensors()) specs.push_back({t.name(), t.entry->dtype, t.entry->shape});
  SafetensorsWriter writer(destination, std::move(specs));
  for (const TensorSpec& spec : writer.layout()) {
    const CheckpointTensor* t = base.find(spec.name);
    if (!plan.find_target(spec.name) && !plan.find_saved(spec.name)) {
      writer.write_next(base.data(*t));  // copied straight from the mapping
      base.release(*t);
      continue;
    }
    writer.write_next(merged_tensor_bytes(plan, *t, base, adapter));
  }
  writer.commit();
}

}  // namespace fti::adapter
