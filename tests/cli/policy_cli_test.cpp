// `fti policy check` and `fti policy init`, run as a separate process: exit
// codes, FILE:LINE:COLUMN diagnostics on stderr, atomic --out.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "engine/common/sha256.h"
#include "tests/cli/fti_cli.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::CommandResult;
using testing::fti_cli;
using testing::TempDir;

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

constexpr const char* kValid =
    "version: 1\n"
    "preset: llama\n"
    "rules:\n"
    "  - name: embeddings\n"
    "    match: {group: embeddings}\n"
    "    frozen: true\n"
    "  - name: attention\n"
    "    match: {group: attention}\n"
    "    rank: {max: 8, residual: {relative: 1%}}\n";

TEST(PolicyCli, ValidPolicyExitsZeroWithASummary) {
  TempDir dir;
  const std::string path = write(dir, "p.yaml", kValid);
  const CommandResult r = fti_cli({"policy", "check", path}, dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("valid policy (version 1, preset llama, 2 rules, 0 budgets, default violation, 0 warnings)"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("digest: sha256:[0-9a-f]{64}\n"))) << r.out;
}

TEST(PolicyCli, InvalidPolicyListsEveryErrorAsFileLineColumnAndExitsTwo) {
  TempDir dir;
  const std::string path = write(dir, "bad.yaml",
                                 "version: 1\n"
                                 "preset: lama\n"
                                 "rules:\n"
                                 "  - name: r\n"
                                 "    match: 'layers.{07..9}.x'\n"
                                 "    rnak: {max: 1}\n"
                                 "    norm: {max_abs: 0.1}\n"
                                 "    norm: {max_abs: 0.2}\n");
  const CommandResult r = fti_cli({"policy", "check", path}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  const std::vector<std::string> err = lines(r.err);
  ASSERT_EQ(err.size(), 5u) << r.err;
  EXPECT_EQ(err[0], path + ":2:9: error: unknown preset \"lama\" (hint: did you mean \"llama\"?)");
  EXPECT_EQ(err[1].rfind(path + ":5:21: error: invalid glob \"layers.{07..9}.x\": range bounds are written without "
                                "leading zeros (hint: ",
                         0),
            0u)
      << err[1];
  EXPECT_EQ(err[2], path + ":6:5: error: unknown key \"rnak\" in a rule (hint: did you mean \"rank\"?)");
  EXPECT_EQ(err[3].rfind(path + ":8:5: error: duplicate key \"norm\" (first at line 7, column 5)", 0), 0u) << err[3];
  EXPECT_EQ(err[4], "fti: " + path + ": invalid policy: 4 errors, 0 warnings");
  const std::regex format("^.+:[0-9]+:[0-9]+: (error|warning): .+$");
  for (std::size_t i = 0; i + 1 < err.size(); ++i) EXPECT_TRUE(std::regex_match(err[i], format)) << err[i];
}

TEST(PolicyCli, SyntaxErrorHasAPosition) {
  TempDir dir;
  const std::string path = write(dir, "s.yaml", "version: 1\nrules:\n  - name: r\n    match: *.weight\n");
  const CommandResult r = fti_cli({"policy", "check", path}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind(path + ":4:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("YAML syntax error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("must be quoted"), std::string::npos) << r.err;
}

TEST(PolicyCli, WarningsDoNotFailTheCheck) {
  TempDir dir;
  const std::string path = write(dir, "w.yaml",
                                 "version: 1\n"
                                 "rules:\n"
                                 "  - {name: all, match: '**', allow: true}\n"
                                 "  - {name: dead, match: 'a.*', frozen: true}\n");
  const CommandResult r = fti_cli({"policy", "check", path}, dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.rfind(path + ":4:25: warning: rule \"dead\" can never match", 0), 0u) << r.err;
  EXPECT_NE(r.out.find("1 warning)"), std::string::npos) << r.out;
}

TEST(PolicyCli, JsonOutput) {
  TempDir dir;
  const std::string good = write(dir, "p.yaml", kValid);
  const CommandResult ok = fti_cli({"policy", "check", "--json", good}, dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  const nlohmann::json j = nlohmann::json::parse(ok.out);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["rules"], 2);
  EXPECT_EQ(j["preset"], "llama");
  EXPECT_EQ(j["diagnostics"].size(), 0u);
  EXPECT_EQ(j["digest"].get<std::string>().size(), 7u + 64u);

  const std::string bad = write(dir, "b.yaml", "version: 1\ndefault: maybe\n");
  const CommandResult no = fti_cli({"policy", "check", "--json", bad}, dir);
  EXPECT_EQ(no.exit_code, 2);
  const nlohmann::json k = nlohmann::json::parse(no.out);
  EXPECT_EQ(k["valid"], false);
  EXPECT_EQ(k["errors"], 1);
  ASSERT_EQ(k["diagnostics"].size(), 1u);
  EXPECT_EQ(k["diagnostics"][0]["line"], 2);
  EXPECT_EQ(k["diagnostics"][0]["column"], 10);
  EXPECT_EQ(k["diagnostics"][0]["severity"], "error");
  EXPECT_FALSE(k.contains("digest"));
}

TEST(PolicyCli, CanonicalFormHashesToTheDigest) {
  TempDir dir;
  const std::string path = write(dir, "p.yaml", kValid);
  const CommandResult canonical = fti_cli({"policy", "check", "--canonical", path}, dir);
  EXPECT_EQ(canonical.exit_code, 0) << canonical.err;
  ASSERT_FALSE(canonical.out.empty());
  ASSERT_EQ(canonical.out.back(), '\n');
  const std::string form = canonical.out.substr(0, canonical.out.size() - 1);
  EXPECT_EQ(form.rfind("{\"budgets\":[],\"default\":\"violation\",\"preset\":{\"name\":\"llama\"", 0), 0u) << form;
  const CommandResult summary = fti_cli({"policy", "check", path}, dir);
  EXPECT_NE(summary.out.find("sha256:" + to_hex(sha256(form))), std::string::npos) << summary.out;
  // The canonical form is itself a policy with the same digest.
  const std::string again = write(dir, "c.yaml", form);
  EXPECT_EQ(fti_cli({"policy", "check", "--canonical", again}, dir).out, canonical.out);
}

TEST(PolicyCli, MissingFileIsAPolicyError) {
  TempDir dir;
  const CommandResult r = fti_cli({"policy", "check", (dir / "none.yaml").string()}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "fti: error: " + (dir / "none.yaml").string() + ": cannot read policy: no such file\n");
}

TEST(PolicyCli, InitWritesAStarterThatChecks) {
  TempDir dir;
  for (const char* preset : {"llama", "gpt2", "bert", "resnet", "mlp"}) {
    const CommandResult r = fti_cli({"policy", "init", "--preset", preset}, dir);
    ASSERT_EQ(r.exit_code, 0) << preset << r.err;
    EXPECT_NE(r.out.find(std::string("preset: ") + preset), std::string::npos) << r.out;
    const std::string path = write(dir, std::string(preset) + ".yaml", r.out);
    const CommandResult c = fti_cli({"policy", "check", path}, dir);
    EXPECT_EQ(c.exit_code, 0) << preset << "\n" << c.err;
    EXPECT_EQ(c.err, "") << preset;
  }
}

TEST(PolicyCli, InitOutRefusesToOverwriteWithoutForce) {
  TempDir dir;
  const std::string path = (dir / "policy.yaml").string();
  const CommandResult first = fti_cli({"policy", "init", "--preset", "bert", "--out", path}, dir);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("wrote " + path), std::string::npos);
  const std::string written = testing::slurp(path);
  EXPECT_NE(written.find("preset: bert"), std::string::npos);
  EXPECT_EQ(fti_cli({"policy", "check", path}, dir).exit_code, 0);

  const CommandResult second = fti_cli({"policy", "init", "--preset", "gpt2", "--out", path}, dir);
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("exists; use --force"), std::string::npos) << second.err;
  EXPECT_EQ(testing::slurp(path), written);

  const CommandResult forced = fti_cli({"policy", "init", "--preset", "gpt2", "--out", path, "--force"}, dir);
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(testing::slurp(path).find("preset: gpt2"), std::string::npos);
  // Nothing but the policy is left in the directory (no temporary files).
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().extension() == ".yaml") ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(PolicyCli, UsageErrorsExitTwo) {
  TempDir dir;
  const CommandResult unknown = fti_cli({"policy", "init", "--preset", "lama"}, dir);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown preset \"lama\" (the presets are llama, gpt2, bert, resnet or mlp)"),
            std::string::npos)
      << unknown.err;
  EXPECT_EQ(fti_cli({"policy"}, dir).exit_code, 2);
  EXPECT_EQ(fti_cli({"policy", "check"}, dir).exit_code, 2);
  EXPECT_EQ(fti_cli({"policy", "init"}, dir).exit_code, 2);
  EXPECT_EQ(fti_cli({"policy", "frobnicate"}, dir).exit_code, 2);
  const CommandResult help = fti_cli({"policy", "check", "--help"}, dir);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples"), std::string::npos);
  const CommandResult init_help = fti_cli({"policy", "init", "--help"}, dir);
  EXPECT_NE(init_help.out.find("llama, gpt2, bert, resnet, mlp"), std::string::npos) << init_help.out;
}

}  // namespace
}  // namespace fti
