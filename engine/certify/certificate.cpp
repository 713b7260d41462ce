#include "engine/certify/certificate.h"

#include <fmt/core.h>

#include <fstream>

#include "engine/certify/byte_io.h"
#include "engine/commitment/commitment_file.h"
#include "engine/common/atomic_file.h"
#include "engine/common/error.h"
#include "engine/drift/norm_statement.h"

namespace fti::certify {
namespace {

// A section's trailing proof: LE64 length (at most `limit` and the bytes
// left) then the bytes.
void read_proof(ByteReader& sr, std::size_t limit, std::string_view what, std::vector<std::uint8_t>& out) {
  const std::uint64_t len = sr.u64(fmt::format("{} length", what));
  if (!sr.ok()) return;
  if (len > limit || len > sr.left()) {
    sr.fail(fmt::format("{} of {} bytes: above {} or beyond the {} bytes left", what, len, limit, sr.left()));
    return;
  }
  const auto p = sr.raw(static_cast<std::size_t>(len), what);
  out.assign(p.begin(), p.end());
}

constexpr std::size_t kHeaderBytes = 4 + kCertificateProtocolId.size() + 8 * 4 + 32 + 32;

void section(ByteWriter& w, Section tag, std::span<const std::uint8_t> body) {
  w.u32(static_cast<std::uint32_t>(tag));
  w.u64(body.size());
  w.raw(body);
}

std::string_view section_name(Section s) {
  switch (s) {
    case Section::kHeader: return "header";
    case Section::kPolicy: return "policy";
    case Section::kBaseCommitment: return "base commitment";
    case Section::kCandidateCommitment: return "candidate commitment";
    case Section::kStatement: return "statement";
    case Section::kDisclosure: return "disclosure";
    case Section::kNormProof: return "norm proof";
    case Section::kRankProofs: return "rank proofs";
    case Section::kEntryProof: return "entry proof";
  }
  return "section";
}

std::size_t section_limit(Section s) {
  switch (s) {
    case Section::kHeader: return kHeaderBytes;
    case Section::kPolicy: return 4 + kMaxPolicyBytes + 32;
    case Section::kBaseCommitment:
    case Section::kCandidateCommitment: return kMaxCommitmentSectionBytes;
    case Section::kStatement: return kMaxStatementBytes;
    case Section::kDisclosure: return 4 + 16 * drift::kMaxNormItems;
    case Section::kNormProof: return kMaxProofBytes;
    case Section::kRankProofs: return kMaxRankSectionBytes;
    case Section::kEntryProof: return kMaxEntrySectionBytes;
  }
  return 0;
}

CheckFailure format_failure(std::string reason) { return {"format", std::move(reason)}; }

}  // namespace

std::size_t rank_chunks(std::size_t rank_entries) {
  return (rank_entries + drift::kMaxRankClaims - 1) / drift::kMaxRankClaims;
}

std::vector<std::uint8_t> serialize_certificate(const Certificate& c) {
  ByteWriter out;
  out.raw({reinterpret_cast<const std::uint8_t*>(kCertificateMagic.data()), kCertificateMagic.size()});
  out.u32(kCertificateVersion);
  out.u32(kSectionCount);
  {
    ByteWriter h;
    h.text(kCertificateProtocolId);
    for (const std::uint64_t word : c.params.words()) h.u32(static_cast<std::uint32_t>(word));
    h.raw(c.base.root);
    h.raw(c.candidate.root);
    section(out, Section::kHeader, h.bytes());
  }
  {
    ByteWriter p;
    p.text(c.policy_canonical);
    p.raw(c.policy_digest);
    section(out, Section::kPolicy, p.bytes());
  }
  section(out, Section::kBaseCommitment, commitment::serialize_commitment(c.base));
  section(out, Section::kCandidateCommitment, commitment::serialize_commitment(c.candidate));
  section(out, Section::kStatement, serialize_statement(c.statement));
  {
    ByteWriter d;
    d.u32(static_cast<std::uint32_t>(c.disclosure.items.size()));
    for (const drift::NormStatistic& s : c.disclosure.items) {
      d.u64(s.high);
      d.u64(s.low);
    }
    section(out, Section::kDisclosure, d.bytes());
  }
  section(out, Section::kNormProof, c.norm_proof);
  {
    ByteWriter k;
    k.u32(static_cast<std::uint32_t>(c.rank_disclosures.size()));
    for (const drift::NormStatistic& d : c.rank_disclosures) {
      k.u64(d.high);
      k.u64(d.low);
    }
    k.u32(static_cast<std::uint32_t>(c.rank_proofs.size()));
    for (const std::vector<std::uint8_t>& proof : c.rank_proofs) {
      k.u64(proof.size());
      k.raw(proof);
    }
    section(out, Section::kRankProofs, k.bytes());
  }
  {
    ByteWriter e;
    e.u32(static_cast<std::uint32_t>(c.entry_counts.size()));
    for (const std::uint64_t n : c.entry_counts) e.u64(n);
    e.u64(c.entry_proof.size());
    e.raw(c.entry_proof);
    section(out, Section::kEntryProof, e.bytes());
  }
  const Sha256Digest checksum = sha256(out.bytes());
  out.raw(checksum);
  return std::move(out.bytes());
}

CheckFailure parse_certificate(std::span<const std::uint8_t> bytes, Certificate& out) {
  if (bytes.size() > kMaxCertificateBytes) return format_failure("larger than 1 GiB");
  if (bytes.size() < kCertificateMagic.size() + 8 + 32) return format_failure("truncated: shorter than the fixed fields");
  if (!std::equal(kCertificateMagic.begin(), kCertificateMagic.end(), bytes.begin())) {
    return format_failure("not an fti.certificate/v1 file (bad magic)");
  }
  // The checksum detects accidental corruption early; every field is still
  // checked below as if it were absent.
  const auto body = bytes.first(bytes.size() - 32);
  const Sha256Digest checksum = sha256(body);
  if (!std::equal(checksum.begin(), checksum.end(), bytes.end() - 32)) {
    return format_failure("checksum mismatch: the file is corrupt");
  }
  ByteReader r(body);
  r.raw(kCertificateMagic.size(), "magic");
  const std::uint32_t version = r.u32("version");
  if (version != kCertificateVersion) return format_failure(fmt::format("version {} (this fti reads 1)", version));
  const std::uint32_t sections = r.u32("section count");
  if (sections != kSectionCount) return format_failure(fmt::format("{} sections, v1 has {}", sections, kSectionCount));

  Certificate c;
  Sha256Digest base_root{}, candidate_root{};
  for (std::uint32_t s = 1; s <= kSectionCount; ++s) {
    const auto expected = static_cast<Section>(s);
    const std::uint32_t tag = r.u32("section tag");
    const std::uint64_t length = r.u64("section length");
    if (!r.ok()) return format_failure(r.error());
    if (tag != s) return format_failure(fmt::format("section {} where {} ({}) is due", tag, s, section_name(expected)));
    if (length > section_limit(expected) || length > r.left()) {
      return format_failure(fmt::format("{} section of {} bytes: above its limit or beyond the {} bytes left",
                                        section_name(expected), length, r.left()));
    }
    const auto data = r.raw(static_cast<std::size_t>(length), section_name(expected));
    ByteReader sr(data);
    std::string what(section_name(expected));
    switch (expected) {
      case Section::kHeader: {
        const std::string id = sr.text("protocol id", 64);
        if (sr.ok() && id != kCertificateProtocolId) sr.fail("protocol id is not fti.certificate.v1");
        const std::uint32_t security = sr.u32("params.security");
        c.params.log_blowup = sr.u32("params.log_blowup");
        c.params.commit_leaf_log_size = sr.u32("params.commit_leaf_log_size");
        c.params.fold_log_arity = sr.u32("params.fold_log_arity");
        c.params.final_log_size = sr.u32("params.final_log_size");
        c.params.num_queries = sr.u32("params.num_queries");
        c.params.grinding_bits = sr.u32("params.grinding_bits");
        c.params.cap_log = sr.u32("params.cap_log");
        const auto br = sr.raw(32, "base root");
        const auto cr = sr.raw(32, "candidate root");
        if (!sr.ok()) return format_failure(what + ": " + sr.error());
        std::copy(br.begin(), br.end(), base_root.begin());
        std::copy(cr.begin(), cr.end(), candidate_root.begin());
        if (security != static_cast<std::uint32_t>(crypto::BasefoldSecurity::kUniqueDecoding)) {
          return {"parameters", security == static_cast<std::uint32_t>(crypto::BasefoldSecurity::kConjectured)
                                    ? "insecure parameters: the conjectured (\"up to capacity\") regime is not proven"
                                    : "unknown Basefold security regime"};
        }
        c.params.security = crypto::BasefoldSecurity::kUniqueDecoding;
        if (c.params.check() != crypto::Status::kOk) return format_failure("header: Basefold parameters out of range");
        break;
      }
      case Section::kPolicy: {
        c.policy_canonical = sr.text("policy", kMaxPolicyBytes);
        const auto d = sr.raw(32, "policy digest");
        if (!sr.ok()) return format_failure(what + ": " + sr.error());
        std::copy(d.begin(), d.end(), c.policy_digest.begin());
        break;
      }
      case Section::kBaseCommitment:
      case Section::kCandidateCommitment: {
        try {
          commitment::ModelCommitment m = commitment::parse_commitment(data, what);
          (expected == Section::kBaseCommitment ? c.base : c.candidate) = std::move(m);
        } catch (const std::exception& e) {
          return format_failure(e.what());
        }
        sr.raw(data.size(), what);
        break;
      }
      case Section::kStatement: {
        std::string error;
        if (!parse_statement(data, c.statement, error)) return format_failure(error);
        sr.raw(data.size(), what);
        break;
      }
      case Section::kDisclosure: {
        const std::size_t n = sr.count("disclosure items", drift::kMaxNormItems, 16);
        c.disclosure.items.reserve(n);
        for (std::size_t i = 0; i < n && sr.ok(); ++i) {
          drift::NormStatistic st;
          st.high = sr.u64("disclosure.high");
          st.low = sr.u64("disclosure.low");
          c.disclosure.items.push_back(st);
        }
        break;
      }
      case Section::kNormProof:
        c.norm_proof.assign(data.begin(), data.end());
        sr.raw(data.size(), what);
        break;
      case Section::kRankProofs: {
        const std::size_t n = sr.count("rank disclosures", kMaxRankTensors, 16);
        c.rank_disclosures.reserve(n);
        for (std::size_t i = 0; i < n && sr.ok(); ++i) {
          drift::NormStatistic d;
          d.high = sr.u64("rank.high");
          d.low = sr.u64("rank.low");
          c.rank_disclosures.push_back(d);
        }
        const std::size_t proofs = sr.count("rank proofs", rank_chunks(kMaxRankTensors), 8);
        c.rank_proofs.resize(proofs);
        for (std::size_t i = 0; i < proofs && sr.ok(); ++i) {
          read_proof(sr, kMaxRankSectionBytes, "rank proof", c.rank_proofs[i]);
        }
        break;
      }
      case Section::kEntryProof: {
        const std::size_t n = sr.count("entry counts", kMaxEntryTensors, 8);
        c.entry_counts.reserve(n);
        for (std::size_t i = 0; i < n && sr.ok(); ++i) c.entry_counts.push_back(sr.u64("entry.changed"));
        read_proof(sr, kMaxEntrySectionBytes, "entry proof", c.entry_proof);
        break;
      }
    }
    if (!sr.ok()) return format_failure(what + ": " + sr.error());
    if (sr.left() != 0) return format_failure(fmt::format("{}: {} trailing bytes", what, sr.left()));
  }
  if (!r.ok()) return format_failure(r.error());
  if (r.left() != 0) return format_failure(fmt::format("{} bytes between the last section and the checksum", r.left()));
  if (c.base.root != base_root || c.candidate.root != candidate_root) {
    return {"commitments", "the header's roots are not the roots of the enclosed commitments"};
  }
  out = std::move(c);
  return {};
}

crypto::Transcript certificate_transcript(const crypto::BasefoldParams& params, const Sha256Digest& policy_digest,
                                          const commitment::ModelCommitment& base,
                                          const commitment::ModelCommitment& candidate,
                                          const CertStatement& statement) {
  crypto::Transcript t(kCertificateProtocolId);
  const auto words = params.words();
  t.absorb_u64s("certificate.params", words);
  t.absorb_digest("certificate.policy_digest", policy_digest);
  t.absorb_digest("certificate.base_root", base.root);
  t.absorb_digest("certificate.candidate_root", candidate.root);
  t.absorb_bytes("certificate.statement", serialize_statement(statement));
  return t;
}

std::vector<std::uint8_t> read_certificate_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read certificate " + path.string());
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::streamoff>(in.tellg());
  if (size < 0) throw Error(ErrorCode::kIo, "cannot read certificate " + path.string());
  if (static_cast<std::uint64_t>(size) > kMaxCertificateBytes) {
    throw Error(ErrorCode::kCertificate, "certificate " + path.string() + " is larger than 1 GiB");
  }
  in.seekg(0);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw Error(ErrorCode::kIo, "cannot read certificate " + path.string());
  }
  return bytes;
}

void write_certificate_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace fti::certify
