// The ci-examples harness (tests/ci_examples): generated checkpoints served
// by a real local HTTP server, a simulated CI workspace with the CI
// variables set, and a runner for the steps the example YAML files declare.
// The steps run the very scripts in ci-examples/ with the built fti first on
// PATH, so the examples cannot drift from what is tested.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace fti::ci {

using testing::CommandResult;
using testing::TempDir;

std::filesystem::path source_dir();   // the repository (FTI_SOURCE_DIR)
std::filesystem::path examples_dir();  // source_dir() / "ci-examples"
std::filesystem::path fti_binary();   // the built fti (FTI_BINARY)

// The policy the examples are run with, and the policy lines of its rules.
extern const char* const kPolicy;
inline constexpr int kAttentionLine = 6;
inline constexpr int kFrozenLine = 10;
inline constexpr int kBudgetLine = 14;

// A base, a compliant candidate (a small change to one attention projection)
// and a violating one (one embedding element changed under a frozen rule,
// layer 1's q_proj negated: relative drift 2 > 5%, and the attention budget
// exceeded), all served over HTTP from 127.0.0.1. The violating candidate is
// sharded (an index and two shards). Made once per test binary.
class Models {
 public:
  static Models& get();
  std::string base_url() const { return server_.url("/base/model.safetensors"); }
  std::string compliant_url() const { return server_.url("/compliant/model.safetensors"); }
  std::string violating_url() const { return server_.url("/violating/model.safetensors.index.json"); }
  std::string missing_url() const { return server_.url("/missing/model.safetensors"); }   // 404
  std::string broken_url() const { return server_.url("/broken/model.safetensors"); }     // 500
  const std::filesystem::path& compliant_dir() const { return compliant_dir_; }
  std::size_t requests_for(const std::string& path) const { return server_.count(path); }

 private:
  Models();
  TempDir dir_;
  std::filesystem::path compliant_dir_;
  test::TestServer server_;
};

// Environment entries "NAME=value" for run_command, overriding the parent's
// (an empty value stands for "unset": the scripts test for non-empty).
using Env = std::map<std::string, std::string>;
std::vector<std::string> env_list(const Env& env);
// Every CI variable the scripts look at, emptied, plus PATH with the built
// fti first, a private fti cache under `scratch`, and no HTTP retries.
Env clean_env(const std::filesystem::path& scratch);

// Runs `script` with `shell` ("sh", "bash", or a full command line as a
// vector) in directory `cwd`; stdout/stderr are captured under `scratch`.
CommandResult run_script(const std::vector<std::string>& shell, const std::string& script,
                         const std::filesystem::path& cwd, const std::filesystem::path& scratch,
                         const Env& env);

// A CI workspace: a checkout holding ci-examples/ (copied from the source
// tree) and the policy at policy.yaml.
struct Workspace {
  Workspace();
  TempDir dir;
  std::filesystem::path root;     // the checkout
  std::filesystem::path scratch;  // captured streams, runner temp
};

// Writes `dir`/fti, a wrapper around the built fti that pins down what its
// `prove` verb does, so that the certificate step is tested whether or not
// the built fti has one yet:
//   kWithoutProve  as an fti before `prove`: not in --help, and `prove --help`
//                  prints the general help with exit 0 (as CLI11 does);
//   kProveWrites   listed in --help; `prove ... --out FILE` writes FILE with
//                  its arguments and exits 0;
//   kProveFails    listed in --help; `prove` exits 2 ("cannot certify").
// Every other call goes to the built fti.
enum class Prove { kWithoutProve, kProveWrites, kProveFails };
void write_fake_fti(const std::filesystem::path& dir, Prove mode);

// Whether the built fti has the `prove` verb (listed in `fti --help`).
bool built_fti_has_prove();

// The failing checks of a report.json, as (subject, check) pairs, read with
// nlohmann::json: what the scripts' annotations are compared with.
std::vector<std::pair<std::string, std::string>> failing_checks(const std::filesystem::path& report_json);

YAML::Node load_yaml(const std::filesystem::path& path);
// Replaces ${{ env.NAME }} by env[NAME]; any other ${{ ... }} by "".
std::string github_expand(const std::string& text, const Env& env);
// Replaces $NAME and ${NAME} by env[NAME] (GitLab variable expansion).
std::string gitlab_expand(const std::string& text, const Env& env);
// The script paths a run line calls ("sh ci-examples/scripts/x.sh" -> that path).
std::vector<std::string> called_scripts(const std::string& run);
// Lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix);
std::size_t count_of(const std::string& text, const std::string& needle);

}  // namespace fti::ci
