// OpenSSF model-signing v1.0 signatures (engine/attest/model_signing.h): the
// root digest against model_signing's own test vector, bundles built the way
// the reference signer builds them, verification of a model directory, and
// every rejection a hostile or stale signature owes.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/attest/base64.h"
#include "engine/attest/dsse.h"
#include "engine/attest/model_signing.h"
#include "engine/attest/signing_key.h"
#include "engine/common/error.h"
#include "engine/common/sha256.h"
#include "registry/checkpoint.h"
#include "tests/attest/test_keys.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti::attest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The message of the `code` error `f` throws; fails the test otherwise.
template <typename F>
std::string rejection(ErrorCode code, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return {};
}

bool mentions(const std::string& message, const std::string& part) {
  return message.find(part) != std::string::npos;
}

// model_signing's `sample_model_folder` fixture (tests/conftest.py in
// sigstore/model-transparency): d0/f00..d1/f12 and f0..f3 with known text.
void write_upstream_sample_model(const fs::path& root) {
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      const std::string name = "f" + std::to_string(i) + std::to_string(j);
      const std::string dir = "d" + std::to_string(i);
      fs::create_directories(root / dir);
      testing::write_text(root / dir / name, "This is file " + name + " in " + dir + ".");
    }
  }
  for (int i = 0; i < 4; ++i) {
    const std::string name = "f" + std::to_string(i);
    testing::write_text(root / name, "This is file " + name + " in root.");
  }
}

std::string unsigned_bundle(const std::string& statement) {
  return model_signing_bundle_json(unsigned_envelope(kInTotoPayloadType, statement), "");
}

std::string unsigned_bundle(const json& statement) { return unsigned_bundle(statement.dump()); }

// A small checkpoint as a model directory: two safetensors shards, the
// index, and a config file.
class ModelSigningDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = dir_.path() / "model";
    fs::create_directories(model_);
    testing::write_model(model_, testing::make_model_tensors(2, 8, 11), 2);
    testing::write_text(model_ / "config.json", "{\"model_type\": \"llama\"}\n");
    fs::create_directories(model_ / "tokenizer");
    testing::write_text(model_ / "tokenizer" / "vocab.txt", "a\nb\n");
    manifest_ = build_model_signing_manifest(model_, "model");
  }

  json statement() const { return json::parse(model_signing_statement_json(manifest_)); }

  ModelSigningManifest parsed(const json& statement) const {
    return parse_model_signing_bundle(unsigned_bundle(statement), "model.sig").manifest;
  }

  testing::TempDir dir_;
  fs::path model_;
  ModelSigningManifest manifest_;
};

TEST(ModelSigningRootDigest, MatchesModelSigningsOwnTestVector) {
  // Golden payload tests/_signing/testdata/signing/TestPayload/sample_model_folder
  // in sigstore/model-transparency: the subject digest is SHA-256 over the
  // raw 32-byte file digests, concatenated in the listed order.
  testing::TempDir dir;
  write_upstream_sample_model(dir.path());
  const ModelSigningManifest built = build_model_signing_manifest(dir.path(), "sample_model");
  EXPECT_EQ(built.root_sha256, "143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7");
  ASSERT_EQ(built.resources.size(), 10u);
  EXPECT_EQ(built.resources.front().path, "d0/f00");
  EXPECT_EQ(built.resources.front().sha256, "fdd8925354242a7fd1515e79534317b800015607a609cd306e0b4dcfe6c92249");
  EXPECT_EQ(built.resources.back().path, "f3");
  EXPECT_EQ(built.resources.back().sha256, "912bcf5ebdf44dc7b4085b07940e0a81d157fba24b276e73fd911121d4544c4a");

  // The golden statement, as model_signing's protobuf printer lays it out.
  std::string golden =
      "{\n  \"_type\": \"https://in-toto.io/Statement/v1\",\n  \"subject\": [{\"name\": \"sample_model\", "
      "\"digest\": {\"sha256\": \"143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7\"}}],\n"
      "  \"predicateType\": \"https://model_signing/signature/v1.0\",\n  \"predicate\": {\n"
      "    \"serialization\": {\"method\": \"files\", \"hash_type\": \"sha256\", \"allow_symlinks\": true},\n"
      "    \"resources\": [\n";
  for (std::size_t i = 0; i < built.resources.size(); ++i) {
    golden += "      {\"algorithm\": \"sha256\", \"digest\": \"" + built.resources[i].sha256 + "\", \"name\": \"" +
              built.resources[i].path + "\"}" + (i + 1 < built.resources.size() ? ",\n" : "\n");
  }
  golden += "    ]\n  }\n}\n";
  const ModelSigningBundle bundle = parse_model_signing_bundle(unsigned_bundle(golden), "golden.sig");
  EXPECT_EQ(bundle.manifest.model_name, "sample_model");
  EXPECT_TRUE(bundle.manifest.allow_symlinks);
  const ModelSigningDirectoryReport report = verify_manifest_against_directory(bundle.manifest, dir.path());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.verified.size(), 10u);
}

TEST(ModelSigningRootDigest, FollowsTheListedOrder) {
  // Both reference verifiers hash the resources in the order listed, and the
  // two reference signers sort differently: Python by path component
  // ("a/b" before "a.txt"), Go by bytes ("a.txt" first, '.' < '/'). fti
  // builds in the Python order and verifies either.
  testing::TempDir dir;
  fs::create_directories(dir.path() / "a");
  testing::write_text(dir.path() / "a" / "b", "inside");
  testing::write_text(dir.path() / "a.txt", "beside");
  const ModelSigningManifest python_order = build_model_signing_manifest(dir.path(), "m");
  ASSERT_EQ(python_order.resources.size(), 2u);
  EXPECT_EQ(python_order.resources[0].path, "a/b");
  EXPECT_EQ(python_order.resources[1].path, "a.txt");

  ModelSigningManifest go_order = python_order;
  std::swap(go_order.resources[0], go_order.resources[1]);
  go_order.root_sha256 = model_signing_root_digest(go_order.resources);
  EXPECT_NE(go_order.root_sha256, python_order.root_sha256);
  for (const ModelSigningManifest& m : {python_order, go_order}) {
    const ModelSigningBundle b = parse_model_signing_bundle(unsigned_bundle(model_signing_statement_json(m)), "m.sig");
    EXPECT_TRUE(verify_manifest_against_directory(b.manifest, dir.path()).ok());
  }
  // Reordered without re-hashing: the manifest no longer matches its root.
  ModelSigningManifest reordered = python_order;
  std::swap(reordered.resources[0], reordered.resources[1]);
  rejection(ErrorCode::kIntegrity,
            [&] { parse_model_signing_bundle(unsigned_bundle(model_signing_statement_json(reordered)), "m.sig"); });
  EXPECT_FALSE(verify_manifest_against_directory(reordered, dir.path()).root_matches);
}

TEST_F(ModelSigningDirectory, NamesFilesByTheDigestsFtiUses) {
  const ModelSigningBundle bundle =
      parse_model_signing_bundle(unsigned_bundle(model_signing_statement_json(manifest_)), "model.sig");
  EXPECT_EQ(bundle.media_type, "application/vnd.dev.sigstore.bundle.v0.3+json");
  EXPECT_EQ(bundle.manifest.model_name, "model");
  EXPECT_EQ(bundle.manifest.serialization_method, "files");
  EXPECT_EQ(bundle.manifest.hash_type, "sha256");
  EXPECT_EQ(bundle.manifest.root_sha256, manifest_.root_sha256);
  EXPECT_EQ(model_signing_statement_json(bundle.manifest), model_signing_statement_json(manifest_));
  // The checkpoint's files carry the same SHA-256 in fti's reports.
  const Checkpoint checkpoint = Checkpoint::open_local(model_);
  ASSERT_EQ(checkpoint.file_count(), 2u);
  for (std::size_t i = 0; i < checkpoint.file_count(); ++i) {
    const ModelSigningResource* resource = find_resource(bundle.manifest, checkpoint.file_source(i).name);
    ASSERT_NE(resource, nullptr) << checkpoint.file_source(i).name;
    EXPECT_EQ(resource->sha256, to_hex(checkpoint.file_sha256(i)));
  }
  const ModelSigningDirectoryReport report = require_manifest_matches_directory(bundle.manifest, model_);
  EXPECT_EQ(report.verified.size(), manifest_.resources.size());
  EXPECT_EQ(report.computed_root_sha256, manifest_.root_sha256);
  EXPECT_NE(find_resource(bundle.manifest, "tokenizer/vocab.txt"), nullptr);
}

TEST_F(ModelSigningDirectory, ReportsATamperedFileByName) {
  testing::write_text(model_ / "config.json", "{\"model_type\": \"gpt2\"}\n");
  const ModelSigningDirectoryReport report = verify_manifest_against_directory(manifest_, model_);
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.mismatched.size(), 1u);
  EXPECT_EQ(report.mismatched[0].path, "config.json");
  EXPECT_EQ(report.mismatched[0].expected_sha256, find_resource(manifest_, "config.json")->sha256);
  EXPECT_EQ(report.mismatched[0].actual_sha256, to_hex(sha256_file(model_ / "config.json")));
  EXPECT_TRUE(report.missing.empty() && report.extra.empty() && report.root_matches);
  const std::string message =
      rejection(ErrorCode::kIntegrity, [&] { require_manifest_matches_directory(manifest_, model_); });
  EXPECT_TRUE(mentions(message, "changed \"config.json\"")) << message;
}

TEST_F(ModelSigningDirectory, ReportsMissingAndExtraFilesByName) {
  fs::remove(model_ / "tokenizer" / "vocab.txt");
  testing::write_text(model_ / "tokenizer" / "merges.txt", "x y\n");
  testing::write_text(model_ / "extra.bin", "surprise");
  const ModelSigningDirectoryReport report = verify_manifest_against_directory(manifest_, model_);
  EXPECT_EQ(report.missing, std::vector<std::string>{"tokenizer/vocab.txt"});
  EXPECT_EQ(report.extra, (std::vector<std::string>{"extra.bin", "tokenizer/merges.txt"}));
  EXPECT_TRUE(report.mismatched.empty());
  const std::string message =
      rejection(ErrorCode::kIntegrity, [&] { require_manifest_matches_directory(manifest_, model_); });
  EXPECT_TRUE(mentions(message, "missing \"tokenizer/vocab.txt\"")) << message;
  EXPECT_TRUE(mentions(message, "not in the signature \"extra.bin\", \"tokenizer/merges.txt\"")) << message;
}

TEST_F(ModelSigningDirectory, HonorsIgnorePathsAndGitFiles) {
  fs::create_directories(model_ / ".git");
  testing::write_text(model_ / ".git" / "HEAD", "ref: refs/heads/main\n");
  testing::write_text(model_ / ".gitattributes", "*.safetensors filter=lfs\n");
  fs::create_directories(model_ / "logs" / "run1");
  testing::write_text(model_ / "logs" / "run1" / "train.log", "loss 1.0\n");
  testing::write_text(model_ / "model.sig", "{}");
  testing::write_text(model_ / "logs.txt", "not under logs/\n");

  json s = statement();
  s["predicate"]["serialization"]["ignore_paths"] = json::array({"logs", "/elsewhere/model.sig", "../outside"});
  const ModelSigningManifest m = parsed(s);
  EXPECT_EQ(m.ignore_paths.size(), 3u);
  ModelSigningVerifyOptions options;
  options.extra_ignore_paths = {"model.sig"};
  ModelSigningDirectoryReport report = verify_manifest_against_directory(m, model_, options);
  EXPECT_EQ(report.extra, std::vector<std::string>{"logs.txt"});  // component-wise, not a string prefix

  options.ignore_git_paths = false;
  report = verify_manifest_against_directory(m, model_, options);
  EXPECT_EQ(report.extra, (std::vector<std::string>{".git/HEAD", ".gitattributes", "logs.txt"}));

  // A listed file is checked even where an ignore path covers it.
  testing::write_text(model_ / "logs" / "run1" / "train.log", "loss 2.0\n");
  ModelSigningManifest with_log = m;
  with_log.resources.push_back({"logs/run1/train.log", to_hex(sha256(std::string_view("loss 1.0\n")))});
  with_log.root_sha256 = model_signing_root_digest(with_log.resources);
  report = verify_manifest_against_directory(with_log, model_);
  ASSERT_EQ(report.mismatched.size(), 1u);
  EXPECT_EQ(report.mismatched[0].path, "logs/run1/train.log");

  // An ignore path that would cover the whole model is refused.
  for (const char* whole : {".", "", "a//b", "./config.json"}) {
    json bad = statement();
    bad["predicate"]["serialization"]["ignore_paths"] = json::array({whole});
    EXPECT_TRUE(mentions(rejection(ErrorCode::kInput, [&] { parsed(bad); }), "ignore_paths[0]")) << whole;
  }
}

TEST_F(ModelSigningDirectory, RefusesSymlinksUnlessTheSignatureAllowsThem) {
  testing::write_text(dir_.path() / "outside.txt", "linked");
  fs::create_symlink(dir_.path() / "outside.txt", model_ / "linked.txt");
  ModelSigningManifest m = manifest_;
  m.resources.push_back({"linked.txt", to_hex(sha256(std::string_view("linked")))});
  m.root_sha256 = model_signing_root_digest(m.resources);
  ModelSigningDirectoryReport report = verify_manifest_against_directory(m, model_);
  ASSERT_EQ(report.refused.size(), 1u);
  EXPECT_EQ(report.refused[0].path, "linked.txt");
  EXPECT_TRUE(report.missing.empty());  // refused, not reported twice
  EXPECT_FALSE(report.ok());

  m.allow_symlinks = true;
  report = verify_manifest_against_directory(m, model_);
  EXPECT_TRUE(report.ok());

  fs::create_directories(dir_.path() / "outside_dir");
  fs::create_directory_symlink(dir_.path() / "outside_dir", model_ / "linked_dir");
  report = verify_manifest_against_directory(m, model_);
  ASSERT_EQ(report.refused.size(), 1u);
  EXPECT_EQ(report.refused[0].path, "linked_dir");
  EXPECT_TRUE(mentions(report.refused[0].reason, "directory"));
}

TEST_F(ModelSigningDirectory, RejectsAWrongRootDigest) {
  json s = statement();
  s["subject"][0]["digest"]["sha256"] = std::string(64, 'e');
  const std::string message = rejection(ErrorCode::kIntegrity, [&] { parsed(s); });
  EXPECT_TRUE(mentions(message, "model.sig: the manifest is inconsistent")) << message;
  EXPECT_TRUE(mentions(message, manifest_.root_sha256)) << message;

  // A manifest given directly (not parsed) is checked against its root too.
  ModelSigningManifest wrong = manifest_;
  wrong.root_sha256 = std::string(64, 'e');
  const ModelSigningDirectoryReport report = verify_manifest_against_directory(wrong, model_);
  EXPECT_FALSE(report.root_matches);
  EXPECT_TRUE(report.mismatched.empty() && report.missing.empty() && report.extra.empty());
  EXPECT_TRUE(mentions(rejection(ErrorCode::kIntegrity, [&] { require_manifest_matches_directory(wrong, model_); }),
                       "not the signed root"));
}

TEST_F(ModelSigningDirectory, RejectsMalformedStatementsNamingTheField) {
  struct Case {
    const char* expect;
    std::function<void(json&)> edit;
  };
  const std::vector<Case> cases = {
      {"predicateType \"https://model_signing/signature/v2.0\"",
       [](json& s) { s["predicateType"] = "https://model_signing/signature/v2.0"; }},
      {"before v1.0", [](json& s) { s["predicateType"] = "https://model_signing/Digests/v0.1"; }},
      {"statement._type", [](json& s) { s["_type"] = "https://in-toto.io/Statement/v0.1"; }},
      {"unknown field statement.extra", [](json& s) { s["extra"] = 1; }},
      {"subject has 2 entries", [](json& s) { s["subject"].push_back(s["subject"][0]); }},
      {"subject[0].digest.sha256 is not 64 lowercase hex",
       [](json& s) { s["subject"][0]["digest"]["sha256"] = std::string(64, 'E'); }},
      {"subject[0].digest.sha512 is not a string", [](json& s) { s["subject"][0]["digest"]["sha512"] = 5; }},
      {"subject[0].digest.sha256 is missing", [](json& s) { s["subject"][0]["digest"] = {{"sha512", "00"}}; }},
      {"subject[0].name is not a string", [](json& s) { s["subject"][0]["name"] = json::array(); }},
      {"hash_type \"blake2\" is not supported",
       [](json& s) { s["predicate"]["serialization"]["hash_type"] = "blake2"; }},
      {"method \"shards\" is not supported", [](json& s) { s["predicate"]["serialization"]["method"] = "shards"; }},
      {"unknown field predicate.serialization.shard_size",
       [](json& s) { s["predicate"]["serialization"]["shard_size"] = 8.0; }},
      {"allow_symlinks is not a boolean",
       [](json& s) { s["predicate"]["serialization"]["allow_symlinks"] = "false"; }},
      {"predicate.serialization is missing", [](json& s) { s["predicate"].erase("serialization"); }},
      {"predicate.resources is empty", [](json& s) { s["predicate"]["resources"] = json::array(); }},
      {"resources[0].algorithm \"blake2b\"", [](json& s) { s["predicate"]["resources"][0]["algorithm"] = "blake2b"; }},
      {"resources[0].digest is not 64", [](json& s) { s["predicate"]["resources"][0]["digest"] = "abcd"; }},
      {"resources[0].digest is not a string", [](json& s) { s["predicate"]["resources"][0]["digest"] = 5; }},
      {"resources[0].name is missing", [](json& s) { s["predicate"]["resources"][0].erase("name"); }},
      {"\"../secrets\" has a '..' component", [](json& s) { s["predicate"]["resources"][0]["name"] = "../secrets"; }},
      {"is an absolute path", [](json& s) { s["predicate"]["resources"][0]["name"] = "/etc/passwd"; }},
      {"has an empty component", [](json& s) { s["predicate"]["resources"][0]["name"] = "tokenizer//vocab.txt"; }},
      {"single-file model", [](json& s) { s["predicate"]["resources"][0]["name"] = "."; }},
      {"twice", [](json& s) { s["predicate"]["resources"].push_back(s["predicate"]["resources"][0]); }},
  };
  for (const Case& c : cases) {
    json s = statement();
    c.edit(s);
    const std::string message = rejection(ErrorCode::kInput, [&] { parsed(s); });
    EXPECT_TRUE(mentions(message, c.expect)) << c.expect << " | " << message;
    EXPECT_TRUE(message.starts_with("model.sig: ")) << message;
  }
  // Unknown predicate fields are ignored, as the v1.0 predicate asks, and so
  // are other resource-descriptor fields and digest algorithms.
  json future = statement();
  future["predicate"]["modelCard"] = {{"name", "README.md"}};
  future["predicate"]["resources"][0]["annotations"] = {{"note", "x"}};
  future["subject"][0]["digest"]["sha512"] = "00";
  future["subject"][0]["uri"] = "hf://org/model";
  EXPECT_EQ(parsed(future).root_sha256, manifest_.root_sha256);
}

TEST_F(ModelSigningDirectory, RejectsMalformedBundles) {
  const std::string good = unsigned_bundle(statement());
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const auto input_error = [](const std::string& text) {
    return rejection(ErrorCode::kInput, [&] { parse_model_signing_bundle(text, "model.sig"); });
  };
  EXPECT_TRUE(mentions(input_error(good.substr(0, good.size() / 2)), "invalid JSON"));
  for (const char* garbage : {"!", "A"}) {  // not in the alphabet; not a multiple of four
    EXPECT_TRUE(mentions(input_error(with("\"payload\":\"", std::string("\"payload\":\"") + garbage)),
                         "dsseEnvelope.payload is not valid base64"));
  }
  EXPECT_TRUE(mentions(input_error(with("application/vnd.in-toto+json", "application/json")), "payloadType"));
  EXPECT_TRUE(mentions(input_error(with("bundle.v0.3+json", "bundle.v9+json")), "bundle.mediaType"));
  EXPECT_TRUE(mentions(input_error(with("\"mediaType\"", "\"mediaType\":\"x\",\"mediaType\"")), "duplicate"));
  EXPECT_TRUE(mentions(input_error(with("\"dsseEnvelope\":{", "\"dsseEnvelope\":{\"extra\":1,")),
                       "unknown field dsseEnvelope.extra"));
  EXPECT_TRUE(mentions(input_error(with("\"dsseEnvelope\"", "\"messageSignature\":{},\"dsseEnvelope\"")),
                       "messageSignature"));
  EXPECT_TRUE(mentions(input_error(with("\"tlogEntries\":[]", "\"tlogEntries\":{}")),
                       "verificationMaterial.tlogEntries is not an array"));
  EXPECT_TRUE(mentions(input_error(with("\"publicKey\"", "\"certificate\":{},\"publicKey\"")), "more than one"));
  EXPECT_TRUE(mentions(input_error("[]"), "not a JSON object"));
  EXPECT_TRUE(mentions(input_error("{\"hello\":1}"), "neither a Sigstore bundle"));
  const std::string payload = base64_encode(std::string_view("{\"_type\":"));
  EXPECT_TRUE(mentions(input_error(with(json::parse(good)["dsseEnvelope"]["payload"].get<std::string>(), payload)),
                       "(statement): invalid JSON"));
  std::string deep(200, '[');
  EXPECT_TRUE(mentions(input_error(deep + std::string(200, ']')), "nested deeper"));
}

TEST_F(ModelSigningDirectory, RefusesOversizedSignatures) {
  const std::string big(kMaxModelSigningBundleBytes + 1, ' ');
  rejection(ErrorCode::kLimit, [&] { parse_model_signing_bundle(big, "big.sig"); });
  // From a file, the size is checked before anything is read (a sparse file).
  const fs::path file = dir_.path() / "big.sig";
  testing::write_text(file, "{");
  fs::resize_file(file, kMaxModelSigningBundleBytes + 1);
  EXPECT_TRUE(mentions(rejection(ErrorCode::kLimit, [&] { read_model_signing_bundle(file); }), "big.sig"));
  rejection(ErrorCode::kIo, [&] { read_model_signing_bundle(dir_.path() / "absent.sig"); });
  EXPECT_TRUE(mentions(rejection(ErrorCode::kIo, [&] { read_model_signing_bundle(model_); }), "not a regular file"));

  const fs::path sig = dir_.path() / "model.sig";
  testing::write_text(sig, unsigned_bundle(statement()));
  EXPECT_EQ(read_model_signing_bundle(sig).manifest.root_sha256, manifest_.root_sha256);
}

// tests/fuzz/corpus/model_signing_fuzz/key_p256.sig: written with Python's json and
// base64 and signed with `openssl dgst -sha256 -sign` over the DSSE PAE, no fti code.
constexpr const char* kExternalPayload =
    "ewogICJfdHlwZSI6ICJodHRwczovL2luLXRvdG8uaW8vU3RhdGVtZW50L3YxIiwKICAic3ViamVjdCI6IFsKICAgIHsKICAg"
    "ICAgIm5hbWUiOiAibW9kZWwiLAogICAgICAiZGlnZXN0IjogewogICAgICAgICJzaGEyNTYiOiAiYmY0NGU1MzkwZjY0NTAx"
    "YmJjZmExMTAzYjJlN2MwZDFmNTk0MWZiMmVhYjBmNWVmNTk4MDhlMWNjZWJkMTFjZCIKICAgICAgfQogICAgfQogIF0sCiAg"
    "InByZWRpY2F0ZVR5cGUiOiAiaHR0cHM6Ly9tb2RlbF9zaWduaW5nL3NpZ25hdHVyZS92MS4wIiwKICAicHJlZGljYXRlIjog"
    "ewogICAgInNlcmlhbGl6YXRpb24iOiB7CiAgICAgICJtZXRob2QiOiAiZmlsZXMiLAogICAgICAiaGFzaF90eXBlIjogInNo"
    "YTI1NiIsCiAgICAgICJhbGxvd19zeW1saW5rcyI6IGZhbHNlLAogICAgICAiaWdub3JlX3BhdGhzIjogWwogICAgICAgICIu"
    "Z2l0IiwKICAgICAgICAiLmdpdGF0dHJpYnV0ZXMiLAogICAgICAgICIuZ2l0aHViIiwKICAgICAgICAiLmdpdGlnbm9yZSIs"
    "CiAgICAgICAgIm1vZGVsLnNpZyIKICAgICAgXQogICAgfSwKICAgICJyZXNvdXJjZXMiOiBbCiAgICAgIHsKICAgICAgICAi"
    "bmFtZSI6ICJjb25maWcuanNvbiIsCiAgICAgICAgImFsZ29yaXRobSI6ICJzaGEyNTYiLAogICAgICAgICJkaWdlc3QiOiAi"
    "NGJlYmY3ZGJhMmUzN2NlNjE2NjQ5M2NkY2ZiOGY2MTgxMGRiODg4NDQxMzliZTJiOTMyZGU3ZTAyNzViYWJkMCIKICAgICAg"
    "fSwKICAgICAgewogICAgICAgICJuYW1lIjogIm1vZGVsLnNhZmV0ZW5zb3JzIiwKICAgICAgICAiYWxnb3JpdGhtIjogInNo"
    "YTI1NiIsCiAgICAgICAgImRpZ2VzdCI6ICI5YmJjYmY3MzU2MWY2YmM1ZDBhMTdlYTZhMjA4MWZlZWQyZDEzMDRlODc2MDJk"
    "OGM1MDJkOWE1YzRiZDg1NTc2IgogICAgICB9LAogICAgICB7CiAgICAgICAgIm5hbWUiOiAidG9rZW5pemVyL3ZvY2FiLnR4"
    "dCIsCiAgICAgICAgImFsZ29yaXRobSI6ICJzaGEyNTYiLAogICAgICAgICJkaWdlc3QiOiAiOTExMTY5ZGRhYWYxNDZhZmY1"
    "MzlmNThjMjZjNDg5YWYzYjg5MmRmZjBmZTI4M2MxYzI2NGM2NWFlNWFhNTlhMiIKICAgICAgfQogICAgXQogIH0KfQ=="
    ;
constexpr const char* kExternalSignature =
    "MEUCIB+eAkLJ/tL3YVW+Ofl0+M179UWqr3b2QV+H6ffQgo16AiEAwCpSKbAeSQlE0eMmLQSWzN+URzpAYqETgNras+ikv3c="
    ;
constexpr const char* kExternalHint = "049c04ee1acca1def7a1c3f46cc3a2e549564dee78add65d38de001ecdef2efb";
constexpr const char* kExternalPublicKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBwzzcO1hwNJQIx603TQmGKF1/nH3\n"
    "vKVHlj1CCaK5cpJgcqJPwhnnjNcOzYlXtzyOJ9S4/8R++40ds4fGPWbqVw==\n"
    "-----END PUBLIC KEY-----\n"
    ;

TEST(ModelSigningExternal, VerifiesABundleSignedOutsideFti) {
  const json bundle_json = {
      {"mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json"},
      {"verificationMaterial", {{"publicKey", {{"hint", kExternalHint}}}, {"tlogEntries", json::array()}}},
      {"dsseEnvelope",
       {{"payload", kExternalPayload},
        {"payloadType", "application/vnd.in-toto+json"},
        {"signatures", json::array({json{{"sig", kExternalSignature}, {"keyid", ""}}})}}}};
  const ModelSigningBundle bundle = parse_model_signing_bundle(bundle_json.dump(2), "key_p256.sig");
  const VerifyingKey key = VerifyingKey::from_pem(kExternalPublicKey, "key.pub.pem");
  EXPECT_EQ(verify_model_signing_signature(bundle, key, "key_p256.sig"), key.key_id());
  EXPECT_EQ(bundle.manifest.ignore_paths,
            (std::vector<std::string>{".git", ".gitattributes", ".github", ".gitignore", "model.sig"}));

  // The model it signs, with the signature file inside (an ignore path).
  testing::TempDir dir;
  testing::write_text(dir.path() / "config.json", "{\"model_type\": \"llama\"}\n");
  const std::string safetensors("\x08\0\0\0\0\0\0\0{}      ", 16);  // header length 8, "{}" padded
  testing::write_bytes(dir.path() / "model.safetensors",
                       std::vector<std::uint8_t>(safetensors.begin(), safetensors.end()));
  fs::create_directories(dir.path() / "tokenizer");
  testing::write_text(dir.path() / "tokenizer" / "vocab.txt", "a\nb\n");
  testing::write_text(dir.path() / "model.sig", bundle_json.dump(2));
  EXPECT_TRUE(require_manifest_matches_directory(bundle.manifest, dir.path()).ok());

  json tampered = bundle_json;
  tampered["dsseEnvelope"]["signatures"][0]["sig"] = base64_encode(std::string_view("not a signature"));
  rejection(ErrorCode::kCertificate, [&] {
    verify_model_signing_signature(parse_model_signing_bundle(tampered.dump(), "t.sig"), key, "t.sig");
  });
}

class ModelSigningKeys : public ModelSigningDirectory, public ::testing::WithParamInterface<std::string> {};

TEST_P(ModelSigningKeys, VerifiesAKeySignedBundle) {
  const auto pair = testing::generate_key_pair(GetParam());
  const SigningKey key = SigningKey::from_pem(pair.private_pem, "key.pem");
  const VerifyingKey pub = VerifyingKey::from_pem(pair.public_pem, "key.pub");
  const std::string statement_text = model_signing_statement_json(manifest_);
  // model_signing's key method writes no keyid and a publicKey hint.
  DsseEnvelope envelope = sign_envelope(kInTotoPayloadType, statement_text, key);
  envelope.signatures[0].keyid.clear();
  const std::string text = model_signing_bundle_json(envelope, "some-hint");
  const ModelSigningBundle bundle = parse_model_signing_bundle(text, "model.sig");
  EXPECT_EQ(bundle.material, ModelSigningMaterial::kPublicKey);
  EXPECT_EQ(bundle.public_key_hint, "some-hint");
  EXPECT_EQ(verify_model_signing_signature(bundle, pub, "model.sig"), pub.key_id());

  // Older model_signing releases wrote a null keyid and rawBytes/keyDetails
  // instead of the hint.
  json legacy = json::parse(text);
  legacy["dsseEnvelope"]["signatures"][0]["keyid"] = nullptr;
  legacy["verificationMaterial"] = {
      {"publicKey", {{"rawBytes", base64_encode(pair.public_pem)}, {"keyDetails", "PKIX_ECDSA_P256_SHA_256"}}}};
  const ModelSigningBundle old_bundle = parse_model_signing_bundle(legacy.dump(), "old.sig");
  EXPECT_EQ(old_bundle.material, ModelSigningMaterial::kPublicKey);
  EXPECT_EQ(verify_model_signing_signature(old_bundle, pub, "old.sig"), pub.key_id());

  // A bare DSSE envelope (fti's own envelope format) reads the same way.
  const ModelSigningBundle bare =
      parse_model_signing_bundle(serialize_envelope(sign_envelope(kInTotoPayloadType, statement_text, key)), "e");
  EXPECT_TRUE(bare.media_type.empty());
  EXPECT_EQ(bare.material, ModelSigningMaterial::kNone);
  EXPECT_EQ(verify_model_signing_signature(bare, pub, "e"), pub.key_id());

  const VerifyingKey other = VerifyingKey::from_pem(testing::generate_key_pair(GetParam()).public_pem, "other.pub");
  EXPECT_TRUE(mentions(rejection(ErrorCode::kCertificate, [&] { verify_model_signing_signature(bundle, other, "m"); }),
                       "no signature verifies"));

  // A re-signed statement over a tampered manifest does not verify under the key.
  json tampered = json::parse(text);
  json s = statement();
  s["subject"][0]["name"] = "renamed";
  tampered["dsseEnvelope"]["payload"] = base64_encode(s.dump());
  const ModelSigningBundle changed = parse_model_signing_bundle(tampered.dump(), "model.sig");
  rejection(ErrorCode::kCertificate, [&] { verify_model_signing_signature(changed, pub, "m"); });

  const ModelSigningBundle unsigned_one = parse_model_signing_bundle(unsigned_bundle(statement_text), "u");
  EXPECT_TRUE(mentions(
      rejection(ErrorCode::kCertificate, [&] { verify_model_signing_signature(unsigned_one, pub, "u"); }),
      "no signature"));

  // A keyless bundle parses (its certificate and log entries are not checked)
  // but a key does not verify it.
  json keyless = json::parse(text);
  keyless["verificationMaterial"] = {{"certificate", {{"rawBytes", "MIIC"}}},
                                     {"tlogEntries", json::array({json::object()})}};
  const ModelSigningBundle sigstore = parse_model_signing_bundle(keyless.dump(), "model.sig");
  EXPECT_EQ(sigstore.material, ModelSigningMaterial::kCertificate);
  EXPECT_EQ(sigstore.tlog_entries, 1u);
  EXPECT_EQ(verify_model_signing_signature(sigstore, pub, "m"), pub.key_id());  // same key signed it here
  EXPECT_TRUE(mentions(
      rejection(ErrorCode::kCertificate, [&] { verify_model_signing_signature(sigstore, other, "m"); }),
      "not verify"));
}

INSTANTIATE_TEST_SUITE_P(Keys, ModelSigningKeys, ::testing::Values("P-256", "ED25519"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param == "ED25519" ? std::string("Ed25519") : std::string("EcdsaP256");
                         });

}  // namespace
}  // namespace fti::attest
