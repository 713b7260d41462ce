#include "engine/certify/certify.h"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <map>

#include "engine/commitment/model_commitment.h"
#include "engine/common/error.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/range_proof.h"
#include "engine/drift/frozen.h"
#include "engine/drift/norm.h"
#include "engine/drift/norm_layout.h"
#include "engine/drift/norm_proof.h"
#include "policy/canonical.h"

namespace fti::certify {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string drift_reason(const drift::DriftResult& r) {
  std::string s(drift::drift_status_name(r.status));
  if (r.detail != crypto::Status::kOk) s += fmt::format(" ({})", crypto::status_name(r.detail));
  return s;
}

// The first frozen tensor whose bytes differ (for messages).
std::string first_unfrozen(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                           std::span<const std::uint32_t> frozen) {
  for (const std::uint32_t i : frozen) {
    if (i >= base.tensors.size()) continue;
    const commitment::TensorRecord* c = candidate.find(base.tensors[i].name);
    if (c == nullptr || c->data_sha256 != base.tensors[i].data_sha256) return quote_untrusted(base.tensors[i].name);
  }
  return "?";
}

double to_real_norm(uint128 squares, std::int32_t scale) {
  return std::ldexp(std::sqrt(static_cast<double>(squares)), -scale);
}

// Per-tensor findings for the report (after a successful verification, or
// for the prover's messages).
std::vector<TensorFinding> findings(const policy::Policy& policy, const Certificate& c) {
  std::vector<TensorFinding> out;
  std::map<std::uint32_t, std::size_t> norm_position;
  for (std::size_t p = 0; p < c.statement.norm.tensors.size(); ++p) norm_position[c.statement.norm.tensors[p].tensor] = p;
  std::vector<std::size_t> first_item(c.statement.norm.tensors.size(), 0);
  std::size_t item = 0;
  for (std::size_t p = 0; p < c.statement.norm.tensors.size(); ++p) {
    first_item[p] = item;
    item += c.statement.norm.tensors[p].base_squares ? 2u : 1u;
  }
  const auto contains = [](const std::vector<std::uint32_t>& v, std::uint32_t x) {
    return std::binary_search(v.begin(), v.end(), x);
  };
  for (std::size_t i = 0; i < c.base.tensors.size(); ++i) {
    const commitment::TensorRecord& t = c.base.tensors[i];
    TensorFinding f;
    f.name = t.name;
    f.scale = t.scale;
    const policy::Rule* rule = policy.match(t.name);
    f.rule = rule ? rule->name : "default";
    const auto index = static_cast<std::uint32_t>(i);
    if (contains(c.statement.frozen, index)) {
      f.claim = "frozen";
    } else if (contains(c.statement.allowed, index)) {
      f.claim = "allow";
    } else if (const auto it = norm_position.find(index); it != norm_position.end()) {
      const drift::NormTensor& nt = c.statement.norm.tensors[it->second];
      const std::size_t k = first_item[it->second];
      if (k < c.disclosure.items.size()) f.delta_squares = c.disclosure.items[k].value();
      if (nt.base_squares && k + 1 < c.disclosure.items.size()) f.base_squares = c.disclosure.items[k + 1].value();
      f.norm = to_real_norm(f.delta_squares, t.scale);
      if (f.base_squares != 0) {
        f.relative = std::sqrt(static_cast<double>(f.delta_squares) / static_cast<double>(f.base_squares));
      }
      if (rule && rule->norm && rule->norm->frobenius) {
        f.absolute_bound = rule->norm->frobenius->absolute;
        f.relative_bound = rule->norm->frobenius->relative;
      }
      f.claim = f.absolute_bound && f.relative_bound ? "frobenius.absolute+relative"
                : f.relative_bound                   ? "frobenius.relative"
                                                     : "frobenius.absolute";
    } else {
      f.claim = "none";
    }
    if (rule) {
      if (rule->norm && rule->norm->max_abs) f.uncovered.push_back("norm.max_abs");
      if (rule->rank) f.uncovered.push_back("rank");
      if (rule->sparsity) f.uncovered.push_back("sparsity");
    }
    out.push_back(std::move(f));
  }
  return out;
}

// The Basefold group shapes of every opening in the norm proof.
std::vector<crypto::BasefoldGroupShape> proof_shapes(const Certificate& c, const drift::NormLayout& layout,
                                                     const drift::NormProof& proof) {
  std::vector<crypto::BasefoldGroupShape> shapes;
  for (std::size_t k = 0; k < layout.classes.size(); ++k) {
    const auto s = drift::norm_opening_shapes(c.base, c.candidate, layout, k);
    shapes.insert(shapes.end(), s.begin(), s.end());
  }
  const crypto::RangeStatement range = drift::norm_range_statement(layout, c.statement.norm);
  const auto bindings = drift::norm_range_bindings(layout, proof.block_commitments);
  const auto s = crypto::range_opening_shapes(range, bindings);
  shapes.insert(shapes.end(), s.begin(), s.end());
  return shapes;
}

std::string statement_difference(const CertStatement& expected, const CertStatement& actual,
                                 const commitment::ModelCommitment& base) {
  const auto name = [&](std::uint32_t i) {
    return i < base.tensors.size() ? quote_untrusted(base.tensors[i].name) : std::to_string(i);
  };
  if (expected.frozen != actual.frozen) return "the frozen tensors differ";
  if (expected.allowed != actual.allowed) return "the allowed tensors differ";
  if (expected.norm.range_limb_bits != actual.norm.range_limb_bits) return "the range limb size differs";
  if (expected.norm.tensors.size() != actual.norm.tensors.size()) return "the norm tensors differ";
  for (std::size_t i = 0; i < expected.norm.tensors.size(); ++i) {
    const auto& e = expected.norm.tensors[i];
    const auto& a = actual.norm.tensors[i];
    if (e.tensor != a.tensor) return "the norm tensors differ";
    if (!(e == a)) return fmt::format("tensor {}: the norm bound differs from the policy's", name(e.tensor));
  }
  if (expected.extra_absolute != actual.extra_absolute) return "the additional absolute bounds differ";
  if (expected.uncovered != actual.uncovered) return "the list of rules not certified differs";
  return "differs";
}

VerifyReport verify_impl(std::span<const std::uint8_t> bytes, const policy::Policy& policy,
                         const VerifyOptions& options) {
  VerifyReport report;
  report.certificate_bytes = bytes.size();
  CheckFailure& fail = report.failure;
  Certificate& c = report.certificate;

  // 1. Format.
  fail = parse_certificate(bytes, c);
  if (fail.failed()) return report;
  const CertStatement& st = c.statement;
  drift::NormLayout layout;
  drift::NormProof proof;
  const bool has_norms = !st.norm.tensors.empty();
  if (has_norms) {
    const drift::DriftStatus s = drift::NormLayout::make(c.base, c.candidate, st.norm, layout);
    if (s != drift::DriftStatus::kOk) {
      fail = {"statement", fmt::format("the norm statement does not fit the commitments: {}", drift::drift_status_name(s))};
      return report;
    }
    if (c.disclosure.items.size() != layout.items.size()) {
      fail = {"format", fmt::format("{} disclosed statistics, the statement has {} items", c.disclosure.items.size(),
                                    layout.items.size())};
      return report;
    }
    const drift::DriftResult p = drift::NormProof::parse(c.norm_proof, c.base, c.candidate, st.norm, layout, proof);
    if (!p.ok()) {
      fail = {"format", "norm proof: " + drift_reason(p)};
      return report;
    }
  } else if (!c.norm_proof.empty() || !c.disclosure.items.empty()) {
    fail = {"format", "a norm proof or statistics without norm tensors"};
    return report;
  }

  // 2. Parameters: one set everywhere, and the proven floor for every group.
  if (c.base.params != c.params || c.candidate.params != c.params) {
    fail = {"parameters", "the commitments' Basefold parameters differ from the certificate's"};
    return report;
  }
  if (!options.insecure_test_parameters) {
    const auto check = [&](unsigned n, std::size_t m, const std::string& where) {
      const crypto::Status s = crypto::basefold_check_security(c.params, n, m);
      if (s != crypto::Status::kOk && !fail.failed()) {
        fail = {"parameters", fmt::format("{} (n = {}, M = {}): {}: below the proven {}-bit floor", where, n, m,
                                          crypto::status_name(s), crypto::kBasefoldTargetBits)};
      }
    };
    for (std::size_t g = 0; g < c.base.groups.size(); ++g) {
      check(c.base.groups[g].num_vars, c.base.groups[g].num_polys, fmt::format("base group {}", g));
    }
    for (std::size_t g = 0; g < c.candidate.groups.size(); ++g) {
      check(c.candidate.groups[g].num_vars, c.candidate.groups[g].num_polys, fmt::format("candidate group {}", g));
    }
    if (has_norms) {
      for (const crypto::BasefoldGroupShape& s : proof_shapes(c, layout, proof)) {
        check(s.num_vars, s.num_polys, "norm proof group");
      }
    }
    if (fail.failed()) return report;
  }

  // 3. Policy.
  const std::string canonical = policy::canonical_policy(policy);
  const Sha256Digest digest = policy::policy_digest(policy);
  if (c.policy_digest != digest || c.policy_canonical != canonical ||
      sha256({reinterpret_cast<const std::uint8_t*>(canonical.data()), canonical.size()}) != c.policy_digest) {
    fail = {"policy", fmt::format("the certificate was issued under policy {}, not the given policy {}",
                                  to_hex(c.policy_digest), to_hex(digest))};
    return report;
  }

  // 4. Statement, rebuilt from the policy and the commitments.
  StatementBuild build;
  try {
    build = build_statement(policy, c.base, c.candidate);
  } catch (const std::exception& e) {
    fail = {"statement", e.what()};
    return report;
  }
  if (!build.violations.empty()) {
    fail = {"statement", "the committed models violate the policy: " + build.violations.front()};
    return report;
  }
  if (!(build.statement == st)) {
    fail = {"statement", statement_difference(build.statement, st, c.base)};
    return report;
  }

  // 5. Commitments: digests recompute from the records.
  if (!drift::norm_commitment_consistent(c.base) || !drift::norm_commitment_consistent(c.candidate)) {
    fail = {"commitments", "a commitment's root does not recompute from its records"};
    return report;
  }

  // 6. Frozen.
  const drift::DriftResult frozen = drift::verify_frozen(c.base, c.candidate, st.frozen);
  if (!frozen.ok()) {
    fail = {"frozen", fmt::format("{}: tensor {}", drift_reason(frozen), first_unfrozen(c.base, c.candidate, st.frozen))};
    return report;
  }

  // 7. Norm proof (its bounds included), 8. additional absolute bounds.
  if (has_norms) {
    crypto::Transcript t = certificate_transcript(c.params, c.policy_digest, c.base, c.candidate, st);
    drift::NormVerifyOptions norm_options;
    norm_options.min_security_bits = options.insecure_test_parameters ? 0 : crypto::kBasefoldTargetBits;
    const drift::DriftResult r = drift::verify_norms(c.base, c.candidate, st.norm, c.disclosure, proof, t, norm_options);
    if (r.status == drift::DriftStatus::kBoundExceeded) {
      fail = {"bounds", "a proven Frobenius norm exceeds its bound (bound_exceeded)"};
      return report;
    }
    if (!r.ok()) {
      fail = {"norm proof", drift_reason(r)};
      return report;
    }
    for (const AbsoluteCheck& a : st.extra_absolute) {
      const uint128 s = c.disclosure.items[layout.tensors[a.position].first_item].value();
      if (!drift::norm_bound_holds({drift::NormBoundKind::kAbsolute, a.max_delta_squares, 0, 1}, s, 0)) {
        fail = {"bounds", fmt::format("tensor {}: the proven Frobenius norm exceeds the absolute bound",
                                      quote_untrusted(c.base.tensors[st.norm.tensors[a.position].tensor].name))};
        return report;
      }
    }
  }
  report.partial = !st.uncovered.empty();
  report.tensors = findings(policy, c);
  return report;
}

}  // namespace

std::string failure_line(const CheckFailure& failure) {
  return fmt::format("certificate invalid: {}: {}", failure.check, failure.reason);
}

VerifyReport verify_certificate(std::span<const std::uint8_t> bytes, const policy::Policy& policy,
                                const VerifyOptions& options) {
  const auto start = Clock::now();
  VerifyReport report;
  try {
    report = verify_impl(bytes, policy, options);
  } catch (const std::bad_alloc&) {
    report.failure = {"format", "out of memory"};
  } catch (const std::exception& e) {
    report.failure = {"format", e.what()};
  }
  report.seconds = seconds_since(start);
  return report;
}

ProveResult prove_certificate(const policy::Policy& policy, const Checkpoint& base, const Checkpoint& candidate,
                              const commitment::ModelCommitment* base_commitment, const ProveOptions& options) {
  ProveResult res;
  auto start = Clock::now();
  if (base_commitment != nullptr) {
    res.base = *base_commitment;
  } else {
    commitment::CommitOptions bo;
    bo.params = options.params;
    res.base = commitment::commit_model(base, bo);
  }
  if (options.enforce_security_floor) {
    for (const crypto::BasefoldCommitment& g : res.base.groups) {
      if (crypto::basefold_check_security(res.base.params, g.num_vars, g.num_polys) != crypto::Status::kOk) {
        throw Error(ErrorCode::kUsage, "the base commitment's Basefold parameters are below the proven floor");
      }
    }
  }
  commitment::CommitOptions co;
  co.params = res.base.params;
  co.given_scales = commitment::scales_of(res.base);
  res.candidate = commitment::commit_model(candidate, co);
  res.commit_seconds = seconds_since(start);
  start = Clock::now();

  StatementBuild build = build_statement(policy, res.base, res.candidate);
  if (!build.violations.empty()) {
    res.outcome = ProveOutcome::kViolation;
    for (const std::string& v : build.violations) res.message += v + "\n";
    return res;
  }
  if (!build.statement.uncovered.empty() && !options.allow_partial) {
    res.outcome = ProveOutcome::kUncertifiable;
    for (const Uncovered& u : build.statement.uncovered) {
      res.message += fmt::format("rule {} ({}, {} tensors) cannot be certified yet\n", quote_untrusted(u.rule), u.what,
                                 u.tensors);
    }
    return res;
  }
  const drift::DriftResult frozen = drift::verify_frozen(res.base, res.candidate, build.statement.frozen);
  if (!frozen.ok()) {
    res.outcome = ProveOutcome::kViolation;
    res.message = fmt::format("tensor {} is frozen but changed\n",
                              first_unfrozen(res.base, res.candidate, build.statement.frozen));
    return res;
  }

  Certificate c;
  c.params = res.base.params;
  c.policy_canonical = policy::canonical_policy(policy);
  c.policy_digest = policy::policy_digest(policy);
  c.base = res.base;
  c.candidate = res.candidate;
  c.statement = build.statement;
  if (!c.statement.norm.tensors.empty()) {
    drift::NormLayout layout;
    const drift::DriftStatus s = drift::NormLayout::make(c.base, c.candidate, c.statement.norm, layout);
    if (s != drift::DriftStatus::kOk) {
      throw Error(ErrorCode::kInternal, fmt::format("norm statement refused: {}", drift::drift_status_name(s)));
    }
    std::map<std::uint32_t, crypto::BasefoldProverData> base_data, candidate_data;
    for (const drift::NormClassLayout& k : layout.classes) {
      for (const std::uint32_t g : k.base_groups) {
        if (!base_data.contains(g)) base_data.emplace(g, crypto::basefold_commit(c.params, commitment::group_tables(base, c.base, g)));
      }
      for (const std::uint32_t g : k.candidate_groups) {
        if (!candidate_data.contains(g)) {
          candidate_data.emplace(g, crypto::basefold_commit(c.params, commitment::group_tables(candidate, c.candidate, g)));
        }
      }
    }
    std::vector<const crypto::BasefoldProverData*> bg(c.base.groups.size(), nullptr), cg(c.candidate.groups.size(), nullptr);
    for (const auto& [g, d] : base_data) bg[g] = &d;
    for (const auto& [g, d] : candidate_data) cg[g] = &d;
    crypto::Transcript t = certificate_transcript(c.params, c.policy_digest, c.base, c.candidate, c.statement);
    drift::NormProverOutput out = drift::prove_norms(c.base, bg, c.candidate, cg, c.statement.norm, t);
    c.disclosure = std::move(out.disclosure);
    c.norm_proof = out.proof.serialize();
    // Refuse a candidate that violates a bound: no certificate for it.
    for (std::size_t p = 0; p < c.statement.norm.tensors.size(); ++p) {
      const drift::NormTensor& nt = c.statement.norm.tensors[p];
      const std::size_t k = layout.tensors[p].first_item;
      const uint128 sq = c.disclosure.items[k].value();
      const uint128 q = nt.base_squares ? c.disclosure.items[k + 1].value() : 0;
      bool ok = drift::norm_bound_holds(nt.bound, sq, q);
      for (const AbsoluteCheck& a : c.statement.extra_absolute) {
        if (a.position == p) ok = ok && drift::norm_bound_holds({drift::NormBoundKind::kAbsolute, a.max_delta_squares, 0, 1}, sq, 0);
      }
      if (!ok) {
        const commitment::TensorRecord& rec = c.base.tensors[nt.tensor];
        const policy::Rule* rule = policy.match(rec.name);
        res.message += fmt::format("tensor {} (rule {}): ||Delta||_F = {:.6g}{} exceeds its bound\n",
                                   quote_untrusted(rec.name), rule ? rule->name : "default",
                                   to_real_norm(sq, rec.scale),
                                   q != 0 ? fmt::format(" (relative {:.6g})",
                                                        std::sqrt(static_cast<double>(sq) / static_cast<double>(q)))
                                          : "");
      }
    }
    if (!res.message.empty()) {
      res.outcome = ProveOutcome::kViolation;
      return res;
    }
  }
  res.certificate = serialize_certificate(c);
  res.prove_seconds = seconds_since(start);
  // Self-check: never hand out a certificate this verifier rejects.
  const VerifyReport check =
      verify_certificate(res.certificate, policy, {.insecure_test_parameters = !options.enforce_security_floor});
  if (!check.valid()) throw Error(ErrorCode::kInternal, "the new certificate does not verify: " + failure_line(check.failure));
  return res;
}

}  // namespace fti::certify
