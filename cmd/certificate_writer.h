// The proving step `fti prove` and `fti gate --certify` share: the same
// inputs give the same certificate, whichever verb asked for it.
#pragma once

#include <optional>
#include <string>

#include "cmd/model_loading.h"
#include "engine/certify/certify.h"
#include "engine/commitment/model_commitment.h"
#include "policy/policy.h"

namespace fti::cli {

struct CertifyRequest {
  std::string out;                                        // where the certificate goes
  std::optional<commitment::ModelCommitment> base_commitment;  // nullopt: committed here
  bool allow_partial = false;
};

struct CertifyOutcome {
  int exit_code = 0;  // 0 written; 1 the candidate violates a certified rule; 2 uncertifiable rules
  certify::ProveResult result;
  bool written() const noexcept { return exit_code == 0; }
};

// The --base-commitment file, read before any download (nullopt when `file` is empty).
std::optional<commitment::ModelCommitment> read_base_commitment(const std::string& file);

// Proves with the proven default parameters (showing the phases on a
// terminal) and writes the certificate atomically. A violating candidate or
// an uncertifiable policy gets no file: the reasons are logged and the
// outcome carries the exit code.
CertifyOutcome prove_and_write_certificate(const policy::Policy& policy, const LoadedModel& base,
                                           const LoadedModel& candidate, const CertifyRequest& request);

// "Basefold rate 1/2, 100 queries, ... proven regime".
std::string params_text(const crypto::BasefoldParams& params);

}  // namespace fti::cli
