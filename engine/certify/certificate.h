// The certificate file "fti.certificate/v1" (docs/PROTOCOL.md, section 10.4):
// a versioned, self-describing binary of length-prefixed sections holding the
// protocol id and Basefold parameters, the policy (canonical form and
// SHA-256), both model commitments (fti.commitment/v1 bytes, roots
// recomputed by their parser), the statement, the disclosed statistics and
// the norm proof, the rank proof, the entry proof, then a SHA-256 checksum. The parser is strict and bounded:
// every length is capped and checked against the bytes left before anything
// is allocated, every nested part goes to its own strict parser, and nothing
// throws on hostile input.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/certify/statement.h"
#include "engine/commitment/model_commitment.h"
#include "engine/common/sha256.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/transcript.h"
#include "engine/drift/norm_disclosure.h"

namespace fti::certify {

inline constexpr std::string_view kCertificateMagic = "fti.certificate/v1";
inline constexpr std::string_view kCertificateProtocolId = "fti.certificate.v1";
inline constexpr std::uint32_t kCertificateVersion = 1;

// Section tags, in the order they appear (exactly once each).
enum class Section : std::uint32_t {
  kHeader = 1,
  kPolicy = 2,
  kBaseCommitment = 3,
  kCandidateCommitment = 4,
  kStatement = 5,
  kDisclosure = 6,
  kNormProof = 7,
  kRankProofs = 8,
  kEntryProof = 9,
};
inline constexpr std::uint32_t kSectionCount = 9;

// Limits (a hostile file cannot exceed them).
inline constexpr std::size_t kMaxCertificateBytes = std::size_t{1} << 30;
inline constexpr std::size_t kMaxPolicyBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxCommitmentSectionBytes = std::size_t{256} << 20;
inline constexpr std::size_t kMaxStatementBytes = std::size_t{64} << 20;
inline constexpr std::size_t kMaxProofBytes = std::size_t{64} << 20;
inline constexpr std::size_t kMaxRankSectionBytes = std::size_t{512} << 20;
inline constexpr std::size_t kMaxEntrySectionBytes = std::size_t{512} << 20;  // counts + one proof

struct Certificate {
  crypto::BasefoldParams params;
  std::string policy_canonical;
  Sha256Digest policy_digest{};
  commitment::ModelCommitment base;
  commitment::ModelCommitment candidate;
  CertStatement statement;
  drift::NormDisclosure disclosure;
  std::vector<std::uint8_t> norm_proof;  // empty when the statement has no norm tensors
  std::vector<drift::NormStatistic> rank_disclosures;  // R = 2^32 H + L per statement.rank entry, same order
  // One RankProof per chunk of at most drift::kMaxRankClaims rank entries, in
  // statement order (rank_chunks); none when there are no rank entries.
  std::vector<std::vector<std::uint8_t>> rank_proofs;
  std::vector<std::uint64_t> entry_counts;  // c per statement.entries entry (0 without a count)
  std::vector<std::uint8_t> entry_proof;    // one EntryProof for all of them; empty when there are none
};

std::vector<std::uint8_t> serialize_certificate(const Certificate& certificate);

// How many rank proofs K rank entries take: ceil(K / kMaxRankClaims).
std::size_t rank_chunks(std::size_t rank_entries);

// The outcome of a certificate check: `check` names the verifier step
// ("format", "parameters", "policy", "statement", "commitments", "frozen",
// "norm proof", "rank proof", "entry proof", "bounds"); empty when it passed.
struct CheckFailure {
  std::string check;
  std::string reason;
  bool failed() const noexcept { return !check.empty(); }
};

// Format only (section 10.4.2, check 1) plus the regime of the parameters
// (check 2 starts here: a conjectured regime is refused before the
// commitments are parsed). Never throws.
CheckFailure parse_certificate(std::span<const std::uint8_t> bytes, Certificate& out);

// The certificate's transcript with its binding absorptions (10.4.4): the
// protocol id, the parameters, the policy digest, both roots and the
// statement, in that order, before any proof runs on it.
crypto::Transcript certificate_transcript(const crypto::BasefoldParams& params, const Sha256Digest& policy_digest,
                                          const commitment::ModelCommitment& base,
                                          const commitment::ModelCommitment& candidate,
                                          const CertStatement& statement);

// Reads at most kMaxCertificateBytes; Error(kIo) if it cannot be read,
// Error(kCertificate) if larger.
std::vector<std::uint8_t> read_certificate_file(const std::filesystem::path& path);
// Atomic (engine/common/atomic_file.h): no partial certificate on error.
void write_certificate_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

}  // namespace fti::certify
