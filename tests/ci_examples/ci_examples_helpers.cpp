#include "tests/ci_examples/ci_examples.h"

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tests/support/model_fixtures.h"

namespace fti::ci {

namespace fs = std::filesystem;

fs::path source_dir() { return FTI_SOURCE_DIR; }
fs::path examples_dir() { return source_dir() / "ci-examples"; }
fs::path fti_binary() { return FTI_BINARY; }

const char* const kPolicy =
    "# the policy the ci-examples tests gate with\n"   // 1
    "version: 1\n"                                     // 2
    "preset: llama\n"                                  // 3
    "default: violation\n"                             // 4
    "rules:\n"                                         // 5
    "  - name: attention\n"                            // 6
    "    match: \"model.layers.*.self_attn.*.weight\"\n"
    "    norm:\n"
    "      frobenius: {relative: 5%}\n"
    "  - name: frozen\n"                               // 10
    "    match: \"**\"\n"
    "    frozen: true\n"
    "budgets:\n"
    "  - name: attention-total\n"                      // 14
    "    over: {group: attention}\n"
    "    norm:\n"
    "      frobenius: {relative: 10%}\n";

namespace {

TensorData& tensor(std::vector<TensorData>& tensors, const std::string& name) {
  for (TensorData& t : tensors) {
    if (t.spec.name == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

}  // namespace

Models& Models::get() {
  static Models models;
  return models;
}

Models::Models() {
  const std::vector<TensorData> base = testing::make_model_tensors(2, 32, 7);
  testing::write_model(dir_ / "base", base, 1);

  std::vector<TensorData> compliant = base;  // a few low mantissa bits of layer 0's q_proj
  auto& q0 = tensor(compliant, "model.layers.0.self_attn.q_proj.weight").bytes;
  for (std::size_t i = 0; i < 16; ++i) q0[2 * i] ^= 0x01;
  compliant_dir_ = dir_ / "compliant";
  testing::write_model(compliant_dir_, compliant, 1);

  std::vector<TensorData> violating = compliant;
  tensor(violating, "model.embed_tokens.weight").bytes[0] ^= 0x01;  // one element under "frozen"
  auto& q1 = tensor(violating, "model.layers.1.self_attn.q_proj.weight").bytes;
  for (std::size_t i = 1; i < q1.size(); i += 2) q1[i] ^= 0x80;  // negated: ||D|| / ||B|| = 2
  testing::write_model(dir_ / "violating", violating, 2);

  server_.serve_directory(dir_ / "base", "/base/");
  server_.serve_directory(dir_ / "compliant", "/compliant/");
  server_.serve_directory(dir_ / "violating", "/violating/");
  server_.raw().Get("/broken/model.safetensors", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("internal error", "text/plain");
  });
  server_.start();
}

std::vector<std::string> env_list(const Env& env) {
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

Env clean_env(const fs::path& scratch) {
  Env env;
  for (const char* name :
       {"CI", "GITHUB_ACTIONS", "GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV",
        "RUNNER_TEMP", "GITLAB_CI", "CI_PROJECT_DIR", "CI_JOB_ID", "FTI_POLICY", "FTI_BASE", "FTI_CANDIDATE",
        "FTI_REPORT_DIR", "FTI_CERTIFICATE", "FTI_GATE_ARGS", "FTI_BIN", "FTI_HOOK_CONFIG", "FTI_PROVE_ARGS",
        "FTI_MAX_ANNOTATIONS", "FTI_DEB_URL", "FTI_DEB_SHA256", "HF_TOKEN", "FTI_REQUIRE_CERTIFICATE"}) {
    env[name] = "";
  }
  const char* path = std::getenv("PATH");
  env["PATH"] = fti_binary().parent_path().string() + ":" + (path != nullptr ? path : "/usr/bin:/bin");
  env["FTI_CACHE_DIR"] = (scratch / "fti-cache").string();
  env["FTI_HTTP_RETRIES"] = "0";
  return env;
}

CommandResult run_script(const std::vector<std::string>& shell, const std::string& script, const fs::path& cwd,
                         const fs::path& scratch, const Env& env) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "cd \"$1\" || exit 125; shift; exec \"$@\"", "sh",
                                   cwd.string()};
  argv.insert(argv.end(), shell.begin(), shell.end());
  argv.push_back("-c");
  argv.push_back(script);
  return testing::run_command(argv, scratch, env_list(env));
}

Workspace::Workspace() : root(dir.path() / "checkout"), scratch(dir.path() / "runner") {
  fs::create_directories(root);
  fs::create_directories(scratch);
  fs::copy(examples_dir(), root / "ci-examples", fs::copy_options::recursive);
  testing::write_text(root / "policy.yaml", kPolicy);
}

void write_fake_fti(const fs::path& dir, Prove mode) {
  fs::create_directories(dir);
  const fs::path script = dir / "fti";
  std::string text = "#!/bin/sh\nreal='" + fti_binary().string() + "'\n";
  if (mode == Prove::kWithoutProve) {
    text +=
        "help() { \"$real\" --help | grep -Ev '^[[:space:]]+(prove|verify)([[:space:]]|$)'; }\n"
        "if [ \"$1\" = --help ]; then help; exit 0; fi\n"
        "if [ \"$1\" = prove ] || [ \"$1\" = verify ]; then\n"
        "  case \" $* \" in *' --help '*) help; exit 0 ;; esac\n"
        "  echo 'The following argument was not expected: prove' >&2; exit 2\n"
        "fi\n";
  } else {
    text +=
        "if [ \"$1\" = --help ]; then \"$real\" --help | grep -Ev '^[[:space:]]+prove([[:space:]]|$)';"
        " echo '  prove                       Certify'; exit 0; fi\n"
        "if [ \"$1\" = prove ]; then\n"
        "  shift\n"
        "  [ \"${1:-}\" = --help ] && { echo 'Usage: fti prove [OPTIONS]'; exit 0; }\n";
    if (mode == Prove::kProveFails) {
      text += "  echo 'fti prove: rule attention-total cannot be certified yet (--allow-partial)' >&2; exit 2\n";
    } else {
      text +=
          "  args=\"$*\"\n"
          "  while [ \"$#\" -gt 0 ]; do\n"
          "    if [ \"$1\" = --out ]; then printf 'fti certificate (test stand-in)\\nargs: %s\\n' \"$args\" >\"$2\"; exit 0; fi\n"
          "    shift\n"
          "  done\n"
          "  echo 'prove: no --out' >&2; exit 2\n";
    }
    text += "fi\n";
  }
  text += "exec \"$real\" \"$@\"\n";
  testing::write_text(script, text);
  fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
}

bool built_fti_has_prove() {
  TempDir scratch;
  const CommandResult r = testing::run_command({fti_binary().string(), "--help"}, scratch.path());
  static const std::regex listed(R"((^|\n)[ \t]+prove[ \t])");
  return std::regex_search(r.out, listed);
}

std::vector<std::pair<std::string, std::string>> failing_checks(const fs::path& report_json) {
  const nlohmann::json j = nlohmann::json::parse(testing::slurp(report_json));
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* list : {"tensors", "budgets"}) {
    for (const auto& item : j.value(list, nlohmann::json::array())) {
      if (item.value("verdict", "") != "violation") continue;
      for (const auto& check : item["checks"]) {
        if (!check["pass"].get<bool>()) out.emplace_back(item["name"], check["check"]);
      }
    }
  }
  return out;
}

YAML::Node load_yaml(const fs::path& path) { return YAML::LoadFile(path.string()); }

std::string github_expand(const std::string& text, const Env& env) {
  static const std::regex expr(R"(\$\{\{\s*([^}]*?)\s*\}\})");
  static const std::regex env_ref(R"(env\.([A-Za-z_][A-Za-z0-9_]*))");
  std::string out;
  auto it = std::sregex_iterator(text.begin(), text.end(), expr);
  std::size_t last = 0;
  for (; it != std::sregex_iterator(); ++it) {
    out += text.substr(last, static_cast<std::size_t>(it->position()) - last);
    std::smatch m;
    const std::string inner = (*it)[1].str();
    if (std::regex_match(inner, m, env_ref)) {
      const auto found = env.find(m[1].str());
      if (found != env.end()) out += found->second;
    }
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  return out + text.substr(last);
}

std::string gitlab_expand(const std::string& text, const Env& env) {
  static const std::regex var(R"(\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?)");
  std::string out;
  auto it = std::sregex_iterator(text.begin(), text.end(), var);
  std::size_t last = 0;
  for (; it != std::sregex_iterator(); ++it) {
    out += text.substr(last, static_cast<std::size_t>(it->position()) - last);
    const auto found = env.find((*it)[1].str());
    if (found != env.end()) out += found->second;
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  return out + text.substr(last);
}

std::vector<std::string> called_scripts(const std::string& run) {
  static const std::regex call(R"((?:^|[\s;&|])(?:sh|bash)\s+(\S+\.sh))");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(run.begin(), run.end(), call); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace fti::ci
