#include "engine/commitment/commitment_file.h"

#include <algorithm>
#include <string>

#include "engine/commitment/commitment_hash.h"
#include "engine/commitment/fixed_point.h"
#include "engine/commitment/grouping.h"
#include "engine/common/atomic_file.h"
#include "engine/common/error.h"
#include "engine/common/text.h"
#include "engine/crypto/basefold_layout.h"
#include "registry/checkpoint.h"

namespace fti::commitment {
namespace {

// Smallest encodings of one record, to bound counts by the bytes left.
constexpr std::size_t kMinFileRecord = 4 + 1 + 1 + 8 + 32;
constexpr std::size_t kMinGroupRecord = 4 + 4 + 4 + 32;
constexpr std::size_t kMinTensorRecord = 4 + 1 + 1 + 2 + 1 + 1 + 1 + 4 + 1 + 8 + 8 + 32 + 4 + 4;
constexpr std::size_t kMaxDtypeName = 16;

class Writer {
 public:
  void u8(std::uint8_t x) { out_.push_back(x); }
  void u32(std::uint32_t x) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  }
  void u64(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  }
  void raw(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    out_.insert(out_.end(), p, p + size);
  }
  void text32(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  std::vector<std::uint8_t>& bytes() { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, std::string_view what) : bytes_(bytes), what_(what) {}

  [[noreturn]] void fail(const std::string& message) const {
    throw Error(ErrorCode::kCertificate, std::string(what_) + ": invalid commitment file: " + message);
  }
  std::span<const std::uint8_t> take(std::size_t n, const char* field) {
    if (bytes_.size() - pos_ < n) {
      fail("truncated: " + std::string(field) + " at byte " + std::to_string(pos_) + " needs " + std::to_string(n) +
           " bytes, " + std::to_string(bytes_.size() - pos_) + " left");
    }
    const auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint8_t u8(const char* field) { return take(1, field)[0]; }
  std::uint32_t u32(const char* field) {
    const auto b = take(4, field);
    std::uint32_t x = 0;
    for (int i = 0; i < 4; ++i) x |= std::uint32_t{b[static_cast<std::size_t>(i)]} << (8 * i);
    return x;
  }
  std::uint64_t u64(const char* field) {
    const auto b = take(8, field);
    std::uint64_t x = 0;
    for (int i = 0; i < 8; ++i) x |= std::uint64_t{b[static_cast<std::size_t>(i)]} << (8 * i);
    return x;
  }
  Sha256Digest digest(const char* field) {
    const auto b = take(32, field);
    Sha256Digest d;
    std::copy(b.begin(), b.end(), d.begin());
    return d;
  }
  std::string text(std::size_t length, const char* field) {
    const auto b = take(length, field);
    return std::string(b.begin(), b.end());
  }
  // A count read from the file: at most `limit`, and no more records of at
  // least `min_record` bytes than the bytes left can hold.
  std::size_t count(const char* field, std::size_t limit, std::size_t min_record) {
    const std::uint32_t n = u32(field);
    if (n > limit) fail(std::string(field) + " " + std::to_string(n) + " exceeds the limit " + std::to_string(limit));
    if (std::size_t{n} * min_record > remaining()) {
      fail("truncated or corrupt: " + std::string(field) + " " + std::to_string(n) + " needs at least " +
           std::to_string(std::size_t{n} * min_record) + " bytes, " + std::to_string(remaining()) + " left");
    }
    return n;
  }
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::string_view what_;
  std::size_t pos_ = 0;
};

std::string quote_name(std::string_view s) { return quote_untrusted(s, 120); }

void read_params(Reader& r, crypto::BasefoldParams& p) {
  const std::uint32_t security = r.u32("params.security");
  p.log_blowup = r.u32("params.log_blowup");
  p.commit_leaf_log_size = r.u32("params.commit_leaf_log_size");
  p.fold_log_arity = r.u32("params.fold_log_arity");
  p.final_log_size = r.u32("params.final_log_size");
  p.num_queries = r.u32("params.num_queries");
  p.grinding_bits = r.u32("params.grinding_bits");
  p.cap_log = r.u32("params.cap_log");
  if (security != static_cast<std::uint32_t>(crypto::BasefoldSecurity::kUniqueDecoding)) {
    r.fail("Basefold parameters are not the proven (unique-decoding) regime");
  }
  p.security = crypto::BasefoldSecurity::kUniqueDecoding;
  if (p.check() != crypto::Status::kOk) r.fail("Basefold parameters out of range");
}

}  // namespace

std::vector<std::uint8_t> serialize_commitment(const ModelCommitment& c) {
  Writer w;
  w.raw(kCommitmentFileMagic.data(), kCommitmentFileMagic.size());
  w.u32(kValueBits);
  w.u32(kHeadroomBits);
  w.u32(static_cast<std::uint32_t>(kRoundingHalfEven));
  w.u32(static_cast<std::uint32_t>(kLayoutMatrix2d));
  for (const std::uint64_t word : c.params.words()) w.u32(static_cast<std::uint32_t>(word));
  w.u32(static_cast<std::uint32_t>(c.files.size()));
  for (const FileRecord& f : c.files) {
    w.text32(f.name);
    w.u8(static_cast<std::uint8_t>(f.role));
    w.u64(f.size);
    w.raw(f.sha256.data(), f.sha256.size());
  }
  w.u32(static_cast<std::uint32_t>(c.groups.size()));
  for (const crypto::BasefoldCommitment& g : c.groups) {
    w.u32(g.num_vars);
    w.u32(static_cast<std::uint32_t>(g.num_polys));
    w.u32(static_cast<std::uint32_t>(g.cap.nodes.size()));
    for (const crypto::Digest& d : g.cap.nodes) w.raw(d.data(), d.size());
  }
  w.u32(static_cast<std::uint32_t>(c.tensors.size()));
  for (const TensorRecord& t : c.tensors) {
    w.text32(t.name);
    const std::string_view dtype = dtype_name(t.dtype);
    w.u8(static_cast<std::uint8_t>(dtype.size()));
    w.raw(dtype.data(), dtype.size());
    w.u8(static_cast<std::uint8_t>(t.shape.size()));
    for (const std::uint64_t d : t.shape) w.u64(d);
    w.u8(static_cast<std::uint8_t>(t.log_rows));
    w.u8(static_cast<std::uint8_t>(t.log_cols));
    w.u32(static_cast<std::uint32_t>(t.scale));
    w.u8(static_cast<std::uint8_t>(t.scale_source));
    w.u64(t.max_abs);
    w.u64(t.inexact);
    w.raw(t.data_sha256.data(), t.data_sha256.size());
    w.u32(t.group);
    w.u32(t.index);
  }
  w.raw(c.tensors_root.data(), 32);
  w.raw(c.files_digest.data(), 32);
  w.raw(c.root.data(), 32);
  const Sha256Digest checksum = sha256(std::span<const std::uint8_t>(w.bytes()));
  w.raw(checksum.data(), checksum.size());
  return std::move(w.bytes());
}

ModelCommitment parse_commitment(std::span<const std::uint8_t> bytes, std::string_view what) {
  Reader r(bytes, what);
  if (bytes.size() > kMaxCommitmentFileBytes) r.fail("larger than " + std::to_string(kMaxCommitmentFileBytes) + " bytes");
  const auto magic = r.take(kCommitmentFileMagic.size(), "magic");
  if (!std::equal(magic.begin(), magic.end(), kCommitmentFileMagic.begin())) {
    r.fail("not an fti commitment file (expected \"" + std::string(kCommitmentFileMagic) + "\")");
  }
  const std::uint32_t value_bits = r.u32("encoding.value_bits");
  const std::uint32_t headroom = r.u32("encoding.headroom_bits");
  const std::uint32_t rounding = r.u32("encoding.rounding");
  const std::uint32_t layout = r.u32("encoding.layout");
  if (value_bits != kValueBits || headroom != kHeadroomBits || rounding != kRoundingHalfEven ||
      layout != kLayoutMatrix2d) {
    r.fail("unsupported encoding (value bits " + std::to_string(value_bits) + ", headroom " + std::to_string(headroom) +
           ", rounding " + std::to_string(rounding) + ", layout " + std::to_string(layout) + ")");
  }
  ModelCommitment c;
  read_params(r, c.params);

  // Files.
  const std::size_t file_count = r.count("file count", kMaxCommittedFiles, kMinFileRecord);
  if (file_count == 0) r.fail("no files");
  c.files.resize(file_count);
  std::size_t index_files = 0;
  for (std::size_t i = 0; i < file_count; ++i) {
    FileRecord& f = c.files[i];
    const std::uint32_t length = r.u32("file name length");
    if (length == 0 || length > kMaxNameBytes) r.fail("file " + std::to_string(i) + ": name length " + std::to_string(length));
    f.name = r.text(length, "file name");
    if (has_control_chars(f.name)) r.fail("file name " + quote_name(f.name) + " has control characters");
    const std::uint8_t role = r.u8("file role");
    if (role > static_cast<std::uint8_t>(FileRole::kIndex)) r.fail("file " + quote_name(f.name) + ": unknown role " + std::to_string(role));
    f.role = static_cast<FileRole>(role);
    index_files += f.role == FileRole::kIndex ? 1 : 0;
    f.size = r.u64("file size");
    f.sha256 = r.digest("file sha256");
    if (i > 0 && !(c.files[i - 1].name < f.name)) r.fail("file names are not sorted and unique at " + quote_name(f.name));
  }
  if (index_files > 1 || index_files == file_count) r.fail("the file list needs at least one shard and at most one index");

  // Groups.
  const std::size_t group_count = r.count("group count", kMaxCommittedTensors, kMinGroupRecord);
  if (group_count == 0) r.fail("no groups");
  c.groups.resize(group_count);
  std::size_t total_polys = 0;
  for (std::size_t g = 0; g < group_count; ++g) {
    crypto::BasefoldCommitment& group = c.groups[g];
    group.num_vars = r.u32("group num_vars");
    group.num_polys = r.u32("group num_polys");
    if (group.num_vars > kMaxTableVars || c.params.check_size(group.num_vars) != crypto::Status::kOk) {
      r.fail("group " + std::to_string(g) + ": " + std::to_string(group.num_vars) + " variables");
    }
    if (group.num_polys == 0 || group.num_polys > kMaxGroupPolys ||
        c.params.check_shape(group.num_vars, group.num_polys) != crypto::Status::kOk) {
      r.fail("group " + std::to_string(g) + ": " + std::to_string(group.num_polys) + " polynomials");
    }
    total_polys += group.num_polys;
    const crypto::BasefoldLayout shape = crypto::BasefoldLayout::make(c.params, group.num_vars, group.num_polys);
    const std::size_t expected_cap = std::size_t{1} << shape.layers.front().cap_log;
    const std::uint32_t cap = r.u32("group cap size");
    if (cap != expected_cap) {
      r.fail("group " + std::to_string(g) + ": cap of " + std::to_string(cap) + " digests, the parameters give " +
             std::to_string(expected_cap));
    }
    group.cap.nodes.resize(cap);
    for (crypto::Digest& d : group.cap.nodes) {
      const Sha256Digest x = r.digest("group cap digest");
      std::copy(x.begin(), x.end(), d.begin());
    }
  }

  // Tensors.
  const std::size_t tensor_count = r.count("tensor count", kMaxCommittedTensors, kMinTensorRecord);
  if (tensor_count == 0) r.fail("no tensors");
  if (total_polys != tensor_count) {
    r.fail("the groups hold " + std::to_string(total_polys) + " polynomials for " + std::to_string(tensor_count) +
           " tensors");
  }
  c.tensors.resize(tensor_count);
  std::vector<std::vector<bool>> slots(group_count);
  for (std::size_t g = 0; g < group_count; ++g) slots[g].assign(c.groups[g].num_polys, false);
  std::vector<unsigned> num_vars(tensor_count);
  for (std::size_t i = 0; i < tensor_count; ++i) {
    TensorRecord& t = c.tensors[i];
    const std::uint32_t length = r.u32("tensor name length");
    if (length == 0 || length > kMaxNameBytes) r.fail("tensor " + std::to_string(i) + ": name length " + std::to_string(length));
    t.name = r.text(length, "tensor name");
    if (has_control_chars(t.name)) r.fail("tensor name " + quote_name(t.name) + " has control characters");
    if (i > 0 && !(c.tensors[i - 1].name < t.name)) r.fail("tensor names are not sorted and unique at " + quote_name(t.name));
    const std::uint8_t dtype_length = r.u8("tensor dtype length");
    if (dtype_length == 0 || dtype_length > kMaxDtypeName) r.fail("tensor " + quote_name(t.name) + ": dtype name length");
    const std::string dtype = r.text(dtype_length, "tensor dtype");
    const auto parsed = parse_dtype(dtype);
    if (!parsed) r.fail("tensor " + quote_name(t.name) + ": unknown dtype " + quote_name(dtype));
    t.dtype = *parsed;
    const std::uint8_t rank = r.u8("tensor rank");
    if (rank > kMaxRank) r.fail("tensor " + quote_name(t.name) + ": rank " + std::to_string(rank));
    t.shape.resize(rank);
    for (std::uint64_t& d : t.shape) d = r.u64("tensor dimension");
    t.log_rows = r.u8("tensor log_rows");
    t.log_cols = r.u8("tensor log_cols");
    MatrixLayout expected;
    try {
      expected = matrix_layout(t.shape, t.name);
    } catch (const Error& e) {
      r.fail(e.what());
    }
    if (expected.log_rows != t.log_rows || expected.log_cols != t.log_cols) {
      r.fail("tensor " + quote_name(t.name) + ": layout does not match its shape");
    }
    t.scale = static_cast<std::int32_t>(r.u32("tensor scale"));
    if (t.scale < kMinScale || t.scale > kMaxScale) r.fail("tensor " + quote_name(t.name) + ": scale out of range");
    const std::uint8_t source = r.u8("tensor scale source");
    if (source > static_cast<std::uint8_t>(ScaleSource::kGiven)) r.fail("tensor " + quote_name(t.name) + ": unknown scale source");
    t.scale_source = static_cast<ScaleSource>(source);
    t.max_abs = r.u64("tensor max_abs");
    const std::uint64_t bound = t.scale_source == ScaleSource::kRule ? static_cast<std::uint64_t>(kRuleBound)
                                                                     : static_cast<std::uint64_t>(kValueBound - 1);
    if (t.max_abs > bound) r.fail("tensor " + quote_name(t.name) + ": max_abs above the encoding's bound");
    t.inexact = r.u64("tensor inexact count");
    if (t.inexact > expected.elements()) r.fail("tensor " + quote_name(t.name) + ": more inexact values than elements");
    t.data_sha256 = r.digest("tensor data sha256");
    t.group = r.u32("tensor group");
    t.index = r.u32("tensor index");
    if (t.group >= group_count || t.index >= c.groups[t.group].num_polys) {
      r.fail("tensor " + quote_name(t.name) + ": no polynomial " + std::to_string(t.index) + " in group " +
             std::to_string(t.group));
    }
    if (slots[t.group][t.index]) r.fail("tensor " + quote_name(t.name) + ": its group slot is taken twice");
    slots[t.group][t.index] = true;
    if (c.groups[t.group].num_vars != t.num_vars()) {
      r.fail("tensor " + quote_name(t.name) + ": " + std::to_string(t.num_vars()) + " variables in a group of " +
             std::to_string(c.groups[t.group].num_vars));
    }
    num_vars[i] = t.num_vars();
  }
  c.tensors_root = r.digest("tensors root");
  c.files_digest = r.digest("files digest");
  c.root = r.digest("root");
  const std::size_t body = r.position();
  const Sha256Digest checksum = r.digest("checksum");
  if (r.remaining() != 0) r.fail(std::to_string(r.remaining()) + " trailing bytes after the checksum");
  if (sha256(bytes.first(body)) != checksum) r.fail("checksum mismatch: the file is corrupt");

  // The grouping must be the canonical one (grouping.h).
  const std::vector<GroupPlan> plan = plan_groups(num_vars, kMaxGroupPolys, max_group_vars(c.params));
  if (plan.size() != group_count) r.fail("the groups are not the canonical grouping of the tensors");
  for (std::size_t g = 0; g < plan.size(); ++g) {
    if (plan[g].num_vars != c.groups[g].num_vars || plan[g].members.size() != c.groups[g].num_polys) {
      r.fail("group " + std::to_string(g) + " is not the canonical grouping of the tensors");
    }
    for (std::size_t j = 0; j < plan[g].members.size(); ++j) {
      const TensorRecord& t = c.tensors[plan[g].members[j]];
      if (t.group != g || t.index != j) r.fail("tensor " + quote_name(t.name) + " is not at its canonical group position");
    }
  }

  ModelCommitment check = c;
  compute_roots(check);
  if (check.tensors_root != c.tensors_root) r.fail("the tensors root does not match the tensor records");
  if (check.files_digest != c.files_digest) r.fail("the files digest does not match the file records");
  if (check.root != c.root) r.fail("the root does not match the contents");
  return c;
}

ModelCommitment read_commitment_file(const std::filesystem::path& path) {
  const std::string text = read_text_file(path, kMaxCommitmentFileBytes, path.string());
  const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
  return parse_commitment(std::span<const std::uint8_t>(data, text.size()), path.string());
}

void write_commitment_file(const std::filesystem::path& path, const ModelCommitment& commitment) {
  const std::vector<std::uint8_t> bytes = serialize_commitment(commitment);
  AtomicFile file(path);
  file.write(std::span<const std::uint8_t>(bytes));
  file.commit();
}

}  // namespace fti::commitment
