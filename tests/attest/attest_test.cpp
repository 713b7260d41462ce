// Attestations: DSSE PAE, base64, signing and verifying with Ed25519 and
// ECDSA P-256, the in-toto statement, and every rejection the verifier owes.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/attest/base64.h"
#include "engine/attest/dsse.h"
#include "engine/attest/signing_key.h"
#include "engine/attest/statement.h"
#include "engine/attest/verify_attestation.h"
#include "engine/common/error.h"
#include "engine/common/sha256.h"
#include "tests/attest/test_keys.h"
#include "tests/support/temp_dir.h"

namespace fti::attest {
namespace {

std::string as_text(const std::vector<std::uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

DriftAttestation sample() {
  DriftAttestation a;
  a.command = "gate";
  a.verdict = "compliant";
  a.fti_version = "0.1.0";
  a.subjects = {{"model.safetensors", "", std::string(64, 'a')}};
  a.policy_sha256 = std::string(64, 'b');
  a.base = {{"model.safetensors", "hf://org/base@0123", std::string(64, 'c')}};
  a.report = Resource{"report.json", "", std::string(64, 'd')};
  return a;
}

// The reason of the kCertificate error `f` throws; fails the test otherwise.
template <typename F>
std::string rejection(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCertificate) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(Dsse, PaeKnownAnswerFromTheSpec) {
  // DSSE protocol.md: PAE("http://example.com/HelloWorld", "hello world").
  EXPECT_EQ(as_text(pae("http://example.com/HelloWorld", std::string_view("hello world"))),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  EXPECT_EQ(as_text(pae("", std::string_view(""))), "DSSEv1 0  0 ");
  EXPECT_EQ(as_text(pae(kInTotoPayloadType, std::string_view("{}"))), "DSSEv1 28 application/vnd.in-toto+json 2 {}");
}

TEST(Base64, RoundTripsAndIsStrict) {
  EXPECT_EQ(base64_encode(std::string_view("")), "");
  EXPECT_EQ(base64_encode(std::string_view("f")), "Zg==");
  EXPECT_EQ(base64_encode(std::string_view("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(std::string_view("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(std::string_view("foobar")), "Zm9vYmFy");
  for (const char* text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    const auto decoded = base64_decode(base64_encode(std::string_view(text)));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(as_text(*decoded), text);
  }
  const std::vector<std::uint8_t> high = {0xfb, 0xff, 0xfe};
  EXPECT_EQ(base64_encode(high), "+//+");
  EXPECT_EQ(base64_decode("-__-"), high);  // URL-safe alphabet
  for (const char* bad : {"Zg", "Zg=", "Zh==", "Zm9v\n", "Zm 9", "Z===", "Zm9!", "+_==", "Zg==Zg==", "====", "Zm=v"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

TEST(Statement, IsCanonicalAndRoundTrips) {
  const std::string text = statement_json(sample());
  EXPECT_EQ(text.find_first_of(" \n"), std::string::npos);
  EXPECT_TRUE(text.starts_with("{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicate\":{\"base\":[{\"digest\":"))
      << text;
  EXPECT_EQ(nlohmann::json::parse(text).dump(), text);  // sorted keys, compact
  const DriftAttestation back = parse_statement(text, "s");
  EXPECT_EQ(statement_json(back), text);
  EXPECT_EQ(back.base[0].uri, "hf://org/base@0123");
  EXPECT_EQ(back.report->sha256, std::string(64, 'd'));

  DriftAttestation with_cert = sample();
  with_cert.command = "prove";
  with_cert.report.reset();
  with_cert.certificate = CertificateRef{"m.fticert", std::string(64, 'e'), std::string(64, '1'), std::string(64, '2')};
  const std::string cert_text = statement_json(with_cert);
  EXPECT_EQ(statement_json(parse_statement(cert_text, "s")), cert_text);
  EXPECT_NE(cert_text.find("\"candidateRoot\":\"" + std::string(64, '2') + "\""), std::string::npos);
}

TEST(Statement, RejectsMalformedStatements) {
  const std::string good = statement_json(sample());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  EXPECT_NE(rejection([&] { parse_statement(with("{\"_type\"", "{\"_type\":\"x\",\"_type\""), "s"); }).find("duplicate"),
            std::string::npos);
  rejection([&] { parse_statement(with("Statement/v1", "Statement/v0.1"), "s"); });
  rejection([&] { parse_statement(with("drift-gate/v1", "drift-gate/v2"), "s"); });
  rejection([&] { parse_statement(with("\"compliant\"", "\"maybe\""), "s"); });
  rejection([&] { parse_statement(with(std::string(64, 'a'), std::string(63, 'a')), "s"); });
  rejection([&] { parse_statement(with(std::string(64, 'a'), std::string(64, 'A')), "s"); });
  rejection([&] { parse_statement(with("\"predicateType\"", "\"extra\":1,\"predicateType\""), "s"); });
  rejection([&] { parse_statement(with("\"verdict\"", "\"surprise\":1,\"verdict\""), "s"); });
  rejection([&] { parse_statement("[]", "s"); });
  rejection([&] { parse_statement("{", "s"); });
}

class Signing : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const auto pair = testing::generate_key_pair(GetParam());
    const auto other = testing::generate_key_pair(GetParam() == "ED25519" ? "P-256" : "ED25519");
    key_ = std::make_unique<SigningKey>(SigningKey::from_pem(pair.private_pem, "key"));
    public_ = std::make_unique<VerifyingKey>(VerifyingKey::from_pem(pair.public_pem, "pub"));
    other_ = std::make_unique<VerifyingKey>(VerifyingKey::from_pem(other.public_pem, "other"));
    same_algorithm_other_ = std::make_unique<VerifyingKey>(
        VerifyingKey::from_pem(testing::generate_key_pair(GetParam()).public_pem, "other2"));
    statement_ = statement_json(sample());
    envelope_ = serialize_envelope(sign_envelope(kInTotoPayloadType, statement_, *key_));
  }

  nlohmann::json envelope_json() const { return nlohmann::json::parse(envelope_); }

  std::unique_ptr<SigningKey> key_;
  std::unique_ptr<VerifyingKey> public_, other_, same_algorithm_other_;
  std::string statement_, envelope_;
};

TEST_P(Signing, SignsAndVerifies) {
  EXPECT_EQ(key_->key_id(), public_->key_id());
  EXPECT_EQ(key_->key_id().size(), 64u);
  EXPECT_EQ(VerifyingKey::from_pem(key_->public_key_pem(), "pub").key_id(), key_->key_id());
  EXPECT_EQ(envelope_.back(), '\n');
  EXPECT_EQ(envelope_.find('\n'), envelope_.size() - 1);  // one JSON Lines record
  const nlohmann::json j = envelope_json();
  EXPECT_EQ(j["payloadType"], "application/vnd.in-toto+json");
  EXPECT_EQ(j["signatures"][0]["keyid"], key_->key_id());
  EXPECT_EQ(as_text(*base64_decode(j["payload"].get<std::string>())), statement_);

  const VerifiedAttestation v = verify_attestation(envelope_, "env", *public_);
  EXPECT_EQ(v.keyid, key_->key_id());
  EXPECT_EQ(statement_json(v.statement), statement_);
  // The signature is over the PAE, checkable with the raw key API.
  const auto sig = base64_decode(j["signatures"][0]["sig"].get<std::string>());
  EXPECT_TRUE(public_->verify(pae(kInTotoPayloadType, statement_), *sig));
  EXPECT_FALSE(public_->verify(std::vector<std::uint8_t>(statement_.begin(), statement_.end()), *sig));
}

TEST_P(Signing, RejectsATamperedPayload) {
  std::string tampered = statement_;
  tampered[tampered.find("compliant")] = 'C';  // one byte of the statement
  nlohmann::json j = envelope_json();
  j["payload"] = base64_encode(tampered);
  EXPECT_NE(rejection([&] { verify_attestation(j.dump(), "env", *public_); }).find("no signature verifies"),
            std::string::npos);
}

TEST_P(Signing, RejectsAWrongKey) {
  rejection([&] { verify_attestation(envelope_, "env", *other_); });
  rejection([&] { verify_attestation(envelope_, "env", *same_algorithm_other_); });
}

TEST_P(Signing, RejectsAWrongPayloadType) {
  nlohmann::json j = envelope_json();
  j["payloadType"] = "application/json";
  EXPECT_NE(rejection([&] { verify_attestation(j.dump(), "env", *public_); }).find("payloadType"), std::string::npos);
  // Re-signed under the other type: still not an in-toto statement.
  const std::string resigned = serialize_envelope(sign_envelope("application/json", statement_, *key_));
  rejection([&] { verify_attestation(resigned, "env", *public_); });
}

TEST_P(Signing, RejectsBadSignatures) {
  const std::string sig = envelope_json()["signatures"][0]["sig"].get<std::string>();
  const auto raw = *base64_decode(sig);
  auto with_sig = [&](const nlohmann::json& value) {
    nlohmann::json j = envelope_json();
    j["signatures"][0]["sig"] = value;
    return j.dump();
  };
  const std::vector<std::uint8_t> truncated(raw.begin(), raw.end() - 1);
  rejection([&] { verify_attestation(with_sig(base64_encode(truncated)), "env", *public_); });
  EXPECT_NE(rejection([&] { verify_attestation(with_sig("not base64!"), "env", *public_); }).find("base64"),
            std::string::npos);
  rejection([&] { verify_attestation(with_sig(""), "env", *public_); });
  rejection([&] { verify_attestation(with_sig(7), "env", *public_); });
  nlohmann::json none = envelope_json();
  none["signatures"] = nlohmann::json::array();
  EXPECT_NE(rejection([&] { verify_attestation(none.dump(), "env", *public_); }).find("not signed"), std::string::npos);
  // A wrong keyid is only a hint: the signature still verifies.
  nlohmann::json relabelled = envelope_json();
  relabelled["signatures"][0]["keyid"] = "someone-else";
  EXPECT_NO_THROW(verify_attestation(relabelled.dump(), "env", *public_));
}

TEST_P(Signing, RejectsDuplicateKeysAndUnknownFields) {
  std::string dup = envelope_;
  dup.replace(dup.find("{\"payload\""), 1, "{\"payloadType\":\"application/vnd.in-toto+json\",");
  EXPECT_NE(rejection([&] { verify_attestation(dup, "env", *public_); }).find("duplicate"), std::string::npos);
  nlohmann::json extra = envelope_json();
  extra["note"] = "x";
  rejection([&] { verify_attestation(extra.dump(), "env", *public_); });
  // A signed statement with a duplicate key is rejected too.
  std::string statement = statement_;
  statement.replace(0, 1, "{\"_type\":\"x\",");
  const std::string signed_dup = serialize_envelope(sign_envelope(kInTotoPayloadType, statement, *key_));
  EXPECT_NE(rejection([&] { verify_attestation(signed_dup, "env", *public_); }).find("duplicate"), std::string::npos);
}

TEST_P(Signing, ChecksSubjectFilesAndPolicy) {
  const testing::TempDir dir;
  const VerifiedAttestation v = verify_attestation(envelope_, "env", *public_);
  const auto file = dir / "model.safetensors";
  { std::ofstream(file) << "weights"; }
  // The statement's subject digest is 'a'*64: this file's differs.
  EXPECT_NE(rejection([&] { check_subject_file(v.statement, file); }).find("has sha256"), std::string::npos);
  DriftAttestation a = sample();
  a.subjects[0].sha256 = to_hex(sha256_file(file));
  EXPECT_NO_THROW(check_subject_file(a, file));
  const auto stranger = dir / "other.bin";
  { std::ofstream(stranger) << "weights"; }
  EXPECT_NE(rejection([&] { check_subject_file(a, stranger); }).find("no subject"), std::string::npos);
  EXPECT_NO_THROW(check_policy_digest(v.statement, std::string(64, 'b')));
  rejection([&] { check_policy_digest(v.statement, std::string(64, 'c')); });
}

INSTANTIATE_TEST_SUITE_P(Keys, Signing, ::testing::Values("ED25519", "P-256"),
                         [](const auto& param_info) { return param_info.param == "ED25519" ? "Ed25519" : "EcdsaP256"; });

TEST(Keys, RefusesOtherAlgorithmsAndNonKeys) {
  EVP_PKEY* rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  ASSERT_NE(rsa, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, rsa, nullptr, nullptr, 0, nullptr, nullptr), 1);
  const std::string pem = testing::bio_text(bio);
  BIO_free(bio);
  EVP_PKEY_free(rsa);
  try {
    SigningKey::from_pem(pem, "rsa.pem");
    ADD_FAILURE() << "RSA accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("unsupported key algorithm"), std::string::npos) << e.what();
  }
  EXPECT_THROW(SigningKey::from_pem("not a key", "x"), Error);
  EXPECT_THROW(VerifyingKey::from_pem(testing::generate_key_pair("ED25519").private_pem, "x"), Error);
  EXPECT_THROW(SigningKey::from_pem_file("/nonexistent/key.pem"), Error);
}

}  // namespace
}  // namespace fti::attest
