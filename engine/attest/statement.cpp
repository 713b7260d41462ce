#include "engine/attest/statement.h"

#include <initializer_list>
#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "engine/common/sha256.h"
#include "engine/common/strict_json.h"

namespace fti::attest {
namespace {

using nlohmann::json;

json digest_set(const std::string& sha256) { return {{"sha256", sha256}}; }

json named_digest(const Resource& r) { return {{"name", r.name}, {"digest", digest_set(r.sha256)}}; }

class Reader {
 public:
  explicit Reader(std::string_view what) : what_(what) {}

  [[noreturn]] void fail(const std::string& reason) const {
    throw Error(ErrorCode::kCertificate, escape_untrusted(what_) + ": invalid attestation statement: " + reason);
  }

  const json& object(const json& parent, const char* key, const std::string& where) const {
    const json& j = field(parent, key, where);
    if (!j.is_object()) fail(where + "." + key + " is not an object");
    return j;
  }

  const json& field(const json& parent, const char* key, const std::string& where) const {
    const auto it = parent.find(key);
    if (it == parent.end()) fail(where + "." + key + " is missing");
    return *it;
  }

  std::string string(const json& parent, const char* key, const std::string& where) const {
    const json& j = field(parent, key, where);
    if (!j.is_string()) fail(where + "." + key + " is not a string");
    return j.get<std::string>();
  }

  void only(const json& object, std::initializer_list<const char*> keys, const std::string& where) const {
    for (const auto& [key, value] : object.items()) {
      bool known = false;
      for (const char* k : keys) known = known || key == k;
      if (!known) fail("unknown field " + where + "." + escape_untrusted(key, 60));
    }
  }

  // A digest set: sha256 required and well formed; other algorithms allowed
  // where `others` (in-toto subjects), refused elsewhere.
  std::string sha256(const json& parent, const std::string& where, bool others) const {
    const json& digest = object(parent, "digest", where);
    if (!others) only(digest, {"sha256"}, where + ".digest");
    for (const auto& [key, value] : digest.items()) {
      if (!value.is_string()) fail(where + ".digest." + escape_untrusted(key, 60) + " is not a string");
    }
    return hex(digest, "sha256", where + ".digest");
  }

  std::string hex(const json& parent, const char* key, const std::string& where) const {
    std::string h = string(parent, key, where);
    if (h.size() != 64 || h.find_first_not_of("0123456789abcdef") != std::string::npos) {
      fail(where + "." + key + " is not 64 lowercase hex digits");
    }
    return h;
  }

  Resource resource(const json& j, const std::string& where, bool subject) const {
    if (!j.is_object()) fail(where + " is not an object");
    if (subject) {
      only(j, {"name", "digest"}, where);
    } else {
      only(j, {"name", "uri", "digest"}, where);
    }
    Resource r;
    r.name = string(j, "name", where);
    if (r.name.empty()) fail(where + ".name is empty");
    if (!subject) r.uri = string(j, "uri", where);
    r.sha256 = sha256(j, where, subject);
    return r;
  }

 private:
  std::string_view what_;
};

}  // namespace

std::string statement_json(const DriftAttestation& a) {
  json subjects = json::array();
  for (const Resource& r : a.subjects) subjects.push_back(named_digest(r));
  json base = json::array();
  for (const Resource& r : a.base) {
    json entry = named_digest(r);
    entry["uri"] = r.uri;
    base.push_back(entry);
  }
  json predicate = {{"command", a.command},
                    {"verdict", a.verdict},
                    {"ftiVersion", a.fti_version},
                    {"policy", {{"digest", digest_set(a.policy_sha256)}}},
                    {"base", base}};
  if (a.report) predicate["report"] = named_digest(*a.report);
  if (a.certificate) {
    predicate["certificate"] = {{"name", a.certificate->name},
                                {"digest", digest_set(a.certificate->sha256)},
                                {"baseRoot", a.certificate->base_root},
                                {"candidateRoot", a.certificate->candidate_root}};
  }
  const json statement = {{"_type", kStatementType},
                          {"subject", subjects},
                          {"predicateType", kDriftPredicateType},
                          {"predicate", predicate}};
  // nlohmann::json keeps object keys in a std::map<std::string>: bytewise
  // order; dump() without indent writes no whitespace and UTF-8 as is.
  return statement.dump();
}

DriftAttestation parse_statement(std::string_view text, std::string_view what) {
  const json j = parse_strict_json(text, what, ErrorCode::kCertificate);
  const Reader r(what);
  if (!j.is_object()) r.fail("not a JSON object");
  r.only(j, {"_type", "subject", "predicateType", "predicate"}, "statement");
  if (r.string(j, "_type", "statement") != kStatementType) r.fail("_type is not " + std::string(kStatementType));
  const std::string predicate_type = r.string(j, "predicateType", "statement");
  if (predicate_type != kDriftPredicateType) {
    r.fail("predicateType " + quote_untrusted(predicate_type, 100) + " is not " + std::string(kDriftPredicateType));
  }
  DriftAttestation a;
  const json& subjects = r.field(j, "subject", "statement");
  if (!subjects.is_array() || subjects.empty()) r.fail("statement.subject is not a non-empty array");
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    a.subjects.push_back(r.resource(subjects[i], "subject[" + std::to_string(i) + "]", true));
  }
  const json& p = r.object(j, "predicate", "statement");
  r.only(p, {"command", "verdict", "ftiVersion", "policy", "base", "report", "certificate"}, "predicate");
  a.command = r.string(p, "command", "predicate");
  if (a.command != "gate" && a.command != "prove") r.fail("predicate.command is not gate or prove");
  a.verdict = r.string(p, "verdict", "predicate");
  if (a.verdict != "compliant" && a.verdict != "violation") r.fail("predicate.verdict is not compliant or violation");
  a.fti_version = r.string(p, "ftiVersion", "predicate");
  const json& policy = r.object(p, "policy", "predicate");
  r.only(policy, {"digest"}, "predicate.policy");
  a.policy_sha256 = r.sha256(policy, "predicate.policy", false);
  const json& base = r.field(p, "base", "predicate");
  if (!base.is_array() || base.empty()) r.fail("predicate.base is not a non-empty array");
  for (std::size_t i = 0; i < base.size(); ++i) {
    a.base.push_back(r.resource(base[i], "predicate.base[" + std::to_string(i) + "]", false));
  }
  if (p.contains("report")) {
    const json& report = r.object(p, "report", "predicate");
    r.only(report, {"name", "digest"}, "predicate.report");
    a.report = Resource{r.string(report, "name", "predicate.report"), "", r.sha256(report, "predicate.report", false)};
  }
  if (p.contains("certificate")) {
    const json& c = r.object(p, "certificate", "predicate");
    r.only(c, {"name", "digest", "baseRoot", "candidateRoot"}, "predicate.certificate");
    CertificateRef ref;
    ref.name = r.string(c, "name", "predicate.certificate");
    ref.sha256 = r.sha256(c, "predicate.certificate", false);
    ref.base_root = r.hex(c, "baseRoot", "predicate.certificate");
    ref.candidate_root = r.hex(c, "candidateRoot", "predicate.certificate");
    a.certificate = ref;
  }
  return a;
}

}  // namespace fti::attest
