#include "cmd/certificate_writer.h"

#include <fmt/core.h>

#include <string_view>

#include "cmd/console.h"
#include "engine/commitment/commitment_file.h"
#include "engine/common/error.h"
#include "engine/common/sha256.h"

namespace fti::cli {
namespace {

// The prover's reasons come one per line; one log message each.
void log_lines(std::string_view text) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    if (!line.empty()) log_failure(fmt::format("  {}", line));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

}  // namespace

std::optional<commitment::ModelCommitment> read_base_commitment(const std::string& file) {
  if (file.empty()) return std::nullopt;
  return commitment::read_commitment_file(file);
}

CertifyOutcome prove_and_write_certificate(const policy::Policy& policy, const LoadedModel& base,
                                           const LoadedModel& candidate, const CertifyRequest& request) {
  // The CLI always uses the proven defaults and enforces the floor.
  certify::ProveOptions options;
  options.allow_partial = request.allow_partial;
  PhaseProgress progress("proving");
  options.progress = [&progress](const certify::ProveProgress& p) { progress.show(p.phase, p.step, p.steps); };
  CertifyOutcome outcome;
  outcome.result = certify::prove_certificate(policy, base.checkpoint, candidate.checkpoint,
                                              request.base_commitment ? &*request.base_commitment : nullptr, options);
  progress.finish();
  const certify::ProveResult& r = outcome.result;
  if (r.outcome == certify::ProveOutcome::kViolation) {
    log_failure("the candidate violates the policy; no certificate written:");
    log_lines(r.message);
    outcome.exit_code = kExitViolation;
    return outcome;
  }
  if (r.outcome == certify::ProveOutcome::kUncertifiable) {
    log_failure("the policy has rules this fti cannot certify yet (pass --allow-partial to certify the others):");
    log_lines(r.message);
    outcome.exit_code = kExitUsage;
    return outcome;
  }
  certify::write_certificate_file(request.out, r.certificate);
  log_debug(fmt::format("certificate {}: commit {:.2f} s, prove {:.2f} s, {}", request.out, r.commit_seconds,
                        r.prove_seconds, params_text(r.base.params)),
            {{"commit_seconds", r.commit_seconds}, {"prove_seconds", r.prove_seconds}});
  return outcome;
}

std::string params_text(const crypto::BasefoldParams& p) {
  return fmt::format("Basefold rate 1/{}, {} queries, {} grinding bits, {}", 1u << p.log_blowup, p.num_queries,
                     p.grinding_bits, p.proven() ? "proven regime" : "CONJECTURED regime");
}

}  // namespace fti::cli
