// Sumcheck over the boolean hypercube for batched sums of products of
// multilinear polynomials.
//
// A statement is a list of claims over the same v variables and the same
// list of m polynomials P_0..P_{m-1}:
//   claim j:  sum_{x in {0,1}^v} sum_t c_{j,t} prod_{k in factors_{j,t}} P_k(x) = s_j.
// The claims are batched with powers of a challenge alpha drawn after every
// claim is absorbed: the protocol proves sum_j alpha^j (claim j). Round i
// (binding x_i, see multilinear.h) sends the combined round polynomial as its
// D + 1 values at 0, 1, ..., D, where D is the statement's degree (the most
// factors in any term); the verifier checks the count exactly, checks
// p(0) + p(1) against the running claim (it never derives p(1) from the
// claim) and moves to p(r_i). At the end the prover sends P_k(r) for every k;
// the verifier checks that they reproduce the last running claim and then
// hands them to a caller-supplied check against the commitments: without that
// check sumcheck proves nothing, so sumcheck_verify cannot be called without
// one and returns kOk only if it passes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <variant>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/status.h"
#include "engine/crypto/transcript.h"

namespace fti::crypto {

inline constexpr unsigned kMaxSumcheckDegree = 16;
inline constexpr unsigned kMaxSumcheckVars = 40;

// Transcript labels, in the order they are used (docs/PROTOCOL.md, "Sumcheck").
inline constexpr std::string_view kSumcheckLabelNumVars = "sumcheck.num_vars";
inline constexpr std::string_view kSumcheckLabelNumPolys = "sumcheck.num_polys";
inline constexpr std::string_view kSumcheckLabelNumClaims = "sumcheck.num_claims";
inline constexpr std::string_view kSumcheckLabelNumTerms = "sumcheck.num_terms";
inline constexpr std::string_view kSumcheckLabelTermCoefficient = "sumcheck.term_coefficient";
inline constexpr std::string_view kSumcheckLabelTermFactors = "sumcheck.term_factors";
inline constexpr std::string_view kSumcheckLabelClaimedSum = "sumcheck.claimed_sum";
inline constexpr std::string_view kSumcheckLabelBatchChallenge = "sumcheck.batch_challenge";
inline constexpr std::string_view kSumcheckLabelRoundPolynomial = "sumcheck.round_polynomial";
inline constexpr std::string_view kSumcheckLabelRoundChallenge = "sumcheck.round_challenge";
inline constexpr std::string_view kSumcheckLabelFinalEvaluations = "sumcheck.final_evaluations";

// coefficient * prod_{k in factors} P_k. A polynomial may appear several
// times (P_k^2 is factors {k, k}).
struct SumcheckTerm {
  Fp3 coefficient = Fp3::one();
  std::vector<std::uint32_t> factors;
};

struct SumcheckClaim {
  std::vector<SumcheckTerm> terms;
  Fp3 sum;  // the claimed value of the sum over the hypercube
};

struct SumcheckStatement {
  unsigned num_vars = 0;
  std::uint32_t num_polys = 0;
  std::vector<SumcheckClaim> claims;

  // D: the largest number of factors in any term.
  unsigned degree() const noexcept;
  // kOk, or kBadParameters for: no claims, a claim without terms, a term
  // without factors, a factor index >= num_polys, D > kMaxSumcheckDegree,
  // num_vars > kMaxSumcheckVars.
  Status check() const noexcept;
};

struct SumcheckProof {
  std::vector<std::vector<Fp3>> round_polynomials;  // v rounds of D + 1 values p(0..D)
  std::vector<Fp3> final_evaluations;               // P_k(r) for k < m

  // LE32(rounds) || per round: LE32(n) || n * Fp3 || LE32(m) || m * Fp3 (Fp3: 24 bytes).
  std::vector<std::uint8_t> serialize() const;
  // Rejects truncation, trailing bytes (kMalformed) and non-canonical
  // elements (kNonCanonical). Shapes are checked by sumcheck_verify.
  static Status parse(std::span<const std::uint8_t> bytes, SumcheckProof& out);
};

// A polynomial table, base or extension, of size 2^num_vars (borrowed).
using MultilinearRef = std::variant<std::span<const Fp>, std::span<const Fp3>>;

// sum_x sum_t c_t prod P_k(x): what an honest prover claims.
Fp3 sumcheck_claim_sum(std::span<const SumcheckTerm> terms, std::span<const MultilinearRef> polys);

struct SumcheckProverOutput {
  SumcheckProof proof;
  std::vector<Fp3> point;  // r_0..r_{v-1}; proof.final_evaluations are the P_k there
};

// Honest prover, linear in 2^v (TBB-parallel over the hypercube). Runs the
// same transcript schedule as the verifier. Throws std::invalid_argument if
// the statement is malformed or the tables do not match it (it does not check
// the claimed sums: a wrong sum simply yields a proof that is rejected).
SumcheckProverOutput sumcheck_prove(const SumcheckStatement& statement, std::span<const MultilinearRef> polys,
                                    Transcript& transcript);

// The prover's side of the tables for statements whose structure a generic
// table list would waste (polynomials that repeat, factors that are known
// combinations): sumcheck_prove_with runs the protocol's schedule (statement
// absorbed, batching challenge, one round polynomial and challenge per round,
// the final evaluations absorbed) and asks these only for the values. Any
// implementation that returns the true values yields the bytes
// sumcheck_prove would.
class SumcheckTables {
 public:
  virtual ~SumcheckTables() = default;
  // The values at 0..D of round `round`'s polynomial, sum_j claim_weights[j]
  // (claim j's sum with x_0..x_{round-1} bound and x_round free).
  virtual std::vector<Fp3> round_values(unsigned round, std::span<const Fp3> claim_weights) = 0;
  // Binds x_round to r.
  virtual void bind(const Fp3& r) = 0;
  // P_k(r) for every polynomial, once every variable is bound.
  virtual std::vector<Fp3> final_evaluations() const = 0;
};

// The prover over caller-implemented tables. Throws std::invalid_argument if
// the statement is malformed or `tables` returns a round polynomial of the
// wrong length or the wrong number of final evaluations.
SumcheckProverOutput sumcheck_prove_with(const SumcheckStatement& statement, SumcheckTables& tables,
                                         Transcript& transcript);

// The caller's check of the prover's final evaluations P_k(r) against the
// committed polynomials (a commitment opening, or a direct evaluation when the
// verifier knows P_k). It runs after the evaluations are absorbed, so it may
// continue the transcript. Returns kOk only if every value is correct.
using SumcheckFinalCheck =
    std::function<Status(std::span<const Fp3> point, std::span<const Fp3> claimed_evaluations)>;

// kOk only if every round check passes, the final evaluations reproduce the
// last claim, and final_check accepts them. An empty final_check is
// kBadParameters. Never throws on adversarial proofs.
[[nodiscard]] Status sumcheck_verify(const SumcheckStatement& statement, const SumcheckProof& proof,
                                     Transcript& transcript, const SumcheckFinalCheck& final_check);

// p(r) for the polynomial of degree <= D with values p(0..D) = values.
Fp3 interpolate_at(std::span<const Fp3> values, const Fp3& r);

}  // namespace fti::crypto
