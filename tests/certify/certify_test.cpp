// Drift certificates end to end through the library (docs/PROTOCOL.md 10.4):
// generated transformer-shaped BF16 checkpoints, small Basefold parameters
// through the test-only options (the CLI tests show the CLI never accepts
// them), and a cheating prover that skips the honest prover's checks.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <random>

#include "engine/certify/certificate.h"
#include "engine/certify/certify.h"
#include "engine/certify/exact_bound.h"
#include "engine/commitment/commitment_hash.h"
#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/drift/norm.h"
#include "engine/drift/norm_layout.h"
#include "engine/drift/rank.h"
#include "engine/tensor/dtype.h"
#include "policy/canonical.h"
#include "policy/policy_parser.h"
#include "registry/checkpoint.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti::certify {
namespace {

using fti::testing::TempDir;

crypto::BasefoldParams small_params() {
  crypto::BasefoldParams p;
  p.log_blowup = 1;
  p.commit_leaf_log_size = 2;
  p.fold_log_arity = 2;
  p.final_log_size = 2;
  p.num_queries = 3;
  p.grinding_bits = 0;
  p.cap_log = 0;
  return p;
}

constexpr const char* kPolicy = R"(version: 1
rules:
  - name: attention
    match: "model.layers.*.self_attn.**"
    norm: {frobenius: {relative: 0.05}}
  - name: mlp
    match: "model.layers.*.mlp.**"
    norm: {frobenius: {absolute: 0.05, relative: 0.05}}
  - name: frozen
    match: "**"
    frozen: true
)";

// Flips mantissa bit `bit` (0 = least significant) of every BF16 value.
void flip_mantissa(TensorData& t, unsigned bit) {
  for (std::size_t i = 0; i < t.bytes.size(); i += 2) t.bytes[i] ^= static_cast<std::uint8_t>(1u << bit);
}

class Certify : public ::testing::Test {
 protected:
  void SetUp() override {
    base_tensors_ = fti::testing::make_model_tensors(1, 16, 7);
    fti::testing::write_model(dir_.path() / "base", base_tensors_, 1);
    write_candidate("good", 0, 0);     // lsb flips: relative change ~2^-8
    write_candidate("bad", 4, 0);      // bit 4: relative change ~2^-3 > 0.05
    write_candidate("frozenbad", 0, 1);
  }
  // mlp and attention tensors get `bit` flipped; with `touch_frozen` the embedding too.
  void write_candidate(const std::string& name, unsigned bit, int touch_frozen) {
    std::vector<TensorData> t = base_tensors_;
    for (TensorData& d : t) {
      const std::string& n = d.spec.name;
      if (n.find("self_attn") != std::string::npos || n.find("mlp") != std::string::npos) flip_mantissa(d, bit);
      if (touch_frozen != 0 && n == "model.embed_tokens.weight") d.bytes[0] ^= 1;
    }
    fti::testing::write_model(dir_.path() / name, t, 1);
  }
  Checkpoint open(const std::string& name) const { return Checkpoint::open_local(dir_.path() / name); }
  ProveResult prove(const std::string& cand, const char* policy_text = kPolicy, bool partial = false,
                    std::optional<std::size_t> codeword_budget = std::nullopt,
                    const commitment::ModelCommitment* stored_base = nullptr) {
    const policy::Policy policy = policy::parse_policy(policy_text, "p.yaml");
    ProveOptions o;
    o.params = small_params();
    o.enforce_security_floor = false;
    o.allow_partial = partial;
    if (codeword_budget) o.kept_codeword_budget = *codeword_budget;
    return prove_certificate(policy, open("base"), open(cand), stored_base, o);
  }
  // The opened groups held whole, or (budget 0) opened from their tables
  // (PROTOCOL.md 7.10), with the base committed in the run and stored: the
  // same certificate byte for byte, and it verifies.
  void expect_same_certificate_without_codewords(const std::string& cand, const char* policy_text) {
    commitment::CommitOptions base_options;
    base_options.params = small_params();
    const commitment::ModelCommitment stored = commitment::commit_model(open("base"), base_options);
    for (const commitment::ModelCommitment* base : {static_cast<const commitment::ModelCommitment*>(nullptr), &stored}) {
      const ProveResult held = prove(cand, policy_text, false, std::nullopt, base);
      const ProveResult lean = prove(cand, policy_text, false, 0, base);
      ASSERT_EQ(held.outcome, ProveOutcome::kCertified) << held.message;
      ASSERT_EQ(lean.outcome, ProveOutcome::kCertified) << lean.message;
      EXPECT_EQ(lean.certificate, held.certificate) << cand << " stored base " << (base != nullptr);
      EXPECT_TRUE(verify(lean.certificate, policy_text).valid());
    }
  }
  static VerifyReport verify(std::span<const std::uint8_t> bytes, const char* policy_text = kPolicy) {
    return verify_certificate(bytes, policy::parse_policy(policy_text, "p.yaml"), {.insecure_test_parameters = true});
  }
  const std::vector<std::uint8_t>& good() {
    if (good_.empty()) {
      const ProveResult r = prove("good");
      EXPECT_EQ(r.outcome, ProveOutcome::kCertified) << r.message;
      good_ = r.certificate;
    }
    return good_;
  }
  static Certificate parsed(std::span<const std::uint8_t> bytes) {
    Certificate c;
    const CheckFailure f = parse_certificate(bytes, c);
    EXPECT_FALSE(f.failed()) << f.reason;
    return c;
  }
  // What a cheating prover starts from: both models committed under the small
  // test parameters, the policy's canonical form and digest, and the prover
  // data of every group (bp/cp point into bd/cd).
  struct Forgery {
    Forgery(const Certify& fixture, const std::string& cand, const char* policy_text) {
      const policy::Policy policy = policy::parse_policy(policy_text, "p.yaml");
      const Checkpoint b = fixture.open("base"), c = fixture.open(cand);
      cert.params = small_params();
      commitment::CommitOptions o;
      o.params = cert.params;
      cert.base = commitment::commit_model(b, o);
      o.given_scales = commitment::scales_of(cert.base);
      cert.candidate = commitment::commit_model(c, o);
      cert.policy_canonical = policy::canonical_policy(policy);
      cert.policy_digest = policy::policy_digest(policy);
      for (std::size_t g = 0; g < cert.base.groups.size(); ++g) {
        bd.push_back(crypto::basefold_commit(cert.params, commitment::group_tables(b, cert.base, g)));
      }
      for (std::size_t g = 0; g < cert.candidate.groups.size(); ++g) {
        cd.push_back(crypto::basefold_commit(cert.params, commitment::group_tables(c, cert.candidate, g)));
      }
      for (const auto& d : bd) bp.push_back(&d);
      for (const auto& d : cd) cp.push_back(&d);
    }
    Certificate cert;
    std::vector<crypto::BasefoldProverData> bd, cd;
    std::vector<const crypto::BasefoldProverData*> bp, cp;
  };
  // A cheating prover: proves `statement` directly with prove_norms on the
  // certificate transcript, whatever the bounds, and serializes.
  std::vector<std::uint8_t> forge(const std::string& cand, const CertStatement& statement, const char* policy_text) {
    Forgery f(*this, cand, policy_text);
    Certificate& cert = f.cert;
    cert.statement = statement;
    drift::NormLayout layout;
    EXPECT_EQ(drift::NormLayout::make(cert.base, cert.candidate, statement.norm, layout), drift::DriftStatus::kOk);
    crypto::Transcript t =
        certificate_transcript(cert.params, cert.policy_digest, cert.base, cert.candidate, cert.statement);
    drift::NormProverOutput out = drift::prove_norms(cert.base, f.bp, cert.candidate, f.cp, statement.norm, t);
    cert.disclosure = out.disclosure;
    cert.norm_proof = out.proof.serialize();
    return serialize_certificate(cert);
  }
  CertStatement statement_of(const std::string& cand, const char* policy_text = kPolicy) {
    const policy::Policy policy = policy::parse_policy(policy_text, "p.yaml");
    commitment::CommitOptions o;
    o.params = small_params();
    const auto b = commitment::commit_model(open("base"), o);
    o.given_scales = commitment::scales_of(b);
    const auto c = commitment::commit_model(open(cand), o);
    StatementBuild build = build_statement(policy, b, c);
    EXPECT_TRUE(build.violations.empty());
    return build.statement;
  }

  TempDir dir_;
  std::vector<TensorData> base_tensors_;
  std::vector<std::uint8_t> good_;
};

TEST(ExactBound, DecimalsAreReadExactlyAndRoundedDown) {
  EXPECT_EQ(absolute_bound_squares(policy_decimal(0.5), 21), uint128{1} << 40);
  // 0.1 * 2^10 = 102.4, squared 10485.76 -> 10485 (a double product could round up).
  EXPECT_EQ(absolute_bound_squares(policy_decimal(0.1), 10), 10485u);
  EXPECT_EQ(absolute_bound_squares(policy_decimal(0.3), 2), 1u);  // 1.44
  EXPECT_EQ(absolute_bound_squares(policy_decimal(0.1), 0), 0u);
  EXPECT_EQ(absolute_bound_squares(policy_decimal(3), -1), 2u);     // 2.25
  EXPECT_EQ(absolute_bound_squares(policy_decimal(1e300), 1000), kMaxAbsoluteBound);
  EXPECT_EQ(absolute_bound_squares(policy_decimal(1e-300), -1000), 0u);
  const Ratio r = relative_bound_squares(policy_decimal(0.01));
  EXPECT_EQ(r.num, 1u);
  EXPECT_EQ(r.den, 10000u);
  const Ratio big = relative_bound_squares(policy_decimal(0.123456789012345));  // m^2 > 2^64: rounded down
  EXPECT_LE(static_cast<long double>(big.num) / big.den, 0.123456789012345L * 0.123456789012345L);
  EXPECT_GT(static_cast<long double>(big.num) / big.den, 0.123456789012345L * 0.123456789012345L * (1 - 1e-15L));
  const std::optional<Decimal> d = parse_exact_decimal("1.25e-3");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->mantissa, 125u);
  EXPECT_EQ(d->exponent, -5);
  EXPECT_FALSE(parse_exact_decimal("-1"));
  EXPECT_FALSE(parse_exact_decimal("nan"));
}

TEST_F(Certify, CompliantCandidateCertifiesAndVerifies) {
  const VerifyReport r = verify(good());
  ASSERT_TRUE(r.valid()) << failure_line(r.failure);
  EXPECT_FALSE(r.partial);
  std::size_t frozen = 0, norms = 0;
  for (const TensorFinding& f : r.tensors) {
    frozen += f.claim == "frozen" ? 1u : 0u;
    if (f.claim.starts_with("frobenius")) {
      ++norms;
      EXPECT_GT(f.norm, 0.0) << f.name;
      EXPECT_LE(f.relative, 0.05) << f.name;
    }
  }
  EXPECT_EQ(norms, 6u);   // q, k, v, o, up, down
  EXPECT_EQ(frozen, 3u);  // embeddings, layernorm, lm_head
  EXPECT_EQ(r.certificate.statement.extra_absolute.size(), 2u);  // mlp: absolute and relative
}

// The prover takes the base's commitment (and kept prover data) for the
// groups a fine-tune left untouched (CommitOptions::reference): the candidate
// commitment in the certificate is still the one its files give, for a
// candidate that changes some groups and for one that changes none.
TEST_F(Certify, TheCandidateCommitmentIsTheOneItsFilesGive) {
  fti::testing::write_model(dir_.path() / "same", base_tensors_, 1);
  commitment::CommitOptions base_options;
  base_options.params = small_params();
  const commitment::ModelCommitment stored = commitment::commit_model(open("base"), base_options);
  const policy::Policy policy = policy::parse_policy(kPolicy, "p.yaml");
  for (const std::string cand : {"good", "same"}) {
    // The base committed in the run (its kept groups shared too), then a
    // stored base commitment (no kept data: the kept groups committed whole).
    for (const bool with_stored : {false, true}) {
      ProveOptions po;
      po.params = small_params();
      po.enforce_security_floor = false;
      const ProveResult r =
          prove_certificate(policy, open("base"), open(cand), with_stored ? &stored : nullptr, po);
      ASSERT_EQ(r.outcome, ProveOutcome::kCertified) << cand << ": " << r.message;
      commitment::CommitOptions o;
      o.params = small_params();
      o.given_scales = commitment::scales_of(r.base);
      EXPECT_EQ(r.candidate, commitment::commit_model(open(cand), o)) << cand << " stored " << with_stored;
      EXPECT_TRUE(verify(r.certificate).valid()) << cand << " stored " << with_stored;
    }
  }
}

// A stored base commitment whose tensor digests are the files' but whose
// group commitments are not: the prover names the group instead of issuing a
// certificate no verifier accepts (held codewords or not).
TEST_F(Certify, AStoredBaseWithAnotherGroupCommitmentIsRefused) {
  // Every tensor changed and under a norm rule: no frozen tensor, every
  // group opened (and re-encoded from the base's files).
  std::vector<TensorData> t = base_tensors_;
  for (TensorData& d : t) flip_mantissa(d, 0);
  fti::testing::write_model(dir_.path() / "allchanged", t, 1);
  constexpr const char* kNormsOnly = R"(version: 1
rules:
  - name: all
    match: "**"
    norm: {frobenius: {relative: 0.05}}
)";
  commitment::CommitOptions base_options;
  base_options.params = small_params();
  const commitment::ModelCommitment honest = commitment::commit_model(open("base"), base_options);
  ASSERT_EQ(prove("allchanged", kNormsOnly, false, std::nullopt, &honest).outcome, ProveOutcome::kCertified);
  // Group caps changed with the roots left alone (an inconsistent file), or
  // recomputed over them (consistent, but not the files').
  for (const bool consistent : {false, true}) {
    for (const std::size_t budget : {std::size_t{0}, std::size_t{1} << 30}) {
      commitment::ModelCommitment stored = honest;
      for (crypto::BasefoldCommitment& g : stored.groups) g.cap.nodes.front()[0] ^= 1;
      if (consistent) commitment::compute_roots(stored);
      try {
        const ProveResult r = prove("allchanged", kNormsOnly, false, budget, &stored);
        ADD_FAILURE() << "no error: outcome " << static_cast<int>(r.outcome) << " " << r.message;
      } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
        EXPECT_NE(what.find(consistent ? "group 0 (" : "is not consistent"), std::string::npos) << what;
      }
    }
  }
}

TEST_F(Certify, OpenedGroupsWithoutCodewordsGiveTheSameCertificate) {
  expect_same_certificate_without_codewords("good", kPolicy);
}

TEST_F(Certify, ViolatingCandidateIsRefusedByTheProver) {
  const ProveResult r = prove("bad");
  EXPECT_EQ(r.outcome, ProveOutcome::kViolation);
  EXPECT_TRUE(r.certificate.empty());
  EXPECT_NE(r.message.find("exceeds its bound"), std::string::npos) << r.message;
  const ProveResult f = prove("frozenbad");
  EXPECT_EQ(f.outcome, ProveOutcome::kViolation);
  EXPECT_NE(f.message.find("model.embed_tokens.weight"), std::string::npos) << f.message;
}

TEST_F(Certify, ForgedProofOfAViolatingCandidateIsRejected) {
  const std::vector<std::uint8_t> forged = forge("bad", statement_of("bad"), kPolicy);
  const VerifyReport r = verify(forged);
  EXPECT_FALSE(r.valid());
  EXPECT_EQ(r.failure.check, "bounds") << failure_line(r.failure);
}

TEST_F(Certify, ForgedLooserBoundIsRejected) {
  CertStatement st = statement_of("bad");
  for (drift::NormTensor& t : st.norm.tensors) t.bound.num *= 100;  // relative 0.5 instead of 0.05
  st.extra_absolute.clear();
  const VerifyReport r = verify(forge("bad", st, kPolicy));
  EXPECT_EQ(r.failure.check, "statement") << failure_line(r.failure);
}

TEST_F(Certify, FrozenForgedIsRejected) {
  const VerifyReport r = verify(forge("frozenbad", statement_of("frozenbad"), kPolicy));
  EXPECT_EQ(r.failure.check, "frozen") << failure_line(r.failure);
}

TEST_F(Certify, AnotherPolicyIsRejected) {
  std::string other = kPolicy;
  other.replace(other.find("relative: 0.05}}"), 16, "relative: 0.06}}");
  const VerifyReport r = verify(good(), other.c_str());
  EXPECT_EQ(r.failure.check, "policy") << failure_line(r.failure);
}

TEST_F(Certify, LoweringOrEditingABoundInTheCertificateIsRejected) {
  for (int variant = 0; variant < 2; ++variant) {
    Certificate c = parsed(good());
    if (variant == 0) {
      c.statement.norm.tensors[0].bound.num = 0;  // claim a tighter bound than the policy's
    } else {
      c.statement.extra_absolute[0].max_delta_squares += 1;  // or a looser one
    }
    const VerifyReport r = verify(serialize_certificate(c));
    EXPECT_EQ(r.failure.check, "statement") << failure_line(r.failure);
  }
}

TEST_F(Certify, ReplayAgainstAnotherCandidateOrBaseIsRejected) {
  // Another compliant candidate (bit 1 flips), proven separately.
  write_candidate("good2", 1, 0);
  const ProveResult other = prove("good2");
  ASSERT_EQ(other.outcome, ProveOutcome::kCertified) << other.message;
  const Certificate o = parsed(other.certificate);
  {
    Certificate c = parsed(good());
    c.candidate = o.candidate;  // the proof of `good` against good2's commitment
    const VerifyReport r = verify(serialize_certificate(c));
    EXPECT_FALSE(r.valid());
    EXPECT_EQ(r.failure.check, "norm proof") << failure_line(r.failure);
  }
  {
    // Another base: good2 as base commitment (same shapes).
    Certificate c = parsed(good());
    commitment::CommitOptions opt;
    opt.params = small_params();
    c.base = commitment::commit_model(open("good2"), opt);
    const VerifyReport r = verify(serialize_certificate(c));
    EXPECT_FALSE(r.valid()) << "replayed against another base";
  }
}

TEST_F(Certify, SmallOrConjecturedParametersFailTheFloor) {
  // The test's small parameters: rejected without the test-only option.
  const VerifyReport r =
      verify_certificate(good(), policy::parse_policy(kPolicy, "p.yaml"));  // default: floor enforced
  EXPECT_EQ(r.failure.check, "parameters") << failure_line(r.failure);
  EXPECT_NE(r.failure.reason.find("insecure_parameters"), std::string::npos) << r.failure.reason;
  // The conjectured regime in the header (checksum recomputed): refused first.
  std::vector<std::uint8_t> bytes = good();
  const std::size_t header = kCertificateMagic.size() + 8 + 12 + 4 + kCertificateProtocolId.size();
  ASSERT_EQ(bytes[header], 1u);  // security = unique decoding
  bytes[header] = 2;
  const Sha256Digest sum = sha256(std::span(bytes).first(bytes.size() - 32));
  std::copy(sum.begin(), sum.end(), bytes.end() - 32);
  const VerifyReport c = verify(bytes);
  EXPECT_EQ(c.failure.check, "parameters") << failure_line(c.failure);
  EXPECT_NE(c.failure.reason.find("conjectured"), std::string::npos);
}

TEST_F(Certify, TruncatedCertificatesAreRejected) {
  const std::vector<std::uint8_t>& bytes = good();
  for (std::size_t len = 0; len < bytes.size(); len += 1 + len / 7) {
    const VerifyReport r = verify(std::span(bytes).first(len));
    EXPECT_EQ(r.failure.check, "format") << len;
  }
}

TEST_F(Certify, FlippedBytesAreRejected) {
  const std::vector<std::uint8_t>& bytes = good();
  const auto start = std::chrono::steady_clock::now();
  // Every byte, checksum left alone: the checksum catches it.
  for (std::size_t i = 0; i < bytes.size(); i += 1) {
    std::vector<std::uint8_t> b = bytes;
    b[i] ^= 0x01;
    if (i % 97 == 0 || i >= bytes.size() - 64) {
      EXPECT_FALSE(verify(b).valid()) << i;
    }
  }
  // A dense sample with the checksum recomputed: the structural and
  // cryptographic checks catch it (a writer with a valid checksum).
  std::mt19937_64 rng(5);
  std::size_t sampled = 0;
  for (std::size_t i = 0; i + 32 < bytes.size(); i += 1 + rng() % 64) {
    std::vector<std::uint8_t> b = bytes;
    b[i] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    const Sha256Digest sum = sha256(std::span(b).first(b.size() - 32));
    std::copy(sum.begin(), sum.end(), b.end() - 32);
    EXPECT_FALSE(verify(b).valid()) << "byte " << i;
    ++sampled;
  }
  EXPECT_GT(sampled, 100u);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 60.0);
}

TEST_F(Certify, UncertifiableRulesNeedAllowPartial) {
  const char* policy = R"(version: 1
rules:
  - name: attention
    match: "model.layers.*.self_attn.**"
    rank: {max: 4, per_head: {heads: 4}}
  - name: mlp
    match: "model.layers.*.mlp.**"
    norm: {frobenius: {relative: 0.05}, max_abs: 0.1}
  - name: frozen
    match: "**"
    frozen: true
)";
  const ProveResult refused = prove("good", policy);
  EXPECT_EQ(refused.outcome, ProveOutcome::kUncertifiable);
  EXPECT_NE(refused.message.find("attention"), std::string::npos) << refused.message;
  const ProveResult partial = prove("good", policy, true);
  ASSERT_EQ(partial.outcome, ProveOutcome::kCertified) << partial.message;
  const VerifyReport r = verify(partial.certificate, policy);
  ASSERT_TRUE(r.valid()) << failure_line(r.failure);
  EXPECT_TRUE(r.partial);
  // The rank rule without a residual (numerical rank) is not certified; mlp's max_abs is (10.6).
  ASSERT_EQ(r.certificate.statement.uncovered.size(), 1u);
  EXPECT_EQ(r.certificate.statement.uncovered[0].rule, "attention");
  EXPECT_EQ(r.certificate.statement.uncovered[0].what, "rank");
  EXPECT_EQ(r.certificate.statement.entries.size(), 2u);  // the two mlp tensors
}

// ---- max_abs and sparsity (PROTOCOL.md 10.4.3, 10.6): rules and budgets.
// N(0, 0.02) BF16 weights: an lsb flip moves a value by at most ~2^-11, a
// bit-4 flip by up to ~2^-7; every attention and mlp entry changes.

constexpr const char* kEntryPolicy = R"(version: 1
rules:
  - name: attention
    match: "model.layers.*.self_attn.**"
    sparsity: {max_fraction: 1.0}
  - name: mlp
    match: "model.layers.*.mlp.**"
    norm: {max_abs: 0.001}
  - name: frozen
    match: "**"
    frozen: true
budgets:
  - name: layers
    over: "model.layers.**"
    norm: {max_abs: 0.001}
    sparsity: {max_fraction: 1.0}
)";

std::string with_budget_fraction(const char* fraction) {
  std::string p = kEntryPolicy;
  const std::string from = "sparsity: {max_fraction: 1.0}";
  p.replace(p.rfind(from), from.size(), std::string("sparsity: {max_fraction: ") + fraction + "}");
  return p;
}

TEST_F(Certify, EntryProofsWithoutCodewordsGiveTheSameCertificate) {
  expect_same_certificate_without_codewords("good", kEntryPolicy);
}

TEST_F(Certify, MaxAbsAndSparsityRulesAndBudgetsCertifyAndVerify) {
  const ProveResult res = prove("good", kEntryPolicy);
  ASSERT_EQ(res.outcome, ProveOutcome::kCertified) << res.message;
  const VerifyReport r = verify(res.certificate, kEntryPolicy);
  ASSERT_TRUE(r.valid()) << failure_line(r.failure);
  EXPECT_FALSE(r.partial);
  const CertStatement& st = r.certificate.statement;
  ASSERT_EQ(st.entries.size(), 6u);  // 4 attention + 2 mlp: every tensor gets both claims through the budget
  for (const EntryEntry& e : st.entries) {
    EXPECT_TRUE(e.has_max_abs);
    EXPECT_TRUE(e.has_count);
  }
  ASSERT_EQ(st.count_budgets.size(), 1u);
  EXPECT_EQ(st.count_budgets[0].positions.size(), 6u);  // the layer norms are frozen: count 0
  EXPECT_EQ(st.count_budgets[0].max_changed, 4u * 256 + 2u * 512 + 16u);
  std::size_t with_entry = 0;
  for (const TensorFinding& f : r.tensors) {
    if (!f.entry) continue;
    ++with_entry;
    ASSERT_TRUE(f.entry->max_abs_bound.has_value());
    EXPECT_LE(*f.entry->max_abs_bound, 0.001);
    EXPECT_GT(*f.entry->max_abs_bound, 0.0009);
    ASSERT_TRUE(f.entry->changed.has_value());
    EXPECT_GT(*f.entry->changed + f.entry->slack, 200u) << f.name;  // (nearly) every entry changed
  }
  EXPECT_EQ(with_entry, 6u);
}

TEST_F(Certify, MaxAbsOrSparsityViolationsAreRefusedByTheProver) {
  const ProveResult bad = prove("bad", kEntryPolicy);
  EXPECT_EQ(bad.outcome, ProveOutcome::kViolation);
  EXPECT_NE(bad.message.find("max |Delta| = "), std::string::npos) << bad.message;
  EXPECT_NE(bad.message.find(" exceeds 0.000999"), std::string::npos) << bad.message;
  EXPECT_TRUE(bad.certificate.empty());
  const std::string tight = with_budget_fraction("0.5");
  const ProveResult budget = prove("good", tight.c_str());
  EXPECT_EQ(budget.outcome, ProveOutcome::kViolation);
  EXPECT_NE(budget.message.find("budget \"layers\""), std::string::npos) << budget.message;
  std::string per_tensor = kEntryPolicy;
  per_tensor.replace(per_tensor.find("{max_fraction: 1.0}"), 19, "{max_changed: 10}");
  const ProveResult rule = prove("good", per_tensor.c_str());
  EXPECT_EQ(rule.outcome, ProveOutcome::kViolation);
  EXPECT_NE(rule.message.find("above the sparsity bound"), std::string::npos) << rule.message;
}

TEST_F(Certify, EditedEntryBoundsCountsOrPoliciesAreRejected) {
  const ProveResult res = prove("good", kEntryPolicy);
  ASSERT_EQ(res.outcome, ProveOutcome::kCertified) << res.message;
  {
    Certificate c = parsed(res.certificate);
    c.statement.entries[0].max_abs += 1;  // a looser bound than the policy's
    EXPECT_EQ(verify(serialize_certificate(c), kEntryPolicy).failure.check, "statement");
  }
  {
    Certificate c = parsed(res.certificate);
    c.statement.count_budgets[0].max_changed += 1;
    EXPECT_EQ(verify(serialize_certificate(c), kEntryPolicy).failure.check, "statement");
  }
  {
    Certificate c = parsed(res.certificate);
    c.entry_counts[0] -= 1;  // a count below the proven one
    EXPECT_EQ(verify(serialize_certificate(c), kEntryPolicy).failure.check, "entry proof");
  }
  {
    Certificate c = parsed(res.certificate);
    std::swap(c.entry_counts[0], c.entry_counts[2]);  // an mlp tensor's count for an attention tensor's
    EXPECT_FALSE(verify(serialize_certificate(c), kEntryPolicy).valid());
  }
  // A tighter policy: another digest, and its statement would differ too.
  std::string tighter = kEntryPolicy;
  tighter.replace(tighter.find("max_abs: 0.001}\n  - name: frozen"), 14, "max_abs: 0.0009");
  EXPECT_EQ(verify(res.certificate, tighter.c_str()).failure.check, "policy");
  // Against another candidate's commitment.
  write_candidate("good2", 1, 0);
  const ProveResult other = prove("good2", kEntryPolicy);
  ASSERT_EQ(other.outcome, ProveOutcome::kCertified) << other.message;
  Certificate c = parsed(res.certificate);
  c.candidate = parsed(other.certificate).candidate;
  EXPECT_FALSE(verify(serialize_certificate(c), kEntryPolicy).valid());
}

// ---- Frobenius-norm budgets (PROTOCOL.md 10.4.3): the allowed attention and
// mlp tensors and the frozen layer norms all join the norm proof.

constexpr const char* kNormBudgetPolicy = R"(version: 1
rules:
  - name: attention
    match: "model.layers.*.self_attn.**"
    allow: true
  - name: mlp
    match: "model.layers.*.mlp.**"
    allow: true
  - name: frozen
    match: "**"
    frozen: true
budgets:
  - name: total
    over: "model.layers.**"
    norm: {frobenius: {relative: 0.05, absolute: 10}}
)";

TEST_F(Certify, NormBudgetsCertifyVerifyAndRefuseAViolation) {
  const ProveResult res = prove("good", kNormBudgetPolicy);
  ASSERT_EQ(res.outcome, ProveOutcome::kCertified) << res.message;
  const VerifyReport r = verify(res.certificate, kNormBudgetPolicy);
  ASSERT_TRUE(r.valid()) << failure_line(r.failure);
  EXPECT_FALSE(r.partial);
  const CertStatement& st = r.certificate.statement;
  ASSERT_EQ(st.norm_budgets.size(), 1u);
  EXPECT_EQ(st.norm_budgets[0].positions.size(), 7u);  // 4 attention, 2 mlp, the layer norm
  for (const drift::NormTensor& t : st.norm.tensors) EXPECT_TRUE(t.base_squares);
  // bit-4 flips: ~2^-3 relative change, above 5%.
  const ProveResult bad = prove("bad", kNormBudgetPolicy);
  EXPECT_EQ(bad.outcome, ProveOutcome::kViolation);
  EXPECT_NE(bad.message.find("budget \"total\""), std::string::npos) << bad.message;
  // A tighter absolute budget refuses the good candidate too (its total
  // ||Delta|| is ~2^-8 of ~||B|| = 0.02 sqrt(2064) ~ 0.9).
  std::string tight = kNormBudgetPolicy;
  tight.replace(tight.find("absolute: 10"), 12, "absolute: 0.0001");
  EXPECT_EQ(prove("good", tight.c_str()).outcome, ProveOutcome::kViolation);
  // Editing the budget in the certificate, or verifying under the tight policy.
  Certificate c = parsed(res.certificate);
  c.statement.norm_budgets[0].num += 1;
  EXPECT_EQ(verify(serialize_certificate(c), kNormBudgetPolicy).failure.check, "statement");
  c = parsed(res.certificate);
  c.statement.norm_budgets[0].positions.pop_back();  // drop a tensor from the sum
  EXPECT_EQ(verify(serialize_certificate(c), kNormBudgetPolicy).failure.check, "statement");
  EXPECT_EQ(verify(res.certificate, tight.c_str()).failure.check, "policy");
}

TEST_F(Certify, FrobeniusBoundsKeepTheMarginOfRoundedValues) {
  // The mlp up projection gets four values far below its exact range (they
  // round, 9.2.3) in base and candidate: a bound between the encodings'
  // ||Delta|| and ||Delta|| plus the rounding margin sqrt(k) 2^-s passes the
  // norm proof's own check but not the certificate's (10.4.3).
  std::vector<TensorData> t = base_tensors_;
  for (TensorData& d : t) {
    if (d.spec.name != "model.layers.0.mlp.up_proj.weight") continue;
    for (std::size_t i = 0; i < 4; ++i) {
      const std::uint16_t tiny = double_to_bf16(3e-9 * static_cast<double>(i + 1));
      d.bytes[2 * i * 37] = static_cast<std::uint8_t>(tiny);
      d.bytes[2 * i * 37 + 1] = static_cast<std::uint8_t>(tiny >> 8);
    }
  }
  fti::testing::write_model(dir_.path() / "base", t, 1);
  for (TensorData& d : t) {
    if (d.spec.name.find("mlp.up_proj") != std::string::npos) flip_mantissa(d, 0);
  }
  fti::testing::write_model(dir_.path() / "rounded", t, 1);
  const auto policy_with = [](double beta) {
    return "version: 1\nrules:\n  - name: up\n    match: \"model.layers.*.mlp.up_proj.weight\"\n"
           "    norm: {frobenius: {absolute: " + fmt::format("{:.17g}", beta) + "}}\n"
           "  - name: frozen\n    match: \"**\"\n    frozen: true\n";
  };
  const std::string loose = policy_with(1.0);
  const ProveResult first = prove("rounded", loose.c_str());
  ASSERT_EQ(first.outcome, ProveOutcome::kCertified) << first.message;
  const VerifyReport r = verify(first.certificate, loose.c_str());
  ASSERT_TRUE(r.valid()) << failure_line(r.failure);
  const commitment::TensorRecord* b = r.certificate.base.find("model.layers.0.mlp.up_proj.weight");
  const commitment::TensorRecord* c = r.certificate.candidate.find("model.layers.0.mlp.up_proj.weight");
  ASSERT_NE(b, nullptr);
  const std::uint64_t k = b->inexact + c->inexact;
  ASSERT_GE(k, 1u);
  uint128 s = 0;
  for (const TensorFinding& f : r.tensors) {
    if (f.name == b->name) s = f.delta_squares;
  }
  ASSERT_GT(s, uint128{0});
  // beta 2^s = sqrt(S) + sqrt(k) / 2: above the encodings' norm, below the margin.
  const double root = std::sqrt(static_cast<double>(s));
  const std::string tight = policy_with(std::ldexp(root + 0.5 * std::sqrt(static_cast<double>(k)), -b->scale));
  const ProveResult refused = prove("rounded", tight.c_str());
  EXPECT_EQ(refused.outcome, ProveOutcome::kViolation);
  EXPECT_NE(refused.message.find("with the margin of its rounded values"), std::string::npos) << refused.message;
  // And with the margin covered, it certifies.
  const std::string covered = policy_with(std::ldexp(root + std::sqrt(static_cast<double>(k)) + 2.0, -b->scale));
  EXPECT_EQ(prove("rounded", covered.c_str()).outcome, ProveOutcome::kCertified);
}

TEST(ExactBound, ScaledSumsCompareExactlyAcrossScales) {
  // 3 at scale 0 plus 4 at scale 1 (= 1 in real units) is 4 <= 2^2.
  const ScaledSquares terms[] = {{3, 0}, {4, 1}};
  EXPECT_TRUE(scaled_sum_le_square(terms, {2, 0}));
  const ScaledSquares more[] = {{3, 0}, {5, 1}};  // 4.25 > 4
  EXPECT_FALSE(scaled_sum_le_square(more, {2, 0}));
  // Scales 1100 apart: 1 at scale 1100 is 2^-2200, nothing next to 1.
  const ScaledSquares wide[] = {{4, 0}, {1, 1100}};
  EXPECT_FALSE(scaled_sum_le_square(wide, {2, 0}));
  const ScaledSquares exact[] = {{4, 0}, {0, 1100}};
  EXPECT_TRUE(scaled_sum_le_square(exact, {2, 0}));
  // den * sum a <= num * sum b: (1 + 1/4) * 4 <= 5 * (1).
  const ScaledSquares a[] = {{1, 0}, {1, 1}};
  const ScaledSquares b[] = {{1, 0}};
  EXPECT_TRUE(scaled_sums_ratio_le(a, b, 5, 4));
  EXPECT_FALSE(scaled_sums_ratio_le(a, b, 4, 4));
  EXPECT_EQ(absolute_bound_units({1, -3}, 10), 1u);       // floor(0.001 * 1024)
  EXPECT_EQ(absolute_bound_units({5, -1}, 3), 4u);        // 0.5 * 8
  EXPECT_EQ(fraction_count({25, -2}, 10), 2u);            // floor(0.25 * 10)
  EXPECT_EQ(fraction_count({1, 0}, 2064), 2064u);
  EXPECT_EQ(fraction_count({3, 0}, 7), 7u);               // capped at the total
  EXPECT_EQ(floor_sqrt(99), 9u);
  EXPECT_EQ(ceil_sqrt(99), 10u);
  EXPECT_EQ(ceil_sqrt(100), 10u);
  EXPECT_EQ(floor_sqrt(uint128{1} << 100), std::uint64_t{1} << 50);
  EXPECT_EQ(delta_squares_upper(99, 0), uint128{99});
  EXPECT_EQ(delta_squares_upper(99, 4), uint128{144});  // (10 + 2)^2
  EXPECT_EQ(base_squares_lower(99, 0), uint128{99});
  EXPECT_EQ(base_squares_lower(99, 2), uint128{49});    // (9 - 2)^2
  EXPECT_EQ(base_squares_lower(3, 9), uint128{0});
}

TEST_F(Certify, FlippedBytesInTheEntrySectionAreRejected) {
  const ProveResult res = prove("good", kEntryPolicy);
  ASSERT_EQ(res.outcome, ProveOutcome::kCertified) << res.message;
  Certificate c = parsed(res.certificate);
  const std::vector<std::uint8_t> proof = c.entry_proof;
  // Every 997th byte of the entry proof (checksum recomputed by serialize).
  for (std::size_t i = 0; i < proof.size(); i += 997) {
    c.entry_proof = proof;
    c.entry_proof[i] ^= 0x01;
    EXPECT_FALSE(verify(serialize_certificate(c), kEntryPolicy).valid()) << i;
  }
}


// ---- Rank rules (PROTOCOL.md 10.4.3, 10.5): q under a relative residual
// bound, v under an absolute one combined with a Frobenius bound.

constexpr const char* kRankPolicy = R"(version: 1
rules:
  - name: lora-q
    match: "model.layers.*.self_attn.q_proj.weight"
    rank: {max: 3, residual: {relative: 1%}}
  - name: lora-v
    match: "model.layers.*.self_attn.v_proj.weight"
    rank: {max: 2, residual: {absolute: 0.01}}
    norm: {frobenius: {relative: 50%}}
  - name: frozen
    match: "**"
    frozen: true
)";

// Adds a rank-`rank` update (entries ~ `size`) to q and v, merged in BF16.
void add_low_rank(std::vector<TensorData>& tensors, unsigned rank, double size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (TensorData& d : tensors) {
    const std::string& n = d.spec.name;
    if (n.find("q_proj") == std::string::npos && n.find("v_proj") == std::string::npos) continue;
    const std::size_t rows = d.spec.shape[0], cols = d.spec.shape[1];
    std::vector<double> a(rank * cols), b(rows * rank);
    for (double& x : a) x = normal(rng);
    for (double& x : b) x = normal(rng) * size / std::sqrt(static_cast<double>(rank));
    for (std::size_t i = 0; i < rows; ++i) {
      for (std::size_t j = 0; j < cols; ++j) {
        const std::size_t at = 2 * (i * cols + j);
        const auto bits = static_cast<std::uint16_t>(d.bytes[at] | (d.bytes[at + 1] << 8));
        double v = bf16_to_double(bits);
        for (unsigned k = 0; k < rank; ++k) v += b[i * rank + k] * a[k * cols + j];
        const std::uint16_t out = double_to_bf16(v);
        d.bytes[at] = static_cast<std::uint8_t>(out);
        d.bytes[at + 1] = static_cast<std::uint8_t>(out >> 8);
      }
    }
  }
}

// Adds per-head rank-`rank` updates merged in BF16: q cut into `heads`
// blocks of rows, v into `heads` blocks of columns, each block its own factors.
void add_head_low_rank(std::vector<TensorData>& tensors, unsigned rank, double size, std::uint64_t seed,
                       std::size_t heads) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (TensorData& d : tensors) {
    const std::string& n = d.spec.name;
    const bool by_rows = n.find("q_proj") != std::string::npos;
    if (!by_rows && n.find("v_proj") == std::string::npos) continue;
    const std::size_t rows = d.spec.shape[0], cols = d.spec.shape[1];
    const std::size_t hr = by_rows ? rows / heads : rows, hc = by_rows ? cols : cols / heads;
    for (std::size_t h = 0; h < heads; ++h) {
      std::vector<double> a(rank * hc), b(hr * rank);
      for (double& x : a) x = normal(rng);
      for (double& x : b) x = normal(rng) * size / std::sqrt(static_cast<double>(rank));
      for (std::size_t i = 0; i < hr; ++i) {
        for (std::size_t j = 0; j < hc; ++j) {
          const std::size_t row = by_rows ? h * hr + i : i, col = by_rows ? j : h * hc + j;
          const std::size_t at = 2 * (row * cols + col);
          double v = bf16_to_double(static_cast<std::uint16_t>(d.bytes[at] | (d.bytes[at + 1] << 8)));
          for (unsigned k = 0; k < rank; ++k) v += b[i * rank + k] * a[k * hc + j];
          const std::uint16_t out = double_to_bf16(v);
          d.bytes[at] = static_cast<std::uint8_t>(out);
          d.bytes[at + 1] = static_cast<std::uint8_t>(out >> 8);
        }
      }
    }
  }
}

std::string head_policy(std::size_t heads, bool per_head = true) {
  const std::string h = per_head ? fmt::format(", per_head: {{heads: {}}}", heads) : "";
  const std::string hv = per_head ? fmt::format(", per_head: {{heads: {}, axis: in}}", heads) : "";
  return "version: 1\nrules:\n"
         "  - name: q-heads\n    match: \"model.layers.*.self_attn.q_proj.weight\"\n"
         "    rank: {max: 2, residual: {relative: 1%}" + h + "}\n"
         "  - name: v-heads\n    match: \"model.layers.*.self_attn.v_proj.weight\"\n"
         "    rank: {max: 2, residual: {absolute: 0.01}" + hv + "}\n"
         "  - name: frozen\n    match: \"**\"\n    frozen: true\n";
}

class RankCertify : public Certify {
 protected:
  void SetUp() override {
    base_tensors_ = fti::testing::make_model_tensors(1, 32, 11);
    fti::testing::write_model(dir_.path() / "base", base_tensors_, 1);
    write_low_rank("lowrank", 2, 1);
    write_low_rank("lowrank2", 2, 2);
    write_low_rank("rank4", 4, 3);
  }
  void write_low_rank(const std::string& name, unsigned rank, std::uint64_t seed) {
    std::vector<TensorData> t = base_tensors_;
    add_low_rank(t, rank, 0.005, seed);
    fti::testing::write_model(dir_.path() / name, t, 1);
  }
  const std::vector<std::uint8_t>& rank_good() {
    if (rank_good_.empty()) {
      const ProveResult r = prove("lowrank", kRankPolicy);
      EXPECT_EQ(r.outcome, ProveOutcome::kCertified) << r.message;
      rank_good_ = r.certificate;
    }
    return rank_good_;
  }
  // A cheating prover: proves `statement` (rank parameters included) as is,
  // bounds unchecked, norm proof then rank proofs on the certificate transcript.
  std::vector<std::uint8_t> forge_rank(const std::string& cand, CertStatement statement,
                                       const char* policy_text = kRankPolicy) {
    Forgery f(*this, cand, policy_text);
    Certificate& cert = f.cert;
    // Parameters a prover may pick: the largest t with bu = 8 accepted.
    for (RankEntry& e : statement.rank) {
      if (e.factor_bits != 0) continue;
      for (unsigned t = drift::kMaxRankShift + 1; t-- > 0;) {
        set_rank_parameters(e, cert.base.tensors[e.tensor].scale, 8, t);
        drift::RankLayout l;
        if (drift::RankLayout::make(cert.base, cert.candidate, rank_drift_statement(e, statement.norm.range_limb_bits),
                                    l) == drift::DriftStatus::kOk) {
          break;
        }
      }
    }
    cert.statement = statement;
    crypto::Transcript t =
        certificate_transcript(cert.params, cert.policy_digest, cert.base, cert.candidate, cert.statement);
    drift::NormProverOutput out = drift::prove_norms(cert.base, f.bp, cert.candidate, f.cp, statement.norm, t);
    cert.disclosure = out.disclosure;
    cert.norm_proof = out.proof.serialize();
    std::vector<drift::RankStatement> claims;
    for (const RankEntry& e : statement.rank) claims.push_back(rank_drift_statement(e, statement.norm.range_limb_bits));
    if (!claims.empty()) {
      drift::RankProverOutput r = drift::prove_ranks(cert.base, f.bp, cert.candidate, f.cp, claims, t);
      cert.rank_disclosures = r.disclosures;
      cert.rank_proofs = {r.proof.serialize()};
    }
    return serialize_certificate(cert);
  }
  std::vector<std::uint8_t> rank_good_;
};

TEST_F(RankCertify, CompliantLowRankCandidateCertifiesAndVerifies) {
  const VerifyReport r = verify(rank_good(), kRankPolicy);
  ASSERT_TRUE(r.valid()) << failure_line(r.failure);
  EXPECT_FALSE(r.partial);
  const CertStatement& st = r.certificate.statement;
  ASSERT_EQ(st.rank.size(), 2u);
  EXPECT_EQ(st.rank[0].rank, 3u);
  EXPECT_TRUE(st.rank[0].has_relative);
  EXPECT_EQ(st.rank[1].rank, 2u);
  EXPECT_TRUE(st.rank[1].has_absolute);
  // q joins the norm statement for Q only; v has its own Frobenius bound.
  ASSERT_EQ(st.norm.tensors.size(), 2u);
  EXPECT_TRUE(st.norm.tensors[0].base_squares);
  EXPECT_EQ(st.norm.tensors[0].bound.kind, drift::NormBoundKind::kNone);
  EXPECT_EQ(st.norm.tensors[1].bound.kind, drift::NormBoundKind::kRelative);
  std::size_t ranks = 0;
  for (const TensorFinding& f : r.tensors) {
    if (!f.rank) continue;
    ++ranks;
    EXPECT_TRUE(f.uncovered.empty()) << f.name;
    EXPECT_GT(f.rank->residual, 0.0) << f.name;
    if (f.rank->relative_bound) {
      EXPECT_EQ(f.claim, "rank");
      EXPECT_LE(f.rank->relative, 0.01) << f.name;
      EXPECT_GT(f.rank->base_norm, 0.0);
    } else {
      EXPECT_EQ(f.claim, "frobenius.relative");
      EXPECT_LE(f.rank->residual, 0.01) << f.name;
    }
  }
  EXPECT_EQ(ranks, 2u);
}

TEST_F(RankCertify, RankProofsWithoutCodewordsGiveTheSameCertificate) {
  expect_same_certificate_without_codewords("lowrank", kRankPolicy);
}

TEST_F(RankCertify, HigherRankUpdateIsRefusedByTheProver) {
  const ProveResult r = prove("rank4", kRankPolicy);
  EXPECT_EQ(r.outcome, ProveOutcome::kViolation);
  EXPECT_TRUE(r.certificate.empty());
  EXPECT_NE(r.message.find("rank-3 residual"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("rank-2 residual"), std::string::npos) << r.message;
}

TEST_F(RankCertify, ForgedProofsOfAHigherRankUpdateAreRejected) {
  // Honest statement, bounds unchecked by the forger: the verifier's bounds.
  const CertStatement honest = statement_of("rank4", kRankPolicy);
  VerifyReport r = verify(forge_rank("rank4", honest), kRankPolicy);
  EXPECT_EQ(r.failure.check, "bounds") << failure_line(r.failure);
  // A looser relative bound, a looser absolute bound, another r: the statement.
  for (int variant = 0; variant < 3; ++variant) {
    CertStatement st = honest;
    if (variant == 0) st.rank[0].num *= 10000;
    if (variant == 1) st.rank[1].absolute = policy_decimal(1.0);
    if (variant == 2) st.rank[0].rank = 4;  // same rank-index variables as r = 3
    r = verify(forge_rank("rank4", st), kRankPolicy);
    EXPECT_EQ(r.failure.check, "statement") << variant << ": " << failure_line(r.failure);
  }
}

TEST_F(RankCertify, ResidualBoundsKeepTheMarginOfRoundedValues) {
  // Four base values of v far below its exact range (they round, 9.2.3): an
  // absolute residual bound between the encodings' sqrt(R) 2^-(s+t) and
  // (sqrt(R) + 2^t sqrt(k)) 2^-(s+t) passes the rank proof's own check but not
  // the certificate's (10.4.3), for the prover and for the verifier.
  std::vector<TensorData> t = base_tensors_;
  const std::string v = "model.layers.0.self_attn.v_proj.weight";
  for (TensorData& d : t) {
    if (d.spec.name != v) continue;
    for (std::size_t i = 0; i < 4; ++i) {
      const std::uint16_t tiny = double_to_bf16(3e-9 * static_cast<double>(i + 1));
      d.bytes[2 * i * 37] = static_cast<std::uint8_t>(tiny);
      d.bytes[2 * i * 37 + 1] = static_cast<std::uint8_t>(tiny >> 8);
    }
  }
  fti::testing::write_model(dir_.path() / "base", t, 1);
  add_low_rank(t, 2, 0.005, 1);
  fti::testing::write_model(dir_.path() / "rounded", t, 1);
  const auto policy_with = [](double beta) {
    return std::string(kRankPolicy).replace(std::string(kRankPolicy).find("absolute: 0.01"), 14,
                                            "absolute: " + fmt::format("{:.17g}", beta));
  };
  const std::string loose = policy_with(1.0);
  const ProveResult first = prove("rounded", loose.c_str());
  ASSERT_EQ(first.outcome, ProveOutcome::kCertified) << first.message;
  const VerifyReport r = verify(first.certificate, loose.c_str());
  ASSERT_TRUE(r.valid()) << failure_line(r.failure);
  const commitment::TensorRecord* b = r.certificate.base.find(v);
  const commitment::TensorRecord* c = r.certificate.candidate.find(v);
  ASSERT_NE(b, nullptr);
  const std::uint64_t k = b->inexact + c->inexact;
  ASSERT_GE(k, 1u);
  std::optional<RankFinding> rf;
  for (const TensorFinding& f : r.tensors) {
    if (f.name == v) rf = f.rank;
  }
  ASSERT_TRUE(rf.has_value());
  ASSERT_GT(rf->residual_squares, uint128{0});
  const double root = std::sqrt(static_cast<double>(rf->residual_squares));
  const double unit = std::ldexp(1.0, static_cast<int>(rf->shift));  // 2^t
  const int exponent = -(b->scale + static_cast<int>(rf->shift));
  const std::string tight = policy_with(std::ldexp(root + 0.5 * unit * std::sqrt(static_cast<double>(k)), exponent));
  const ProveResult refused = prove("rounded", tight.c_str());
  EXPECT_EQ(refused.outcome, ProveOutcome::kViolation);
  EXPECT_NE(refused.message.find("with the margin of its rounded values"), std::string::npos) << refused.message;
  // A forger that skips the prover's checks, at the honest parameters: the verifier's bounds.
  CertStatement st = statement_of("rounded", tight.c_str());
  for (std::size_t i = 0; i < st.rank.size(); ++i) {
    const RankEntry& honest = r.certificate.statement.rank[i];
    set_rank_parameters(st.rank[i], r.certificate.base.tensors[st.rank[i].tensor].scale, honest.factor_bits,
                        honest.shift);
  }
  const VerifyReport forged = verify(forge_rank("rounded", st, tight.c_str()), tight.c_str());
  EXPECT_EQ(forged.failure.check, "bounds") << failure_line(forged.failure);
  EXPECT_NE(forged.failure.reason.find("margin"), std::string::npos) << failure_line(forged.failure);
  // With the margin covered, it certifies.
  const std::string covered =
      policy_with(std::ldexp(root + unit * (std::sqrt(static_cast<double>(k)) + 2.0), exponent));
  const ProveResult ok = prove("rounded", covered.c_str());
  ASSERT_EQ(ok.outcome, ProveOutcome::kCertified) << ok.message;
  EXPECT_TRUE(verify(ok.certificate, covered.c_str()).valid());
}

TEST_F(RankCertify, PerHeadRankCertifiesAndVerifies) {
  // q: 4 heads of 8 rows, v: 4 heads of 8 columns, each head its own rank-2 update.
  std::vector<TensorData> t = base_tensors_;
  add_head_low_rank(t, 2, 0.005, 21, 4);
  fti::testing::write_model(dir_.path() / "heads", t, 1);
  const std::string policy = head_policy(4);
  const ProveResult r = prove("heads", policy.c_str());
  ASSERT_EQ(r.outcome, ProveOutcome::kCertified) << r.message;
  const VerifyReport v = verify(r.certificate, policy.c_str());
  ASSERT_TRUE(v.valid()) << failure_line(v.failure);
  EXPECT_FALSE(v.partial);
  const CertStatement& st = v.certificate.statement;
  ASSERT_EQ(st.rank.size(), 2u);  // q, v of layer 0 (base index order: q before v)
  EXPECT_EQ(st.rank[0].head_axis, drift::RankHeadAxis::kRows);
  EXPECT_EQ(st.rank[1].head_axis, drift::RankHeadAxis::kCols);
  EXPECT_EQ(st.rank[0].head_block_vars, 3u);
  EXPECT_EQ(st.rank[1].head_block_vars, 3u);
  // The same update under one rank-2 bound per tensor: far above the bounds, refused.
  const std::string whole = head_policy(4, false);
  const ProveResult refused = prove("heads", whole.c_str());
  EXPECT_EQ(refused.outcome, ProveOutcome::kViolation) << refused.message;
  // Another head size or axis in the certificate: the proof's shapes no
  // longer parse (format) or, where they do, the rebuilt statement differs.
  for (int variant = 0; variant < 3; ++variant) {
    Certificate c = parsed(r.certificate);
    if (variant == 0) c.statement.rank[0].head_block_vars = 2;
    if (variant == 1) c.statement.rank[1].head_axis = drift::RankHeadAxis::kRows;
    if (variant == 2) c.statement.rank[0].head_block_vars = 5;  // one head: the plain layout, same shapes as r = 2
    const VerifyReport e = verify(serialize_certificate(c), policy.c_str());
    EXPECT_FALSE(e.valid()) << variant;
    EXPECT_TRUE(e.failure.check == "format" || e.failure.check == "statement") << variant << ": "
                                                                                << failure_line(e.failure);
  }
}

TEST_F(RankCertify, PerHeadOnATransposedViewCutsTheStoredColumns) {
  // GPT-2's c_attn is stored (in, out) = (32, 96); the policy's view is 96 x 32
  // and its 3 heads (axis out) are blocks of 32 view rows: stored columns
  // [32h, 32h + 32). Each such block gets its own rank-2 update.
  std::mt19937_64 rng(31);
  std::normal_distribution<double> normal(0.0, 0.02), unit(0.0, 1.0);
  std::vector<TensorData> t = {fti::testing::random_bf16_tensor("h.0.attn.c_attn.weight", {32, 96}, rng, normal),
                               fti::testing::random_bf16_tensor("wte.weight", {64, 32}, rng, normal)};
  fti::testing::write_model(dir_.path() / "base", t, 1);
  TensorData& w = t[0];
  for (std::size_t h = 0; h < 3; ++h) {
    std::vector<double> a(2 * 32), b(32 * 2);
    for (double& x : a) x = unit(rng) * 0.005;
    for (double& x : b) x = unit(rng);
    for (std::size_t i = 0; i < 32; ++i) {
      for (std::size_t j = 0; j < 32; ++j) {
        const std::size_t at = 2 * (i * 96 + 32 * h + j);
        double v = bf16_to_double(static_cast<std::uint16_t>(w.bytes[at] | (w.bytes[at + 1] << 8)));
        for (std::size_t k = 0; k < 2; ++k) v += a[i * 2 + k] * b[j * 2 + k];
        const std::uint16_t out = double_to_bf16(v);
        w.bytes[at] = static_cast<std::uint8_t>(out);
        w.bytes[at + 1] = static_cast<std::uint8_t>(out >> 8);
      }
    }
  }
  fti::testing::write_model(dir_.path() / "gpt2", t, 1);
  const auto policy_with = [](const std::string& heads) {
    return "version: 1\npreset: gpt2\nrules:\n  - name: qkv\n    match: \"h.*.attn.c_attn.weight\"\n"
           "    rank: {max: 2, residual: {relative: 1%}, per_head: " + heads + "}\n"
           "  - name: frozen\n    match: \"**\"\n    frozen: true\n";
  };
  const std::string out_heads = policy_with("{heads: 3}");
  const ProveResult r = prove("gpt2", out_heads.c_str());
  ASSERT_EQ(r.outcome, ProveOutcome::kCertified) << r.message;
  const VerifyReport v = verify(r.certificate, out_heads.c_str());
  ASSERT_TRUE(v.valid()) << failure_line(v.failure);
  ASSERT_EQ(v.certificate.statement.rank.size(), 1u);
  EXPECT_EQ(v.certificate.statement.rank[0].head_axis, drift::RankHeadAxis::kCols);  // the view's rows
  EXPECT_EQ(v.certificate.statement.rank[0].head_block_vars, 5u);
  // Heads along the other side (view columns = stored rows, 2 blocks of 16):
  // each block still carries all three rank-2 updates, so rank 2 is refused.
  const std::string in_heads = policy_with("{heads: 2, axis: in}");
  const ProveResult wrong = prove("gpt2", in_heads.c_str());
  EXPECT_EQ(wrong.outcome, ProveOutcome::kViolation) << wrong.message;
  EXPECT_NE(wrong.message.find("rank-2 residual"), std::string::npos) << wrong.message;
}

TEST_F(RankCertify, PerHeadBlocksThatAreNotAPowerOfTwoAreNotCertified) {
  // hidden 24: 3 heads are blocks of 8 (certified), 2 heads blocks of 12 (not yet).
  std::vector<TensorData> t = fti::testing::make_model_tensors(1, 24, 11);
  fti::testing::write_model(dir_.path() / "base", t, 1);
  add_head_low_rank(t, 2, 0.005, 22, 3);
  fti::testing::write_model(dir_.path() / "heads24", t, 1);
  const std::string three = head_policy(3);
  const ProveResult ok = prove("heads24", three.c_str());
  ASSERT_EQ(ok.outcome, ProveOutcome::kCertified) << ok.message;
  EXPECT_TRUE(verify(ok.certificate, three.c_str()).valid());
  const std::string two = head_policy(2);
  EXPECT_EQ(prove("heads24", two.c_str()).outcome, ProveOutcome::kUncertifiable);
  const ProveResult partial = prove("heads24", two.c_str(), true);
  ASSERT_FALSE(partial.certificate.empty()) << partial.message;
  const VerifyReport r = verify(partial.certificate, two.c_str());
  EXPECT_TRUE(r.valid()) << failure_line(r.failure);
  EXPECT_TRUE(r.partial);
}

TEST_F(RankCertify, MoreRankTensorsThanOneProofTakesAreProvenInChunks) {
  // 65 layers x 4 attention projections of 8 x 8: 260 rank claims, above the
  // 256 of one proof (drift::kMaxRankClaims): two rank proofs in order.
  std::vector<TensorData> t = fti::testing::make_model_tensors(65, 8, 12);
  fti::testing::write_model(dir_.path() / "base", t, 1);
  add_low_rank(t, 1, 0.005, 13);
  fti::testing::write_model(dir_.path() / "many", t, 1);
  const char* policy = R"(version: 1
rules:
  - name: attention
    match: "model.layers.*.self_attn.**"
    rank: {max: 1, residual: {absolute: 1.0}}
  - name: frozen
    match: "**"
    frozen: true
)";
  const ProveResult r = prove("many", policy);
  ASSERT_EQ(r.outcome, ProveOutcome::kCertified) << r.message;
  const VerifyReport v = verify(r.certificate, policy);
  ASSERT_TRUE(v.valid()) << failure_line(v.failure);
  EXPECT_EQ(v.certificate.statement.rank.size(), 260u);
  ASSERT_EQ(v.certificate.rank_proofs.size(), 2u);
  EXPECT_EQ(rank_chunks(260), 2u);
  // The chunks swapped, or one dropped: rejected.
  Certificate c = parsed(r.certificate);
  std::swap(c.rank_proofs[0], c.rank_proofs[1]);
  EXPECT_FALSE(verify(serialize_certificate(c), policy).valid());
  c.rank_proofs.pop_back();
  const VerifyReport dropped = verify(serialize_certificate(c), policy);
  EXPECT_EQ(dropped.failure.check, "format") << failure_line(dropped.failure);
}

TEST_F(RankCertify, EditedRankParametersOrBoundsAreRejected) {
  for (int variant = 0; variant < 4; ++variant) {
    Certificate c = parsed(rank_good());
    if (variant == 0) c.statement.rank[1].max_residual_squares += 1;
    if (variant == 1) c.statement.rank[0].num += 1;
    if (variant == 2) c.statement.rank[0].shift += 1;         // the proof was made at another t
    if (variant == 3) c.statement.rank[1].factor_bits = 24;   // E_max^2 >= 2^63: RankLayout refuses
    const VerifyReport r = verify(serialize_certificate(c), kRankPolicy);
    EXPECT_FALSE(r.valid()) << variant;
    if (variant != 2) {
      EXPECT_EQ(r.failure.check, "statement") << variant << ": " << failure_line(r.failure);
    }
  }
}

TEST_F(RankCertify, ReplayAgainstAnotherCandidateIsRejected) {
  const ProveResult other = prove("lowrank2", kRankPolicy);
  ASSERT_EQ(other.outcome, ProveOutcome::kCertified) << other.message;
  const Certificate o = parsed(other.certificate);
  {
    Certificate c = parsed(rank_good());
    c.candidate = o.candidate;
    const VerifyReport r = verify(serialize_certificate(c), kRankPolicy);
    EXPECT_FALSE(r.valid());
  }
  {
    // Only the rank proofs of the other certificate (same statement shape).
    Certificate c = parsed(rank_good());
    c.rank_disclosures = o.rank_disclosures;
    c.rank_proofs = o.rank_proofs;
    c.statement.rank = o.statement.rank;
    const VerifyReport r = verify(serialize_certificate(c), kRankPolicy);
    EXPECT_FALSE(r.valid());
  }
}

TEST_F(RankCertify, FlippedBytesInTheRankSectionAreRejected) {
  const std::vector<std::uint8_t>& bytes = rank_good();
  // Walk the sections to the rank proofs (tag 8).
  std::size_t at = kCertificateMagic.size() + 8, begin = 0, end = 0;
  for (std::uint32_t s = 1; s <= kSectionCount; ++s) {
    std::uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len |= std::uint64_t{bytes[at + 4 + static_cast<std::size_t>(i)]} << (8 * i);
    if (s == static_cast<std::uint32_t>(Section::kRankProofs)) {
      begin = at;
      end = at + 12 + static_cast<std::size_t>(len);
    }
    at += 12 + static_cast<std::size_t>(len);
  }
  ASSERT_GT(end, begin + 1000);
  std::mt19937_64 rng(9);
  std::size_t sampled = 0;
  for (std::size_t i = begin; i < end; i += 1 + rng() % 997) {
    std::vector<std::uint8_t> b = bytes;
    b[i] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    const Sha256Digest sum = sha256(std::span(b).first(b.size() - 32));
    std::copy(sum.begin(), sum.end(), b.end() - 32);
    EXPECT_FALSE(verify(b, kRankPolicy).valid()) << "byte " << i;
    ++sampled;
  }
  EXPECT_GT(sampled, 50u);
}

}  // namespace
}  // namespace fti::certify
