#include "registry/safetensors_header.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>

#include "engine/common/error.h"
#include "engine/common/text.h"

namespace fti {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kMetadataKey = "__metadata__";

// Dtype names of the format that fti recognises but cannot read.
bool is_unsupported_dtype_name(std::string_view name) {
  return name == "F4" || name == "F6_E2M3" || name == "F6_E3M2" || name == "C64" ||
         name == "F8_E4M3FNUZ" || name == "F8_E5M2FNUZ";
}

// SAX handler: validates while parsing, so a hostile header never becomes a
// large DOM and every error can name the tensor it is about.
class HeaderSax {
 public:
  HeaderSax(std::string_view what, const SafetensorsLimits& limits)
      : what_(what), limits_(limits) {}

  std::vector<TensorEntry> tensors;
  std::vector<std::pair<std::string, std::string>> metadata;

  bool null() { return scalar("null"); }
  bool boolean(bool) { return scalar("a boolean"); }
  bool number_integer(Json::number_integer_t) { return scalar("a negative number"); }
  bool number_float(Json::number_float_t, const std::string&) {
    return scalar("a non-integer or out-of-range number");
  }
  bool binary(Json::binary_t&) { return scalar("binary data"); }

  bool number_unsigned(Json::number_unsigned_t value) {
    if (state_ == State::kShape) {
      if (current_.shape.size() >= limits_.max_rank) {
        fail_limit("tensor " + quote_untrusted(current_.name) + ": rank exceeds the limit of " +
                   std::to_string(limits_.max_rank));
      }
      current_.shape.push_back(value);
      return true;
    }
    if (state_ == State::kOffsets) {
      if (offsets_.size() >= 2) fail_tensor("data_offsets must have exactly 2 entries");
      offsets_.push_back(value);
      return true;
    }
    return scalar("a number");
  }

  bool string(std::string& value) {
    if (state_ == State::kMetadata) {
      metadata.emplace_back(pending_key_, value);
      return true;
    }
    if (state_ == State::kTensor && pending_key_ == "dtype") {
      const auto dtype = parse_dtype(value);
      if (!dtype) {
        if (is_unsupported_dtype_name(value)) {
          fail_tensor("dtype " + quote_untrusted(value) + " is not supported by fti");
        }
        fail_tensor("unknown dtype " + quote_untrusted(value));
      }
      current_.dtype = *dtype;
      return true;
    }
    return scalar("a string");
  }

  bool start_object(std::size_t) {
    switch (state_) {
      case State::kStart:
        state_ = State::kTop;
        return true;
      case State::kTop:
        if (pending_key_ == kMetadataKey) {
          if (seen_metadata_) fail("duplicate key \"__metadata__\"");
          seen_metadata_ = true;
          state_ = State::kMetadata;
        } else {
          begin_tensor();
        }
        return true;
      default:
        return scalar("an object");
    }
  }

  bool key(std::string& key) {
    switch (state_) {
      case State::kTop:
        pending_key_ = key;
        return true;
      case State::kMetadata:
        if (!metadata_keys_.insert(key).second) {
          fail("__metadata__: duplicate key " + quote_untrusted(key));
        }
        if (metadata.size() >= limits_.max_tensors) fail_limit("__metadata__ has too many keys");
        pending_key_ = key;
        return true;
      case State::kTensor:
        if (key == "dtype") {
          mark_field(kDtypeField, key);
        } else if (key == "shape") {
          mark_field(kShapeField, key);
        } else if (key == "data_offsets") {
          mark_field(kOffsetsField, key);
        } else {
          fail_tensor("unknown field " + quote_untrusted(key));
        }
        pending_key_ = key;
        return true;
      default:
        fail("unexpected key " + quote_untrusted(key));
    }
  }

  bool end_object() {
    switch (state_) {
      case State::kTop:
        state_ = State::kDone;
        return true;
      case State::kMetadata:
        state_ = State::kTop;
        return true;
      case State::kTensor:
        end_tensor();
        state_ = State::kTop;
        return true;
      default:
        fail("unexpected end of object");
    }
  }

  bool start_array(std::size_t) {
    if (state_ == State::kTensor && pending_key_ == "shape") {
      state_ = State::kShape;
      return true;
    }
    if (state_ == State::kTensor && pending_key_ == "data_offsets") {
      state_ = State::kOffsets;
      return true;
    }
    if (state_ == State::kStart) fail("the header is not a JSON object");
    return scalar("an array");
  }

  bool end_array() {
    if (state_ == State::kShape || state_ == State::kOffsets) {
      state_ = State::kTensor;
      return true;
    }
    fail("unexpected end of array");
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    std::string detail = e.what();
    if (const auto pos = detail.find("] "); pos != std::string::npos) detail.erase(0, pos + 2);
    // position counts from 1 in nlohmann; report the byte offset in the header.
    fail("invalid JSON at header byte " + std::to_string(position > 0 ? position - 1 : 0) + ": " +
         escape_untrusted(detail));
  }

  bool finished() const { return state_ == State::kDone; }

 private:
  enum class State { kStart, kTop, kMetadata, kTensor, kShape, kOffsets, kDone };
  static constexpr unsigned kDtypeField = 1, kShapeField = 2, kOffsetsField = 4;

  [[noreturn]] void fail(const std::string& message) const {
    throw Error(ErrorCode::kInput, std::string(what_) + ": safetensors header: " + message);
  }
  [[noreturn]] void fail_limit(const std::string& message) const {
    throw Error(ErrorCode::kLimit, std::string(what_) + ": safetensors header: " + message);
  }
  [[noreturn]] void fail_tensor(const std::string& message) const {
    fail("tensor " + quote_untrusted(current_.name) + ": " + message);
  }

  bool scalar(const char* kind) {
    switch (state_) {
      case State::kStart:
        fail("the header is not a JSON object");
      case State::kTop:
        if (pending_key_ == kMetadataKey) fail(std::string("__metadata__ is ") + kind + ", not an object");
        fail("tensor " + quote_untrusted(pending_key_) + " is " + kind + ", not an object");
      case State::kMetadata:
        fail("__metadata__ value for " + quote_untrusted(pending_key_) + " is " + kind +
             ", not a string");
      case State::kTensor:
        fail_tensor("field " + pending_key_ + " is " + kind);
      case State::kShape:
        fail_tensor(std::string("shape entries must be non-negative integers, found ") + kind);
      case State::kOffsets:
        fail_tensor(std::string("data_offsets must be non-negative integers, found ") + kind);
      case State::kDone:
        fail("trailing data after the header object");
    }
    fail("unexpected value");
  }

  void mark_field(unsigned bit, const std::string& key) {
    if ((fields_ & bit) != 0) fail_tensor("duplicate field " + quote_untrusted(key));
    fields_ |= bit;
  }

  void begin_tensor() {
    const std::string& name = pending_key_;
    if (name.empty()) fail("a tensor has an empty name");
    if (has_control_chars(name)) {
      fail("tensor name " + quote_untrusted(name) + " contains control characters");
    }
    if (!names_.insert(name).second) fail("duplicate tensor name " + quote_untrusted(name));
    if (tensors.size() >= limits_.max_tensors) {
      fail_limit("more than " + std::to_string(limits_.max_tensors) + " tensors");
    }
    current_ = TensorEntry{};
    current_.name = name;
    fields_ = 0;
    offsets_.clear();
    state_ = State::kTensor;
  }

  void end_tensor() {
    if ((fields_ & kDtypeField) == 0) fail_tensor("missing field dtype");
    if ((fields_ & kShapeField) == 0) fail_tensor("missing field shape");
    if ((fields_ & kOffsetsField) == 0) fail_tensor("missing field data_offsets");
    if (offsets_.size() != 2) fail_tensor("data_offsets must have exactly 2 entries");
    current_.begin = offsets_[0];
    current_.end = offsets_[1];
    if (current_.end < current_.begin) {
      fail_tensor("data_offsets end " + std::to_string(current_.end) + " is before begin " +
                  std::to_string(current_.begin));
    }
    std::uint64_t count = 1;
    for (const std::uint64_t dim : current_.shape) {
      if (dim != 0 && count > UINT64_MAX / dim) fail_tensor("element count overflows 64 bits");
      count *= dim;
    }
    const std::uint64_t size = dtype_size(current_.dtype);
    if (count > UINT64_MAX / size) fail_tensor("byte size overflows 64 bits");
    current_.element_count = count;
    if (count * size != current_.byte_size()) {
      fail_tensor("shape and dtype give " + std::to_string(count * size) +
                  " bytes but data_offsets span " + std::to_string(current_.byte_size()));
    }
    tensors.push_back(std::move(current_));
  }

  std::string_view what_;
  const SafetensorsLimits& limits_;
  State state_ = State::kStart;
  std::string pending_key_;
  TensorEntry current_;
  unsigned fields_ = 0;
  std::vector<std::uint64_t> offsets_;
  std::unordered_set<std::string> names_;
  std::unordered_set<std::string> metadata_keys_;
  bool seen_metadata_ = false;
};

}  // namespace

std::uint64_t parse_safetensors_length(std::span<const std::uint8_t> prefix,
                                       std::uint64_t file_size, std::string_view what,
                                       const SafetensorsLimits& limits) {
  if (prefix.size() < 8 || file_size < 8) {
    throw Error(ErrorCode::kInput, std::string(what) + ": file is " + std::to_string(file_size) +
                                       " bytes, too short for the 8-byte safetensors header length");
  }
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | prefix[static_cast<std::size_t>(i)];
  if (n > limits.max_header_bytes) {
    throw Error(ErrorCode::kLimit,
                std::string(what) + ": safetensors header length " + std::to_string(n) +
                    " exceeds the limit of " + std::to_string(limits.max_header_bytes) +
                    " bytes (not a safetensors file, or raise the limit with --max-header-bytes)");
  }
  if (n > file_size - 8) {
    throw Error(ErrorCode::kInput, std::string(what) + ": safetensors header length " +
                                       std::to_string(n) + " runs past the end of the file (" +
                                       std::to_string(file_size) + " bytes)");
  }
  if (n < 2) {
    throw Error(ErrorCode::kInput, std::string(what) + ": safetensors header length " +
                                       std::to_string(n) + " is too short for a JSON object");
  }
  return n;
}

SafetensorsHeader parse_safetensors_header(std::span<const std::uint8_t> header_json,
                                           std::uint64_t file_size, std::string_view what,
                                           const SafetensorsLimits& limits) {
  const std::uint64_t n = header_json.size();
  if (n + 8 > file_size) {
    throw Error(ErrorCode::kInput, std::string(what) + ": header runs past the end of the file");
  }
  if (n == 0 || header_json[0] != '{') {
    throw Error(ErrorCode::kInput,
                std::string(what) + ": safetensors header does not start with '{' (not a safetensors file?)");
  }
  // nlohmann's lexer takes a NUL byte for the end of input and would ignore
  // whatever follows it; valid JSON never contains a raw NUL.
  if (const auto nul = std::find(header_json.begin(), header_json.end(), std::uint8_t{0});
      nul != header_json.end()) {
    throw Error(ErrorCode::kInput, std::string(what) + ": safetensors header has a NUL byte at header byte " +
                                       std::to_string(nul - header_json.begin()));
  }
  HeaderSax sax(what, limits);
  // strict=true: after the object only whitespace may follow.
  const bool ok = Json::sax_parse(header_json.begin(), header_json.end(), &sax,
                                  Json::input_format_t::json, /*strict=*/true,
                                  /*ignore_comments=*/false);
  if (!ok || !sax.finished()) {
    throw Error(ErrorCode::kInput, std::string(what) + ": safetensors header: incomplete JSON");
  }

  SafetensorsHeader header;
  header.header_length = n;
  header.data_size = file_size - 8 - n;
  header.metadata = std::move(sax.metadata);
  std::sort(header.metadata.begin(), header.metadata.end());
  header.tensors = std::move(sax.tensors);
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorEntry& a, const TensorEntry& b) {
              return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
            });

  std::uint64_t position = 0;
  for (const TensorEntry& t : header.tensors) {
    if (t.begin < position) {
      throw Error(ErrorCode::kInput, std::string(what) + ": tensor " + quote_untrusted(t.name) +
                                         " overlaps the previous tensor (starts at " +
                                         std::to_string(t.begin) + ", previous ends at " +
                                         std::to_string(position) + ")");
    }
    if (t.begin > position) {
      throw Error(ErrorCode::kInput, std::string(what) + ": " + std::to_string(t.begin - position) +
                                         " unaccounted bytes before tensor " +
                                         quote_untrusted(t.name) + " (data buffer has a hole at " +
                                         std::to_string(position) + ")");
    }
    position = t.end;
  }
  if (position != header.data_size) {
    if (position > header.data_size) {
      throw Error(ErrorCode::kInput, std::string(what) + ": tensors need " +
                                         std::to_string(position) + " data bytes but the file has " +
                                         std::to_string(header.data_size) + " (truncated?)");
    }
    throw Error(ErrorCode::kInput, std::string(what) + ": " +
                                       std::to_string(header.data_size - position) +
                                       " trailing bytes after the last tensor");
  }
  return header;
}

SafetensorsHeader parse_safetensors(std::span<const std::uint8_t> file_bytes,
                                    std::string_view what, const SafetensorsLimits& limits) {
  const std::uint64_t n = parse_safetensors_length(file_bytes, file_bytes.size(), what, limits);
  return parse_safetensors_header(file_bytes.subspan(8, static_cast<std::size_t>(n)),
                                  file_bytes.size(), what, limits);
}

}  // namespace fti
