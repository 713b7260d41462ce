// Prover and verifier of drift certificates (docs/PROTOCOL.md, section 10.4):
// `fti prove` and `fti verify`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/certify/certificate.h"
#include "engine/certify/statement.h"
#include "engine/commitment/model_commitment.h"
#include "policy/policy.h"
#include "registry/checkpoint.h"

namespace fti::certify {

enum class ProveOutcome : std::uint8_t {
  kCertified = 0,
  kViolation,      // the candidate violates a certified rule (or structure): no certificate
  kUncertifiable,  // a matching rule or budget is not provable yet and allow_partial is off
};

// The phase prove_certificate is starting, for a progress display.
struct ProveProgress {
  std::string_view phase;  // "committing the base", "norm proof", ...
  unsigned step = 0;       // 1-based; phases with nothing to do are skipped
  unsigned steps = 0;
};

struct ProveOptions {
  // Parameters of the base commitment when it is computed here. The CLI
  // never changes them (proven defaults); tests pass small ones and must then
  // verify with VerifyOptions::insecure_test_parameters.
  crypto::BasefoldParams params = crypto::basefold_default_params();
  bool allow_partial = false;
  // Refuse parameters below the security floor (the CLI always does).
  bool enforce_security_floor = true;
  // Told at the start of each phase, on the calling thread (fti prove's
  // progress line); empty: nothing is told. Changes nothing else.
  std::function<void(const ProveProgress&)> progress;
  // Opened groups hold their stacked codewords within this many bytes per
  // commitment computed here (the base's, the candidate's) and again for the
  // groups of a stored base re-encoded to be opened (shared groups copied
  // from the base are not counted again); the others keep tables and upper
  // tree only and the openings compute what they read of the codeword from
  // the tables (the same certificate bit for bit;
  // commitment::CommitOptions::kept_codeword_budget).
  std::size_t kept_codeword_budget = commitment::default_kept_codeword_budget();
};

struct ProveResult {
  ProveOutcome outcome = ProveOutcome::kCertified;
  std::string message;               // why not certified (one line per problem)
  std::vector<std::uint8_t> certificate;
  commitment::ModelCommitment base;  // as used
  commitment::ModelCommitment candidate;
  double commit_seconds = 0, prove_seconds = 0;
};

// Commits (base unless given, candidate at the base's scales), builds the
// statement, checks frozen tensors, proves the norms, checks every bound,
// and returns the certificate only if the candidate complies with every
// certified rule. Throws Error for unreadable input or a policy problem.
ProveResult prove_certificate(const policy::Policy& policy, const Checkpoint& base, const Checkpoint& candidate,
                              const commitment::ModelCommitment* base_commitment, const ProveOptions& options = {});

struct VerifyOptions {
  // TESTS ONLY (the CLI never sets it): skip the security floor so that
  // certificates with small Basefold parameters verify.
  bool insecure_test_parameters = false;
};

// A certified rank claim (10.4.5): the proven residual ||E||_F / 2^t in real
// units sqrt(R) 2^-(s+t), relative to ||B|| = sqrt(Q) 2^-s when the bound is relative.
struct RankFinding {
  std::uint32_t max_rank = 0;
  unsigned factor_bits = 0, shift = 0;
  uint128 residual_squares = 0;  // R
  double residual = 0;
  double base_norm = 0;          // relative bounds only
  double relative = 0;
  std::optional<double> absolute_bound, relative_bound;  // the policy's numbers
  std::uint64_t heads = 0;        // per_head: the policy's head count (0 without)
  std::string head_side;          // per_head: "rows" or "columns" of the committed table
};

// A certified max_abs / count claim (10.4.5, 10.6): M 2^-s in real units,
// and the proven count c with the rounded values it cannot see.
struct EntryFinding {
  std::optional<double> max_abs_bound;   // |Delta| <= this (M 2^-s), when certified
  std::optional<std::uint64_t> changed;  // c, when a count is proven
  std::uint64_t slack = 0;               // inexact values (base + candidate): changed <= c + slack
  std::optional<std::uint64_t> max_changed;  // the tensor's own count bound K, when its rule has one
};

// One line of the report, per base tensor.
struct TensorFinding {
  std::string name;
  std::string rule;     // rule name, or "default"
  std::string claim;    // "frozen", "allow", "frobenius.absolute", "frobenius.relative", "frobenius", "rank"
  std::int32_t scale = 0;
  uint128 delta_squares = 0;  // S (norm claims)
  uint128 base_squares = 0;   // Q (relative)
  std::optional<double> absolute_bound, relative_bound;  // the policy's numbers
  double norm = 0;            // sqrt(S) 2^-s: ||Delta||_F of the encodings, in real units
  double relative = 0;        // sqrt(S / Q)
  std::vector<std::string> uncovered;  // classes of its rule not certified
  std::optional<RankFinding> rank;     // its rule's certified rank claim
  std::optional<EntryFinding> entry;   // its certified max_abs / count claims
};

// A certified budget (10.4.3), for the report: the proven total in real
// units and the policy's bounds.
struct BudgetFinding {
  std::string name;
  std::string kind;  // "norm" or "sparsity"
  std::uint32_t tensors = 0;
  double norm = 0, relative = 0;        // norm: sqrt(sum S 2^-2s), and over sqrt(sum Q 2^-2s) when relative
  std::optional<double> absolute_bound, relative_bound;
  std::uint64_t changed = 0;            // sparsity: sum (c + slack)
  std::uint64_t max_changed = 0;        // sparsity: K
};

struct VerifyReport {
  CheckFailure failure;  // empty when valid
  bool valid() const noexcept { return !failure.failed(); }
  bool partial = false;
  Certificate certificate;  // as parsed (when the format check passed)
  std::vector<TensorFinding> tensors;
  std::vector<BudgetFinding> budgets;
  std::size_t certificate_bytes = 0;
  double seconds = 0;
};

// Every check of section 10.4.5 in order; never throws on adversarial input.
VerifyReport verify_certificate(std::span<const std::uint8_t> bytes, const policy::Policy& policy,
                                const VerifyOptions& options = {});

// The one-line reason: "certificate invalid: norm proof: range_rejected (...)".
std::string failure_line(const CheckFailure& failure);

}  // namespace fti::certify
