// Parser and writer of the safetensors format: known answers from the
// reference implementation, round trips, and a corpus of malformed files that
// must each be rejected with a one-line message naming the file.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include "engine/common/error.h"
#include "registry/safetensors_file.h"
#include "registry/safetensors_header.h"
#include "registry/safetensors_writer.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

std::vector<std::uint8_t> f32_bytes(std::initializer_list<float> values) {
  std::vector<std::uint8_t> out(values.size() * 4);
  std::size_t i = 0;
  for (const float v : values) std::memcpy(out.data() + 4 * i++, &v, 4);
  return out;
}

// A file image from a header string and a data buffer.
std::vector<std::uint8_t> image(const std::string& header, std::size_t data_bytes = 0,
                                std::uint64_t declared_length = UINT64_MAX) {
  const std::uint64_t n = declared_length == UINT64_MAX ? header.size() : declared_length;
  std::vector<std::uint8_t> out(8);
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

// Expects parse_safetensors to throw `code` with `fragment` in a one-line message.
void expect_rejected(const std::vector<std::uint8_t>& bytes, const std::string& fragment,
                     ErrorCode code = ErrorCode::kInput) {
  try {
    parse_safetensors(bytes, "bad.safetensors");
    FAIL() << "accepted a malformed file; expected: " << fragment;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.code(), code) << message;
    EXPECT_NE(message.find("bad.safetensors"), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(SafetensorsWriter, MatchesReferenceBytesForOneTensor) {
  // From the reference implementation's test_serialization.
  const std::vector<std::uint8_t> expected = {
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
      58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
      101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64};
  const auto out = serialize_safetensors(
      {{{"attn.0", DType::kF32, {1, 2, 3}}, f32_bytes({0, 1, 2, 3, 4, 5})}});
  EXPECT_EQ(out, expected);
  const SafetensorsHeader header = parse_safetensors(out, "ref");
  ASSERT_EQ(header.tensors.size(), 1u);
  EXPECT_EQ(header.tensors[0].name, "attn.0");
  EXPECT_EQ(header.tensors[0].shape, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(header.tensors[0].byte_size(), 24u);
}

TEST(SafetensorsWriter, MatchesReferenceBytesWhenEmpty) {
  EXPECT_EQ(serialize_safetensors({}),
            (std::vector<std::uint8_t>{8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32}));
  const std::vector<std::uint8_t> with_metadata = {
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
      95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
      116, 34, 125, 125, 32, 32, 32, 32, 32};
  const auto out = serialize_safetensors({}, {{"framework", "pt"}});
  EXPECT_EQ(out, with_metadata);
  const SafetensorsHeader header = parse_safetensors(out, "ref");
  EXPECT_TRUE(header.tensors.empty());
  ASSERT_EQ(header.metadata.size(), 1u);
  EXPECT_EQ(header.metadata[0], (std::pair<std::string, std::string>{"framework", "pt"}));
}

TEST(SafetensorsWriter, OrdersByAlignmentThenNameAndAligns) {
  std::vector<TensorData> tensors;
  tensors.push_back({{"b.u8", DType::kU8, {3}}, {1, 2, 3}});
  tensors.push_back({{"a.f64", DType::kF64, {1}}, std::vector<std::uint8_t>(8, 7)});
  tensors.push_back({{"c.bf16", DType::kBF16, {2}}, {1, 2, 3, 4}});
  tensors.push_back({{"a.bf16", DType::kBF16, {1}}, {5, 6}});
  const auto out = serialize_safetensors(tensors);
  const SafetensorsHeader header = parse_safetensors(out, "mem");
  ASSERT_EQ(header.tensors.size(), 4u);
  EXPECT_EQ(header.tensors[0].name, "a.f64");
  EXPECT_EQ(header.tensors[1].name, "a.bf16");
  EXPECT_EQ(header.tensors[2].name, "c.bf16");
  EXPECT_EQ(header.tensors[3].name, "b.u8");
  EXPECT_EQ(header.data_offset() % 8, 0u);
  for (const TensorEntry& t : header.tensors) {
    EXPECT_EQ((header.data_offset() + t.begin) % dtype_size(t.dtype), 0u) << t.name;
  }
}

TEST(SafetensorsFile, RoundTripsEveryDtypeEmptyAndScalarTensors) {
  testing::TempDir dir;
  std::mt19937_64 rng(42);
  std::vector<TensorData> tensors;
  for (std::size_t d = 0; d < kDTypeCount; ++d) {
    const auto dtype = static_cast<DType>(d);
    TensorSpec spec{"t." + std::string(dtype_name(dtype)), dtype, {3, 5}};
    std::vector<std::uint8_t> bytes(spec.byte_size());
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    tensors.push_back({spec, bytes});
  }
  tensors.push_back({{"empty", DType::kF32, {0, 7}}, {}});
  tensors.push_back({{"scalar", DType::kF64, {}}, std::vector<std::uint8_t>(8, 0x3f)});
  const auto path = dir / "all.safetensors";
  write_safetensors(path, tensors, {{"format", "pt"}});

  const SafetensorsFile file(path);
  ASSERT_EQ(file.tensors().size(), tensors.size());
  for (const TensorData& t : tensors) {
    const auto it = std::find_if(file.tensors().begin(), file.tensors().end(),
                                 [&](const TensorEntry& e) { return e.name == t.spec.name; });
    ASSERT_NE(it, file.tensors().end()) << t.spec.name;
    EXPECT_EQ(it->dtype, t.spec.dtype);
    EXPECT_EQ(it->shape, t.spec.shape);
    const auto data = file.data(*it);
    EXPECT_EQ(std::vector<std::uint8_t>(data.begin(), data.end()), t.bytes) << t.spec.name;
    file.release(*it);
    // Released pages fault back in from the file.
    const auto again = file.data(*it);
    EXPECT_EQ(std::vector<std::uint8_t>(again.begin(), again.end()), t.bytes) << t.spec.name;
  }
  EXPECT_EQ(file.tensors().back().element_count, 0u == file.tensors().back().byte_size() ? 0u : file.tensors().back().element_count);
  const auto scalar = std::find_if(file.tensors().begin(), file.tensors().end(),
                                   [](const TensorEntry& e) { return e.name == "scalar"; });
  EXPECT_EQ(scalar->element_count, 1u);
  EXPECT_TRUE(scalar->shape.empty());
}

TEST(SafetensorsWriter, StreamsInPiecesAndRejectsShortData) {
  testing::TempDir dir;
  {
    SafetensorsWriter writer(dir / "a.safetensors",
                             {{"x", DType::kF32, {4}}, {"y", DType::kF32, {2}}});
    const auto bytes = f32_bytes({1, 2, 3, 4, 5, 6});
    writer.write_partial(std::span(bytes).subspan(0, 5));
    writer.write_partial(std::span(bytes).subspan(5));
    writer.commit();
  }
  const SafetensorsFile file(dir / "a.safetensors");
  EXPECT_EQ(file.tensors().size(), 2u);
  {
    SafetensorsWriter writer(dir / "b.safetensors", {{"x", DType::kF32, {4}}});
    writer.write_partial(f32_bytes({1}));
    EXPECT_THROW(writer.commit(), Error);
  }
  // Not committed: nothing under the final name, no temporary left behind.
  EXPECT_FALSE(std::filesystem::exists(dir / "b.safetensors"));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

const std::string kGood = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

TEST(SafetensorsHeader, AcceptsWhitespacePaddingAndAnyOffsetOrder) {
  EXPECT_NO_THROW(parse_safetensors(image(kGood + "   \n\t ", 8), "ok"));
  const std::string reordered =
      R"({"b":{"data_offsets":[4,8],"shape":[1],"dtype":"I32"},"a":{"shape":[1],"dtype":"I32","data_offsets":[0,4]}})";
  const SafetensorsHeader h = parse_safetensors(image(reordered, 8), "ok");
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[0].name, "a");
}

TEST(SafetensorsHeader, RejectsMalformedFiles) {
  expect_rejected({1, 2, 3}, "too short");
  expect_rejected(image(kGood, 8, 1ull << 63), "exceeds the limit", ErrorCode::kLimit);
  expect_rejected(image(kGood, 8, 100'000'001), "exceeds the limit", ErrorCode::kLimit);
  expect_rejected(image(kGood, 0, kGood.size() + 50), "runs past the end");
  expect_rejected(image(" " + kGood, 8), "does not start with '{'");
  expect_rejected(image(kGood.substr(0, kGood.size() - 1), 8), "invalid JSON");
  expect_rejected(image(kGood + "x", 8), "invalid JSON");
  expect_rejected(image(kGood + std::string(3, '\0'), 8), "NUL byte");
  expect_rejected(image(kGood + std::string(1, '\0') + "garbage", 8), "NUL byte");
  expect_rejected(image("[1,2]", 0), "does not start with '{'");
  expect_rejected(image(R"({"w":3})", 0), "is a number, not an object");
  expect_rejected(
      image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
      "duplicate tensor name");
  expect_rejected(image(R"({"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8),
                  "duplicate field");
  expect_rejected(image(R"({"__metadata__":{"a":"1","a":"2"}})", 0), "duplicate key");
  expect_rejected(image(R"({"__metadata__":{"a":1}})", 0), "not a string");
  expect_rejected(image(R"({"w":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}})", 8), "unknown dtype");
  expect_rejected(image(R"({"w":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}})", 1), "not supported");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8), "negative");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8), "non-integer");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}})", 8),
                  "non-integer or out-of-range");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "shape and dtype give 12 bytes");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,2],"data_offsets":[0,8]}})", 8),
                  "overflows");
  expect_rejected(image(R"({"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}})", 8),
                  "overflows");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8), "before begin");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}})", 8), "exactly 2");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}})", 8), "exactly 2");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[2]}})", 8), "missing field data_offsets");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", 8),
                  "unknown field");
  expect_rejected(
      image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
      "overlaps");
  expect_rejected(
      image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", 12),
      "hole");
  expect_rejected(image(kGood, 12), "4 trailing bytes");
  expect_rejected(image(kGood, 5), "truncated");
  expect_rejected(image(R"({"":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8), "empty name");
  expect_rejected(image(R"({"a\u0001":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8), "control characters");
  expect_rejected(image("{\"a\xff\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "invalid JSON");
  expect_rejected(image("{\"a\xc0\xaf\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "invalid JSON");
  expect_rejected(image(R"({"w":{"dtype":"F32","shape":[[2]],"data_offsets":[0,8]}})", 8), "found an array");
  expect_rejected(image(R"({"w":{"dtype":["F32"],"shape":[2],"data_offsets":[0,8]}})", 8), "field dtype is an array");
}

TEST(SafetensorsHeader, LimitsAreConfigurable) {
  SafetensorsLimits tight;
  tight.max_header_bytes = 16;
  EXPECT_THROW(parse_safetensors(image(kGood, 8), "x", tight), Error);
  tight = {};
  tight.max_rank = 1;
  EXPECT_THROW(parse_safetensors(image(R"({"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}})", 8), "x", tight),
               Error);
  tight = {};
  tight.max_tensors = 1;
  EXPECT_THROW(parse_safetensors(image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
                                 "x", tight),
               Error);
}

TEST(SafetensorsFile, RejectsFileOnDiskWithPathInMessage) {
  testing::TempDir dir;
  const auto path = dir / "trunc.safetensors";
  const auto bytes = image(kGood, 4);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                             static_cast<std::streamsize>(bytes.size()));
  try {
    SafetensorsFile file(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(SafetensorsFile(dir / "missing.safetensors"), Error);
}

}  // namespace
}  // namespace fti
