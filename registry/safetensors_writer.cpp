#include "registry/safetensors_writer.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "engine/common/error.h"

namespace fti {
namespace {

// Compact JSON string, escaped the way serde_json does it (nlohmann's dump
// with ensure_ascii=false matches: control characters as \uXXXX or the short
// escapes, UTF-8 passed through).
std::string json_string(const std::string& text) { return nlohmann::json(text).dump(); }

void sort_into_layout(std::vector<TensorSpec>& specs) {
  std::stable_sort(specs.begin(), specs.end(), [](const TensorSpec& a, const TensorSpec& b) {
    if (a.dtype != b.dtype) {
      // The reference orders dtypes by declaration, which follows alignment.
      return static_cast<int>(a.dtype) > static_cast<int>(b.dtype);
    }
    return a.name < b.name;
  });
}

}  // namespace

std::uint64_t TensorSpec::byte_size() const {
  std::uint64_t count = 1;
  for (const std::uint64_t dim : shape) {
    if (dim != 0 && count > UINT64_MAX / dim) {
      throw Error(ErrorCode::kInput, "tensor " + quote_untrusted(name) + ": size overflows");
    }
    count *= dim;
  }
  const std::uint64_t size = dtype_size(dtype);
  if (count > UINT64_MAX / size) {
    throw Error(ErrorCode::kInput, "tensor " + quote_untrusted(name) + ": size overflows");
  }
  return count * size;
}

std::vector<std::uint8_t> build_safetensors_header(std::vector<TensorSpec>& specs,
                                                   const SafetensorsMetadata& metadata) {
  sort_into_layout(specs);
  for (std::size_t i = 1; i < specs.size(); ++i) {
    if (specs[i].name == specs[i - 1].name) {
      throw Error(ErrorCode::kInput, "duplicate tensor name " + quote_untrusted(specs[i].name));
    }
  }
  std::string json = "{";
  bool first = true;
  if (!metadata.empty()) {
    json += "\"__metadata__\":{";
    bool first_meta = true;
    for (const auto& [key, value] : metadata) {
      if (!first_meta) json += ",";
      first_meta = false;
      json += json_string(key) + ":" + json_string(value);
    }
    json += "}";
    first = false;
  }
  std::uint64_t offset = 0;
  for (const TensorSpec& spec : specs) {
    if (spec.name.empty() || spec.name == "__metadata__") {
      throw Error(ErrorCode::kInput, "invalid tensor name " + quote_untrusted(spec.name));
    }
    const std::uint64_t size = spec.byte_size();
    if (!first) json += ",";
    first = false;
    json += json_string(spec.name) + ":{\"dtype\":\"" + std::string(dtype_name(spec.dtype)) +
            "\",\"shape\":[";
    for (std::size_t d = 0; d < spec.shape.size(); ++d) {
      if (d != 0) json += ",";
      json += std::to_string(spec.shape[d]);
    }
    json += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + size) +
            "]}";
    offset += size;
  }
  json += "}";
  json.append((8 - json.size() % 8) % 8, ' ');

  std::vector<std::uint8_t> out(8 + json.size());
  std::uint64_t n = json.size();
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(n >> (8 * i));
  std::copy(json.begin(), json.end(), out.begin() + 8);
  return out;
}

SafetensorsWriter::SafetensorsWriter(const std::filesystem::path& destination,
                                     std::vector<TensorSpec> specs,
                                     const SafetensorsMetadata& metadata)
    : file_(destination), specs_(std::move(specs)) {
  const std::vector<std::uint8_t> header = build_safetensors_header(specs_, metadata);
  file_.write(header.data(), header.size());
}

void SafetensorsWriter::write_next(std::span<const std::uint8_t> bytes) {
  if (next_ >= specs_.size()) {
    throw Error(ErrorCode::kInternal, "safetensors writer: more tensors than declared");
  }
  if (written_in_current_ != 0 || bytes.size() != specs_[next_].byte_size()) {
    throw Error(ErrorCode::kInternal, "safetensors writer: tensor " +
                                          quote_untrusted(specs_[next_].name) + " expects " +
                                          std::to_string(specs_[next_].byte_size()) + " bytes");
  }
  write_partial(bytes);
}

void SafetensorsWriter::write_partial(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty() || (next_ < specs_.size() && specs_[next_].byte_size() == 0)) {
    if (next_ >= specs_.size()) {
      throw Error(ErrorCode::kInternal, "safetensors writer: more data than declared");
    }
    const std::uint64_t remaining = specs_[next_].byte_size() - written_in_current_;
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, bytes.size()));
    file_.write(bytes.data(), take);
    bytes = bytes.subspan(take);
    written_in_current_ += take;
    if (written_in_current_ == specs_[next_].byte_size()) {
      ++next_;
      written_in_current_ = 0;
      if (bytes.empty()) break;
    }
  }
}

void SafetensorsWriter::commit() {
  // Zero-sized tensors at the end need no bytes.
  while (next_ < specs_.size() && specs_[next_].byte_size() == 0) ++next_;
  if (next_ != specs_.size() || written_in_current_ != 0) {
    throw Error(ErrorCode::kInternal, "safetensors writer: " +
                                          std::to_string(specs_.size() - next_) +
                                          " declared tensors were not written");
  }
  file_.commit();
}

namespace {
std::vector<TensorSpec> layout_of(std::vector<TensorData>& tensors,
                                  const SafetensorsMetadata& metadata,
                                  std::vector<std::uint8_t>& header) {
  std::vector<TensorSpec> specs;
  specs.reserve(tensors.size());
  for (const TensorData& t : tensors) {
    if (t.bytes.size() != t.spec.byte_size()) {
      throw Error(ErrorCode::kInput, "tensor " + quote_untrusted(t.spec.name) + ": " +
                                         std::to_string(t.bytes.size()) + " bytes given, shape needs " +
                                         std::to_string(t.spec.byte_size()));
    }
    specs.push_back(t.spec);
  }
  header = build_safetensors_header(specs, metadata);
  // Reorder the data the same way (names are unique, so match by name).
  std::unordered_map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < specs.size(); ++i) position.emplace(specs[i].name, i);
  std::sort(tensors.begin(), tensors.end(), [&](const TensorData& a, const TensorData& b) {
    return position.at(a.spec.name) < position.at(b.spec.name);
  });
  return specs;
}
}  // namespace

std::vector<std::uint8_t> serialize_safetensors(std::vector<TensorData> tensors,
                                                const SafetensorsMetadata& metadata) {
  std::vector<std::uint8_t> out;
  layout_of(tensors, metadata, out);
  for (const TensorData& t : tensors) out.insert(out.end(), t.bytes.begin(), t.bytes.end());
  return out;
}

void write_safetensors(const std::filesystem::path& destination, std::vector<TensorData> tensors,
                       const SafetensorsMetadata& metadata) {
  std::vector<std::uint8_t> header;
  std::vector<TensorSpec> specs = layout_of(tensors, metadata, header);
  SafetensorsWriter writer(destination, std::move(specs), metadata);
  for (const TensorData& t : tensors) writer.write_next(t.bytes);
  writer.commit();
}

}  // namespace fti
