#include "engine/adapter/merge_residual.h"

#include <cmath>
#include <cstring>
#include <set>

#include "engine/adapter/lora_merge.h"
#include "engine/common/int128.h"

namespace fti::adapter {

namespace {

std::uint64_t load_bits(const std::uint8_t* p, std::size_t size) noexcept {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < size; ++i) bits |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return bits;
}

bool ulp_comparable(DType dtype) noexcept {
  return dtype == DType::kF16 || dtype == DType::kBF16 || dtype == DType::kF32 || dtype == DType::kF64 ||
         dtype == DType::kF8E4M3 || dtype == DType::kF8E5M2;
}

// Sign-magnitude bits to a line where adjacent representable values are one
// apart (+0 and -0 both map to 0). Magnitudes fit in 63 bits.
int128 ordered(std::uint64_t bits, std::size_t size) noexcept {
  const std::uint64_t sign = std::uint64_t{1} << (8 * size - 1);
  const auto magnitude = static_cast<int128>(bits & (sign - 1));
  return (bits & sign) ? -magnitude : magnitude;
}

std::string source_of(const AdapterPlan& plan, const std::string& name) {
  if (plan.find_target(name)) return "lora";
  if (const SavedTensor* saved = plan.find_saved(name)) return saved->reason;
  return "base";
}

TensorResidual compare(const TensorEntry& expected_entry, std::span<const std::uint8_t> expected,
                       std::span<const std::uint8_t> actual, std::uint64_t tolerance) {
  TensorResidual r;
  r.status = "compared";
  const DType dtype = expected_entry.dtype;
  const std::size_t size = dtype_size(dtype);
  r.elements = expected_entry.element_count;
  double sum = 0, expected_sum = 0;
  for (std::uint64_t i = 0; i < r.elements; ++i) {
    const std::uint8_t* e = expected.data() + i * size;
    const std::uint8_t* c = actual.data() + i * size;
    const double ev = element_to_double(dtype, e);
    expected_sum += ev * ev;
    if (std::memcmp(e, c, size) == 0) continue;
    const std::uint64_t d = ulp_comparable(dtype) ? ulp_distance(dtype, e, c) : kUlpInfinite;
    if (d == 0) continue;  // +0 / -0, or two NaNs
    ++r.differing;
    const double diff = element_to_double(dtype, c) - ev;
    sum += diff * diff;
    if (d > r.max_ulp) {
      r.max_ulp = d;
      r.worst_index = i;
    }
  }
  r.frobenius = std::sqrt(sum);
  r.expected_frobenius = std::sqrt(expected_sum);
  r.matches = r.max_ulp <= tolerance;
  return r;
}

}  // namespace

std::uint64_t ulp_distance(DType dtype, const std::uint8_t* x, const std::uint8_t* y) noexcept {
  const double xv = element_to_double(dtype, x), yv = element_to_double(dtype, y);
  if (std::isnan(xv) || std::isnan(yv)) return std::isnan(xv) && std::isnan(yv) ? 0 : kUlpInfinite;
  const std::size_t size = dtype_size(dtype);
  const int128 d = ordered(load_bits(x, size), size) - ordered(load_bits(y, size), size);
  return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

std::uint64_t MergeCheck::mismatch_count() const {
  std::uint64_t n = 0;
  for (const TensorResidual& t : tensors) n += t.matches ? 0u : 1u;
  return n;
}

MergeCheck check_merge(const AdapterPlan& plan, const Checkpoint& base, const Checkpoint& adapter,
                       const Checkpoint& candidate, const MergeCheckOptions& options) {
  MergeCheck check;
  check.ulp_tolerance = options.ulp_tolerance;
  std::set<std::string, std::less<>> names;
  for (const CheckpointTensor& t : base.tensors()) names.insert(t.name());
  for (const CheckpointTensor& t : candidate.tensors()) names.insert(t.name());
  for (const std::string& name : names) {
    const CheckpointTensor* b = base.find(name);
    const CheckpointTensor* c = candidate.find(name);
    TensorResidual r;
    if (b && c && b->entry->shape == c->entry->shape && b->entry->dtype == c->entry->dtype) {
      const std::vector<std::uint8_t> expected = merged_tensor_bytes(plan, *b, base, adapter);
      r = compare(*b->entry, expected, candidate.data(*c), options.ulp_tolerance);
      candidate.release(*c);
    } else {
      r.status = !c ? "missing" : !b ? "extra" : b->entry->shape != c->entry->shape ? "reshaped" : "retyped";
      r.max_ulp = kUlpInfinite;
      r.frobenius = std::numeric_limits<double>::infinity();
      r.matches = false;
    }
    const TensorEntry& entry = b ? *b->entry : *c->entry;
    r.name = name;
    r.source = b ? source_of(plan, name) : "none";
    r.dtype = std::string(dtype_name(entry.dtype));
    if (b && c && b->entry->dtype != c->entry->dtype) r.dtype += "->" + std::string(dtype_name(c->entry->dtype));
    r.shape = entry.shape;
    r.elements = entry.element_count;
    check.tensors.push_back(std::move(r));
  }
  check.matches = check.mismatch_count() == 0;
  return check;
}

}  // namespace fti::adapter
