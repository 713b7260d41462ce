#include "engine/crypto/transcript.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "engine/crypto/bytes.h"

namespace fti::crypto {

// The word stream after a squeeze: block i = SHA-256(0x03 || state || LE64(i)),
// consumed 8 bytes at a time as little-endian words.
class Transcript::OutputStream {
 public:
  explicit OutputStream(const Digest& state) : state_(state) {}

  std::uint64_t next_word() {
    if (offset_ == block_.size()) refill();
    const std::uint64_t w = load_le64(block_.data() + offset_);
    offset_ += 8;
    return w;
  }

  Fp next_fp() {
    return sample_fp_by_rejection([this] { return next_word(); });
  }

  std::uint64_t next_index(std::uint64_t bound) {
    return sample_index_by_rejection([this] { return next_word(); }, bound);
  }

 private:
  void refill() {
    Sha256 h;
    h.update_byte(static_cast<std::uint8_t>(TranscriptOp::kOutput));
    h.update(state_);
    h.update_u64_le(counter_++);
    block_ = h.finish();
    offset_ = 0;
  }

  Digest state_;
  Digest block_{};
  std::size_t offset_ = 32;  // empty: the first word triggers block 0
  std::uint64_t counter_ = 0;
};

Transcript::Transcript(std::string_view protocol_id) {
  Sha256 h;
  h.update_byte(static_cast<std::uint8_t>(TranscriptOp::kInit));
  h.update_u64_le(kTranscriptDomain.size());
  h.update(kTranscriptDomain.data(), kTranscriptDomain.size());
  h.update_u64_le(protocol_id.size());
  h.update(protocol_id.data(), protocol_id.size());
  state_ = h.finish();
}

void Transcript::absorb(TranscriptTag tag, std::string_view label, std::span<const std::uint8_t> data) {
  Sha256 h;
  h.update_byte(static_cast<std::uint8_t>(TranscriptOp::kAbsorb));
  h.update(state_);
  h.update_byte(static_cast<std::uint8_t>(tag));
  h.update_u64_le(label.size());
  h.update(label.data(), label.size());
  h.update_u64_le(data.size());
  h.update(data);
  state_ = h.finish();
}

// Words are hashed as their LE64 encodings (identical to canonical Fp
// encodings), streamed so long vectors are not copied.
void Transcript::absorb_words(TranscriptTag tag, std::string_view label, std::span<const std::uint64_t> words) {
  Sha256 h;
  h.update_byte(static_cast<std::uint8_t>(TranscriptOp::kAbsorb));
  h.update(state_);
  h.update_byte(static_cast<std::uint8_t>(tag));
  h.update_u64_le(label.size());
  h.update(label.data(), label.size());
  h.update_u64_le(8 * static_cast<std::uint64_t>(words.size()));
  for (const std::uint64_t w : words) h.update_u64_le(w);
  state_ = h.finish();
}

Transcript::OutputStream Transcript::squeeze(TranscriptTag tag, std::string_view label,
                                             std::span<const std::uint64_t> params) {
  Sha256 h;
  h.update_byte(static_cast<std::uint8_t>(TranscriptOp::kSqueeze));
  h.update(state_);
  h.update_byte(static_cast<std::uint8_t>(tag));
  h.update_u64_le(label.size());
  h.update(label.data(), label.size());
  h.update_u64_le(8 * static_cast<std::uint64_t>(params.size()));
  for (const std::uint64_t p : params) h.update_u64_le(p);
  state_ = h.finish();
  return OutputStream(state_);
}

void Transcript::absorb_bytes(std::string_view label, std::span<const std::uint8_t> data) {
  absorb(TranscriptTag::kBytes, label, data);
}

void Transcript::absorb_u64(std::string_view label, std::uint64_t value) {
  absorb_words(TranscriptTag::kU64, label, std::span<const std::uint64_t>(&value, 1));
}

void Transcript::absorb_u64s(std::string_view label, std::span<const std::uint64_t> values) {
  absorb_words(TranscriptTag::kU64s, label, values);
}

void Transcript::absorb_fp(std::string_view label, Fp value) {
  const std::uint64_t w = value.value();
  absorb_words(TranscriptTag::kFp, label, std::span<const std::uint64_t>(&w, 1));
}

void Transcript::absorb_fps(std::string_view label, std::span<const Fp> values) {
  std::vector<std::uint8_t> bytes(values.size() * Fp::kEncodedSize);
  write_fp_span(values, bytes.data());
  absorb(TranscriptTag::kFps, label, bytes);
}

void Transcript::absorb_fp3(std::string_view label, const Fp3& value) {
  absorb(TranscriptTag::kFp3, label, value.to_bytes());
}

void Transcript::absorb_fp3s(std::string_view label, std::span<const Fp3> values) {
  std::vector<std::uint8_t> bytes(values.size() * Fp3::kEncodedSize);
  write_fp3_span(values, bytes.data());
  absorb(TranscriptTag::kFp3s, label, bytes);
}

void Transcript::absorb_digest(std::string_view label, const Digest& digest) {
  absorb(TranscriptTag::kDigest, label, digest);
}

void Transcript::absorb_digests(std::string_view label, std::span<const Digest> digests) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(digests.size() * 32);
  for (const Digest& d : digests) bytes.insert(bytes.end(), d.begin(), d.end());
  absorb(TranscriptTag::kDigests, label, bytes);
}

Fp Transcript::challenge_fp(std::string_view label) {
  return squeeze(TranscriptTag::kChallengeFp, label, {}).next_fp();
}

Fp3 Transcript::challenge_fp3(std::string_view label) {
  OutputStream out = squeeze(TranscriptTag::kChallengeFp3, label, {});
  const Fp c0 = out.next_fp();
  const Fp c1 = out.next_fp();
  const Fp c2 = out.next_fp();
  return Fp3(c0, c1, c2);
}

std::uint64_t Transcript::challenge_index(std::string_view label, std::uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("Transcript::challenge_index: empty range");
  const std::uint64_t params[1] = {bound};
  return squeeze(TranscriptTag::kChallengeIndex, label, params).next_index(bound);
}

std::vector<std::uint64_t> Transcript::challenge_indices(std::string_view label, std::uint64_t bound,
                                                         std::size_t count) {
  if (bound == 0) throw std::invalid_argument("Transcript::challenge_indices: empty range");
  const std::uint64_t params[2] = {bound, count};
  OutputStream out = squeeze(TranscriptTag::kChallengeIndices, label, params);
  std::vector<std::uint64_t> indices(count);
  for (auto& i : indices) i = out.next_index(bound);
  return indices;
}

std::vector<std::uint64_t> Transcript::challenge_distinct_indices(std::string_view label, std::uint64_t bound,
                                                                  std::size_t count) {
  if (count > bound) throw std::invalid_argument("Transcript::challenge_distinct_indices: count > bound");
  const std::uint64_t params[2] = {bound, count};
  OutputStream out = squeeze(TranscriptTag::kChallengeDistinctIndices, label, params);
  std::vector<std::uint64_t> indices;
  indices.reserve(count);
  while (indices.size() < count) {
    const std::uint64_t i = out.next_index(bound);
    // Membership test against the (sorted) set drawn so far.
    const auto it = std::lower_bound(indices.begin(), indices.end(), i);
    if (it == indices.end() || *it != i) indices.insert(it, i);
  }
  return indices;
}

}  // namespace fti::crypto
