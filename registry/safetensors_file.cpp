#include "registry/safetensors_file.h"

#include "engine/common/error.h"

namespace fti {

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path, std::string display_name,
                                 const SafetensorsLimits& limits)
    : file_(path), display_name_(display_name.empty() ? path.string() : std::move(display_name)) {
  const std::span<const std::uint8_t> bytes = file_.bytes();
  const std::uint64_t n = parse_safetensors_length(bytes, bytes.size(), display_name_, limits);
  header_ = parse_safetensors_header(bytes.subspan(8, static_cast<std::size_t>(n)), bytes.size(),
                                     display_name_, limits);
  // The header is parsed; its pages are not needed again.
  file_.release(0, static_cast<std::size_t>(8 + n));
}

std::span<const std::uint8_t> SafetensorsFile::data(const TensorEntry& tensor) const {
  const std::uint64_t offset = header_.data_offset() + tensor.begin;
  // Validation guarantees this; the check keeps a foreign TensorEntry from
  // reading outside the mapping.
  if (tensor.end > header_.data_size || tensor.begin > tensor.end) {
    throw Error(ErrorCode::kInternal, display_name_ + ": tensor " + quote_untrusted(tensor.name) +
                                          " is not part of this file");
  }
  return file_.bytes().subspan(static_cast<std::size_t>(offset),
                               static_cast<std::size_t>(tensor.byte_size()));
}

void SafetensorsFile::prefetch(const TensorEntry& tensor) const noexcept {
  file_.advise_sequential(static_cast<std::size_t>(header_.data_offset() + tensor.begin),
                          static_cast<std::size_t>(tensor.byte_size()));
}

void SafetensorsFile::release(const TensorEntry& tensor) const noexcept {
  file_.release(static_cast<std::size_t>(header_.data_offset() + tensor.begin),
                static_cast<std::size_t>(tensor.byte_size()));
}

}  // namespace fti
