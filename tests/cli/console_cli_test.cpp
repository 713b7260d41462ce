// What fti says besides its reports (cmd/console.h): `fti --version` and
// `fti version --json` name the protocol versions; --log-format json turns
// every stderr line (diagnostics, notes, the final error) into one JSON
// object and leaves stdout alone; --quiet leaves errors only, --verbose adds
// debug lines; colour and progress appear on a terminal only, never with
// NO_COLOR (colour) or --quiet / json (progress); every verb's --help has a
// worked example.
#include <gtest/gtest.h>

#include <sstream>
#include <nlohmann/json.hpp>

#include "engine/attest/dsse.h"
#include "engine/attest/statement.h"
#include "engine/certify/certificate.h"
#include "engine/commitment/commitment_file.h"
#include "engine/commitment/model_commitment.h"
#include "tests/cli/fti_cli.h"
#include "tests/cli/terminal_process.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::CommandResult;
using testing::fti_cli;
using testing::TempDir;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Every line of `err` is a JSON object with a level and a message; returns them.
std::vector<nlohmann::json> json_lines(const std::string& err) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : lines_of(err)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      ADD_FAILURE() << "not a JSON line: " << line;
      continue;
    }
    EXPECT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("level") && j["level"].is_string()) << line;
    EXPECT_TRUE(j.contains("msg") && j["msg"].is_string()) << line;
    out.push_back(std::move(j));
  }
  return out;
}

TEST(VersionCli, NamesTheProtocolVersions) {
  TempDir dir;
  const CommandResult r = fti_cli({"--version"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(std::string("fti ") + "0.", 0), 0u) << r.out;  // scripts match the first line
  for (const std::string_view name : {certify::kCertificateMagic, certify::kCertificateProtocolId,
                                      commitment::kCommitmentFileMagic, commitment::kCommitmentProtocolId,
                                      attest::kDriftPredicateType, attest::kStatementType}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name << " not in\n" << r.out;
  }
  EXPECT_EQ(fti_cli({"version"}, dir).out, r.out);

  const CommandResult j = fti_cli({"version", "--json"}, dir);
  ASSERT_EQ(j.exit_code, 0);
  const nlohmann::json v = nlohmann::json::parse(j.out);
  EXPECT_EQ(v["certificate"]["format"], std::string(certify::kCertificateMagic));
  EXPECT_EQ(v["certificate"]["protocol"], std::string(certify::kCertificateProtocolId));
  EXPECT_EQ(v["commitment"]["format"], std::string(commitment::kCommitmentFileMagic));
  EXPECT_EQ(v["attestation"]["predicate_type"], std::string(attest::kDriftPredicateType));
  EXPECT_EQ(v["attestation"]["payload_type"], std::string(attest::kInTotoPayloadType));
  EXPECT_EQ(r.out.rfind("fti " + v["fti"].get<std::string>() + "\n", 0), 0u);
  // --version under the JSON log format: the same object on one line.
  const CommandResult k = fti_cli({"--log-format", "json", "--version"}, dir);
  ASSERT_EQ(k.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(k.out), v);
}

TEST(LogFormatCli, JsonErrorsAreOneObjectPerLineAndStdoutIsUnchanged) {
  TempDir dir;
  CommandResult r = fti_cli({"--log-format", "json", "inspect", (dir / "missing.safetensors").string()}, dir);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  std::vector<nlohmann::json> lines = json_lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0]["level"], "error");
  EXPECT_EQ(lines[0]["verb"], "inspect");
  EXPECT_EQ(lines[0]["exit"], 3);
  EXPECT_EQ(lines[0]["code"], "input");
  EXPECT_NE(lines[0]["msg"].get<std::string>().find("missing.safetensors"), std::string::npos);

  // A usage error (found while parsing, global option after the verb).
  r = fti_cli({"gate", "--candidate", "x", "--log-format=json"}, dir);
  EXPECT_EQ(r.exit_code, 2);
  lines = json_lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0]["level"], "error");
  EXPECT_EQ(lines[0]["exit"], 2);
  EXPECT_EQ(fti_cli({"--log-format", "xml", "version"}, dir).exit_code, 2);

  // Policy diagnostics: file, line and column as fields.
  testing::write_text(dir / "bad.yaml", "version: 1\nrules:\n  - name: a\n    match: \"**\"\n    frozen: maybe\n");
  r = fti_cli({"--log-format", "json", "policy", "check", (dir / "bad.yaml").string()}, dir);
  EXPECT_EQ(r.exit_code, 2);
  lines = json_lines(r.err);
  ASSERT_GE(lines.size(), 2u) << r.err;
  EXPECT_EQ(lines[0]["level"], "error");
  EXPECT_EQ(lines[0]["verb"], "policy check");
  EXPECT_EQ(lines[0]["line"], 5);
  EXPECT_GE(lines[0]["column"].get<int>(), 1);
  EXPECT_NE(lines[0]["file"].get<std::string>().find("bad.yaml"), std::string::npos);

  // The report on stdout is the same whatever the log format.
  ASSERT_EQ(fti_cli({"demo", "--out", (dir / "demo").string()}, dir).exit_code, 0);
  const std::vector<std::string> gate = {"gate", "--policy", (dir / "demo/policy.yaml").string(), "--base",
                                         (dir / "demo/base").string(), "--candidate",
                                         (dir / "demo/candidate-tampered").string()};
  const CommandResult text = fti_cli(gate, dir);
  std::vector<std::string> json_args = {"--log-format", "json"};
  json_args.insert(json_args.end(), gate.begin(), gate.end());
  const CommandResult json = fti_cli(json_args, dir);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_EQ(text.out, json.out);
  EXPECT_NE(text.out.find("verdict: BLOCKED"), std::string::npos);
}

TEST(LogFormatCli, QuietKeepsErrorsOnlyAndVerboseAddsDebugLines) {
  TempDir dir;
  ASSERT_EQ(fti_cli({"demo", "--out", (dir / "demo").string()}, dir).exit_code, 0);
  const std::vector<std::string> gate = {"gate", "--policy", (dir / "demo/policy.yaml").string(), "--base",
                                         (dir / "demo/base").string(), "--candidate",
                                         (dir / "demo/candidate-lora").string(), "--attestation",
                                         (dir / "a.intoto.jsonl").string()};
  // The unsigned attestation's note: text, JSON, and nothing with --quiet.
  CommandResult r = fti_cli(gate, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("fti: note: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("debug"), std::string::npos) << r.err;

  std::vector<std::string> args = {"--log-format", "json"};
  args.insert(args.end(), gate.begin(), gate.end());
  r = fti_cli(args, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> lines = json_lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0]["level"], "note");
  EXPECT_EQ(lines[0]["verb"], "gate");
  EXPECT_NE(lines[0]["msg"].get<std::string>().find("UNSIGNED"), std::string::npos);

  args = gate;
  args.push_back("--quiet");
  r = fti_cli(args, dir);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("verdict: COMPLIANT"), std::string::npos);  // reports are not diagnostics

  args = {"--verbose", "--log-format", "json"};
  args.insert(args.end(), gate.begin(), gate.end());
  r = fti_cli(args, dir);
  EXPECT_EQ(r.exit_code, 0);
  lines = json_lines(r.err);
  std::size_t debug = 0;
  for (const nlohmann::json& j : lines) {
    if (j["level"] != "debug") continue;
    ++debug;
    EXPECT_TRUE(j.contains("source") && j.contains("tensors") && j.contains("seconds")) << j.dump();
  }
  EXPECT_EQ(debug, 2u) << r.err;  // the base and the candidate, opened

  // Errors survive --quiet; --quiet and --verbose exclude each other.
  r = fti_cli({"--quiet", "inspect", (dir / "missing").string()}, dir);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err.rfind("fti: error: ", 0), 0u) << r.err;
  EXPECT_EQ(fti_cli({"--quiet", "--verbose", "version"}, dir).exit_code, 2);
}

// On a pseudo-terminal: colour unless NO_COLOR is non-empty; the prover's
// phase line unless --quiet or JSON. Captured output never has escape bytes.
class TerminalCli : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(fti_cli({"demo", "--out", (dir_ / "demo").string()}, dir_).exit_code, 0); }
  std::vector<std::string> gate_tampered() const {
    return {FTI_BINARY, "gate", "--policy", demo("policy.yaml"), "--base", demo("base"), "--candidate",
            demo("candidate-tampered")};
  }
  std::vector<std::string> prove(const std::string& out) const {
    return {FTI_BINARY, "prove", "--policy", demo("policy.yaml"), "--base", demo("base"), "--candidate",
            demo("candidate-lora"), "--out", (dir_ / out).string()};
  }
  std::string demo(const char* name) const { return (dir_ / "demo" / name).string(); }
  std::vector<std::string> env() const { return {"FTI_CACHE_DIR=" + (dir_ / "cache").string()}; }
  TempDir dir_;
};

TEST_F(TerminalCli, ColourOnlyOnATerminalWithoutNoColor) {
  testing::TerminalRun run{gate_tampered(), env(), {"NO_COLOR"}};
  CommandResult r = testing::run_on_terminal(run);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("\x1b[1;31mBLOCKED\x1b[0m"), std::string::npos) << r.out;

  run.set_env.push_back("NO_COLOR=1");
  r = testing::run_on_terminal(run);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("verdict: BLOCKED"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;

  run.set_env.back() = "NO_COLOR=";  // empty: as if unset (no-color.org)
  r = testing::run_on_terminal(run);
  EXPECT_NE(r.out.find('\x1b'), std::string::npos) << r.out;

  // Not a terminal (captured, as in a pipeline): no escape bytes, NO_COLOR or not.
  const std::vector<std::string> argv = gate_tampered();
  const CommandResult captured = fti_cli({argv.begin() + 1, argv.end()}, dir_);
  EXPECT_EQ(captured.exit_code, 1);
  EXPECT_EQ(captured.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(captured.err.find('\x1b'), std::string::npos);
  const CommandResult error = fti_cli({"inspect", (dir_ / "missing").string()}, dir_);
  EXPECT_EQ(error.err.find('\x1b'), std::string::npos) << error.err;
}

TEST_F(TerminalCli, ProvingShowsPhasesOnATerminalOnly) {
  CommandResult r = testing::run_on_terminal({prove("a.fticert"), env(), {"NO_COLOR"}});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("proving: committing the base (1/"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("proving: norm proof ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\x1b[K"), std::string::npos) << r.out;  // redrawn in place, erased at the end

  std::vector<std::string> quiet = prove("b.fticert");
  quiet.insert(quiet.begin() + 1, "--quiet");
  r = testing::run_on_terminal({quiet, env(), {}});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "");

  std::vector<std::string> json = prove("c.fticert");
  json.insert(json.begin() + 1, {"--log-format", "json"});
  r = testing::run_on_terminal({json, env(), {}});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("proving:"), std::string::npos) << r.out;

  const std::vector<std::string> argv = prove("d.fticert");
  const CommandResult captured = fti_cli({argv.begin() + 1, argv.end()}, dir_);
  ASSERT_EQ(captured.exit_code, 0);
  EXPECT_EQ(captured.err.find("proving:"), std::string::npos) << captured.err;
}

TEST(HelpCli, EveryVerbHasAWorkedExample) {
  TempDir dir;
  const std::vector<std::vector<std::string>> verbs = {{},
                                                       {"inspect"},
                                                       {"demo"},
                                                       {"gate"},
                                                       {"diff"},
                                                       {"policy"},
                                                       {"policy", "check"},
                                                       {"policy", "init"},
                                                       {"policy", "suggest"},
                                                       {"commit"},
                                                       {"prove"},
                                                       {"verify"},
                                                       {"verify-attestation"},
                                                       {"version"}};
  for (std::vector<std::string> verb : verbs) {
    verb.push_back("--help");
    const CommandResult r = fti_cli(verb, dir);
    const std::string shown = verb.size() > 1 ? verb[verb.size() - 2] : "(no verb)";
    EXPECT_EQ(r.exit_code, 0) << shown;
    EXPECT_NE(r.out.find("Examples:\n  fti "), std::string::npos) << "no example for " << shown << ":\n" << r.out;
  }
  // The top-level help lists every verb the test above covers.
  const std::string top = fti_cli({"--help"}, dir).out;
  for (const char* verb : {"inspect", "demo", "gate", "diff", "policy", "commit", "prove", "verify",
                           "verify-attestation", "version"}) {
    EXPECT_NE(top.find(std::string("  ") + verb + " "), std::string::npos) << verb << "\n" << top;
  }
}

}  // namespace
}  // namespace fti
