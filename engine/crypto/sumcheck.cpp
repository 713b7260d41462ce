#include "engine/crypto/sumcheck.h"

#include <algorithm>
#include <new>
#include <stdexcept>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include "engine/crypto/bytes.h"

namespace fti::crypto {
namespace {

// Pairs per task: large enough that per-task scratch allocation is noise.
constexpr std::size_t kPairGrain = 2048;

// A statement's terms flattened across claims, with the claim's batching
// power folded into the coefficient only at the end of each round.
struct FlatTerm {
  std::size_t claim;
  Fp3 coefficient;
  const std::vector<std::uint32_t>* factors;
};

std::vector<FlatTerm> flatten(const SumcheckStatement& s) {
  std::vector<FlatTerm> out;
  for (std::size_t j = 0; j < s.claims.size(); ++j) {
    for (const SumcheckTerm& t : s.claims[j].terms) out.push_back({j, t.coefficient, &t.factors});
  }
  return out;
}

// Absorbs the whole statement: shape, structure and claimed sums. Prover and
// verifier both call this before the batching challenge.
void absorb_statement(const SumcheckStatement& s, Transcript& tr) {
  tr.absorb_u64(kSumcheckLabelNumVars, s.num_vars);
  tr.absorb_u64(kSumcheckLabelNumPolys, s.num_polys);
  tr.absorb_u64(kSumcheckLabelNumClaims, s.claims.size());
  std::vector<std::uint64_t> factors;
  for (const SumcheckClaim& c : s.claims) {
    tr.absorb_u64(kSumcheckLabelNumTerms, c.terms.size());
    for (const SumcheckTerm& t : c.terms) {
      tr.absorb_fp3(kSumcheckLabelTermCoefficient, t.coefficient);
      factors.assign(t.factors.begin(), t.factors.end());
      tr.absorb_u64s(kSumcheckLabelTermFactors, factors);
    }
    tr.absorb_fp3(kSumcheckLabelClaimedSum, c.sum);
  }
}

std::vector<Fp3> powers(const Fp3& alpha, std::size_t n) {
  std::vector<Fp3> out(n);
  Fp3 x = Fp3::one();
  for (auto& p : out) {
    p = x;
    x *= alpha;
  }
  return out;
}

// The prover's start: the statement absorbed, alpha drawn; the claims'
// weights alpha^j.
std::vector<Fp3> begin_claims(const SumcheckStatement& statement, Transcript& transcript) {
  absorb_statement(statement, transcript);
  return powers(transcript.challenge_fp3(kSumcheckLabelBatchChallenge), statement.claims.size());
}

// Sends a round polynomial and receives the round's challenge.
Fp3 exchange_round(std::vector<Fp3> message, Transcript& transcript, SumcheckProverOutput& out) {
  transcript.absorb_fp3s(kSumcheckLabelRoundPolynomial, message);
  const Fp3 r = transcript.challenge_fp3(kSumcheckLabelRoundChallenge);
  out.proof.round_polynomials.push_back(std::move(message));
  out.point.push_back(r);
  return r;
}

// Table views for one round: base (round 0 only) or extension.
struct TableView {
  const Fp* base = nullptr;
  const Fp3* ext = nullptr;
  Fp3 at(std::size_t i) const noexcept { return base != nullptr ? Fp3(base[i]) : ext[i]; }
};

// For every term t and z = 0..D: S_t(z) = sum over pairs b of
// prod_{k in factors_t} (lo_k + z (hi_k - lo_k)), lo_k = P_k[2b], hi_k = P_k[2b+1].
// F is Fp when every table is in the base field (round 0 of base inputs),
// Fp3 otherwise; load(k, i) reads P_k[i] as an F.
template <typename F, typename Load>
std::vector<F> round_sums(std::size_t pairs, unsigned degree, std::span<const FlatTerm> terms,
                          std::span<const std::uint32_t> used_polys, std::size_t num_polys, const Load& load) {
  const std::size_t points = degree + 1;
  using Acc = std::vector<F>;
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, pairs, kPairGrain), Acc(terms.size() * points),
      [&](const tbb::blocked_range<std::size_t>& r, Acc acc) -> Acc {
        std::vector<F> vals(num_polys * points);  // per task, reused for every pair
        for (std::size_t b = r.begin(); b < r.end(); ++b) {
          for (const std::uint32_t k : used_polys) {
            F* v = &vals[k * points];
            const F lo = load(k, 2 * b);
            const F hi = load(k, 2 * b + 1);
            const F diff = hi - lo;
            v[0] = lo;
            v[1] = hi;
            for (std::size_t z = 2; z < points; ++z) v[z] = v[z - 1] + diff;
          }
          for (std::size_t t = 0; t < terms.size(); ++t) {
            const std::vector<std::uint32_t>& f = *terms[t].factors;
            F* a = &acc[t * points];
            for (std::size_t z = 0; z < points; ++z) {
              F prod = vals[f[0] * points + z];
              for (std::size_t i = 1; i < f.size(); ++i) prod *= vals[f[i] * points + z];
              a[z] += prod;
            }
          }
        }
        return acc;
      },
      [](Acc a, const Acc& b) {
        for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
        return a;
      });
}

// out[b] = T[2b] + r (T[2b+1] - T[2b]) for b < out.size(), where load(i)
// reads T[i] as an Fp3 (from a stored table or computed on the fly).
template <typename Load>
void fold_into(const Load& load, const Fp3& r, std::span<Fp3> out) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, out.size(), 4 * kPairGrain),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t b = range.begin(); b < range.end(); ++b) {
                        const Fp3 lo = load(2 * b);
                        out[b] = lo + r * (load(2 * b + 1) - lo);
                      }
                    });
}

std::size_t table_size(const MultilinearRef& p) {
  return std::visit([](const auto& s) { return s.size(); }, p);
}

TableView view_of(const MultilinearRef& p) {
  TableView v;
  if (const auto* b = std::get_if<std::span<const Fp>>(&p)) {
    v.base = b->data();
  } else {
    v.ext = std::get<std::span<const Fp3>>(p).data();
  }
  return v;
}

// Lagrange weights 1 / prod_{j != i} (i - j) for the nodes 0..D.
std::vector<Fp> lagrange_weights(std::size_t degree) {
  std::vector<Fp> w(degree + 1);
  for (std::size_t i = 0; i <= degree; ++i) {
    Fp d = Fp::one();
    for (std::size_t j = 0; j <= degree; ++j) {
      if (j != i) d *= Fp::from_i64(static_cast<std::int64_t>(i) - static_cast<std::int64_t>(j));
    }
    w[i] = d;
  }
  batch_inverse(w);
  return w;
}

}  // namespace

unsigned SumcheckStatement::degree() const noexcept {
  std::size_t d = 0;
  for (const SumcheckClaim& c : claims) {
    for (const SumcheckTerm& t : c.terms) d = std::max(d, t.factors.size());
  }
  return static_cast<unsigned>(std::min<std::size_t>(d, kMaxSumcheckDegree + 1));
}

Status SumcheckStatement::check() const noexcept {
  if (num_vars > kMaxSumcheckVars || num_polys == 0 || claims.empty()) return Status::kBadParameters;
  for (const SumcheckClaim& c : claims) {
    if (c.terms.empty()) return Status::kBadParameters;
    for (const SumcheckTerm& t : c.terms) {
      if (t.factors.empty() || t.factors.size() > kMaxSumcheckDegree) return Status::kBadParameters;
      for (const std::uint32_t k : t.factors) {
        if (k >= num_polys) return Status::kBadParameters;
      }
    }
  }
  return Status::kOk;
}

Fp3 interpolate_at(std::span<const Fp3> values, const Fp3& r) {
  const std::size_t n = values.size();
  if (n == 0) return Fp3::zero();
  const std::vector<Fp> w = lagrange_weights(n - 1);
  // prod_{j != i} (r - j) from prefix and suffix products: no inversion, and
  // correct when r is one of the nodes.
  std::vector<Fp3> prefix(n + 1), suffix(n + 1);
  prefix[0] = Fp3::one();
  for (std::size_t j = 0; j < n; ++j) prefix[j + 1] = prefix[j] * (r - Fp3::from_u64(j));
  suffix[n] = Fp3::one();
  for (std::size_t j = n; j-- > 0;) suffix[j] = suffix[j + 1] * (r - Fp3::from_u64(j));
  Fp3 acc = Fp3::zero();
  for (std::size_t i = 0; i < n; ++i) acc += values[i] * (prefix[i] * suffix[i + 1]) * w[i];
  return acc;
}

Fp3 sumcheck_claim_sum(std::span<const SumcheckTerm> terms, std::span<const MultilinearRef> polys) {
  if (polys.empty()) throw std::invalid_argument("sumcheck_claim_sum: no polynomials");
  const std::size_t n = table_size(polys[0]);
  std::vector<TableView> views;
  for (const auto& p : polys) {
    if (table_size(p) != n) throw std::invalid_argument("sumcheck_claim_sum: tables of different sizes");
    views.push_back(view_of(p));
  }
  for (const SumcheckTerm& t : terms) {
    if (t.factors.empty()) throw std::invalid_argument("sumcheck_claim_sum: term without factors");
    for (const std::uint32_t k : t.factors) {
      if (k >= polys.size()) throw std::invalid_argument("sumcheck_claim_sum: factor index out of range");
    }
  }
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, n, kPairGrain), Fp3::zero(),
      [&](const tbb::blocked_range<std::size_t>& r, Fp3 acc) {
        for (std::size_t x = r.begin(); x < r.end(); ++x) {
          for (const SumcheckTerm& t : terms) {
            Fp3 prod = t.coefficient;
            for (const std::uint32_t k : t.factors) prod *= views[k].at(x);
            acc += prod;
          }
        }
        return acc;
      },
      [](const Fp3& a, const Fp3& b) { return a + b; });
}

SumcheckProverOutput sumcheck_prove(const SumcheckStatement& statement, std::span<const MultilinearRef> polys,
                                    Transcript& transcript) {
  if (statement.check() != Status::kOk) throw std::invalid_argument("sumcheck_prove: malformed statement");
  if (polys.size() != statement.num_polys) throw std::invalid_argument("sumcheck_prove: wrong number of tables");
  const std::size_t n = std::size_t{1} << statement.num_vars;
  for (const auto& p : polys) {
    if (table_size(p) != n) throw std::invalid_argument("sumcheck_prove: table size is not 2^num_vars");
  }
  const unsigned degree = statement.degree();
  const std::vector<FlatTerm> terms = flatten(statement);
  std::vector<bool> used(polys.size(), false);
  for (const FlatTerm& t : terms) {
    for (const std::uint32_t k : *t.factors) used[k] = true;
  }
  std::vector<std::uint32_t> used_polys;
  for (std::uint32_t k = 0; k < polys.size(); ++k) {
    if (used[k]) used_polys.push_back(k);
  }

  const std::vector<Fp3> alpha_pow = begin_claims(statement, transcript);
  std::vector<Fp3> term_weight(terms.size());
  for (std::size_t t = 0; t < terms.size(); ++t) term_weight[t] = alpha_pow[terms[t].claim] * terms[t].coefficient;

  std::vector<TableView> views;
  bool all_base = true;
  for (const auto& p : polys) {
    views.push_back(view_of(p));
    all_base = all_base && views.back().base != nullptr;
  }
  const std::size_t m = polys.size();
  const std::size_t points = degree + 1;
  SumcheckProverOutput out;

  // The round polynomial's values from the per-term sums.
  auto combine = [&](const auto& sums) {
    std::vector<Fp3> message(points, Fp3::zero());
    for (std::size_t t = 0; t < terms.size(); ++t) {
      for (std::size_t z = 0; z < points; ++z) message[z] += term_weight[t] * sums[t * points + z];
    }
    return message;
  };
  auto exchange = [&](std::vector<Fp3> message) { return exchange_round(std::move(message), transcript, out); };

  // Folded tables live in two buffers allocated once (fresh pages are
  // expensive, and extension tables are 3x the input): the first stored
  // table goes to A, the next fold to B, then A, B, ... With base-field
  // inputs the once-folded table (n/2 extension entries) is never stored:
  // round 1 recomputes its entries from the inputs (3 base multiplications
  // each), so the first stored table is the twice-folded one, n/4 entries.
  const bool lazy_round1 = all_base && statement.num_vars >= 2;
  const std::size_t first_stored = lazy_round1 ? n / 4 : n / 2;
  std::vector<Fp3> buffer_a(m * first_stored), buffer_b(m * (first_stored / 2));
  bool into_a = true;
  unsigned round = 0;
  std::size_t size = n;

  auto base_at = [&](std::uint32_t k, std::size_t i) { return views[k].base[i]; };
  auto any_at = [&](std::uint32_t k, std::size_t i) { return views[k].at(i); };

  if (lazy_round1) {
    const Fp3 r0 = exchange(combine(round_sums<Fp>(n / 2, degree, terms, used_polys, m, base_at)));
    auto once_folded = [&](std::uint32_t k, std::size_t j) {
      const Fp* t = views[k].base;
      const Fp lo = t[2 * j];
      return Fp3(lo) + r0 * (t[2 * j + 1] - lo);
    };
    const Fp3 r1 = exchange(combine(round_sums<Fp3>(n / 4, degree, terms, used_polys, m, once_folded)));
    for (std::uint32_t k = 0; k < m; ++k) {
      const std::span<Fp3> dest(buffer_a.data() + k * first_stored, n / 4);
      fold_into([&](std::size_t j) { return once_folded(k, j); }, r1, dest);
      views[k] = TableView{nullptr, dest.data()};
    }
    into_a = false;
    round = 2;
    size = n / 4;
  }

  for (; round < statement.num_vars; ++round) {
    const std::size_t pairs = size / 2;
    const Fp3 r = round == 0 && all_base
                      ? exchange(combine(round_sums<Fp>(pairs, degree, terms, used_polys, m, base_at)))
                      : exchange(combine(round_sums<Fp3>(pairs, degree, terms, used_polys, m, any_at)));
    std::vector<Fp3>& target = into_a ? buffer_a : buffer_b;
    const std::size_t stride = into_a ? first_stored : first_stored / 2;
    for (std::size_t k = 0; k < m; ++k) {
      const std::span<Fp3> dest(target.data() + k * stride, pairs);
      const TableView view = views[k];
      fold_into([&](std::size_t i) { return view.at(i); }, r, dest);
      views[k] = TableView{nullptr, dest.data()};
    }
    into_a = !into_a;
    size = pairs;
  }
  for (std::size_t k = 0; k < polys.size(); ++k) out.proof.final_evaluations.push_back(views[k].at(0));
  transcript.absorb_fp3s(kSumcheckLabelFinalEvaluations, out.proof.final_evaluations);
  return out;
}

SumcheckProverOutput sumcheck_prove_with(const SumcheckStatement& statement, SumcheckTables& tables,
                                         Transcript& transcript) {
  if (statement.check() != Status::kOk) throw std::invalid_argument("sumcheck_prove_with: malformed statement");
  const std::vector<Fp3> claim_weights = begin_claims(statement, transcript);
  const std::size_t points = statement.degree() + 1;
  SumcheckProverOutput out;
  for (unsigned round = 0; round < statement.num_vars; ++round) {
    std::vector<Fp3> message = tables.round_values(round, claim_weights);
    if (message.size() != points) throw std::invalid_argument("sumcheck_prove_with: round polynomial of wrong length");
    tables.bind(exchange_round(std::move(message), transcript, out));
  }
  out.proof.final_evaluations = tables.final_evaluations();
  if (out.proof.final_evaluations.size() != statement.num_polys) {
    throw std::invalid_argument("sumcheck_prove_with: wrong number of final evaluations");
  }
  transcript.absorb_fp3s(kSumcheckLabelFinalEvaluations, out.proof.final_evaluations);
  return out;
}

Status sumcheck_verify(const SumcheckStatement& statement, const SumcheckProof& proof, Transcript& transcript,
                       const SumcheckFinalCheck& final_check) {
  if (!final_check) return Status::kBadParameters;
  if (const Status s = statement.check(); s != Status::kOk) return s;
  try {
    const unsigned degree = statement.degree();
    if (proof.round_polynomials.size() != statement.num_vars) return Status::kMalformed;

    absorb_statement(statement, transcript);
    const Fp3 alpha = transcript.challenge_fp3(kSumcheckLabelBatchChallenge);
    const std::vector<Fp3> alpha_pow = powers(alpha, statement.claims.size());
    Fp3 claim = Fp3::zero();
    for (std::size_t j = 0; j < statement.claims.size(); ++j) claim += alpha_pow[j] * statement.claims[j].sum;

    std::vector<Fp3> point;
    point.reserve(statement.num_vars);
    for (const std::vector<Fp3>& p : proof.round_polynomials) {
      // Exactly D + 1 values: a shorter or longer message is a different degree.
      if (p.size() != std::size_t{degree} + 1) return Status::kWrongDegree;
      if (p[0] + p[1] != claim) return Status::kSumMismatch;
      transcript.absorb_fp3s(kSumcheckLabelRoundPolynomial, p);
      const Fp3 r = transcript.challenge_fp3(kSumcheckLabelRoundChallenge);
      claim = interpolate_at(p, r);
      point.push_back(r);
    }

    if (proof.final_evaluations.size() != statement.num_polys) return Status::kWrongLength;
    transcript.absorb_fp3s(kSumcheckLabelFinalEvaluations, proof.final_evaluations);
    Fp3 expected = Fp3::zero();
    for (std::size_t j = 0; j < statement.claims.size(); ++j) {
      Fp3 c = Fp3::zero();
      for (const SumcheckTerm& t : statement.claims[j].terms) {
        Fp3 prod = t.coefficient;
        for (const std::uint32_t k : t.factors) prod *= proof.final_evaluations[k];
        c += prod;
      }
      expected += alpha_pow[j] * c;
    }
    if (expected != claim) return Status::kFinalClaimMismatch;
    const Status checked = final_check(point, proof.final_evaluations);
    return checked == Status::kOk ? Status::kOk : checked;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

std::vector<std::uint8_t> SumcheckProof::serialize() const {
  ByteWriter w;
  std::uint8_t buf[Fp3::kEncodedSize];
  auto put_vec = [&](const std::vector<Fp3>& v) {
    w.u32(static_cast<std::uint32_t>(v.size()));
    for (const Fp3& x : v) {
      x.write(buf);
      w.raw(buf);
    }
  };
  w.u32(static_cast<std::uint32_t>(round_polynomials.size()));
  for (const auto& p : round_polynomials) put_vec(p);
  put_vec(final_evaluations);
  return std::move(w).take();
}

Status SumcheckProof::parse(std::span<const std::uint8_t> bytes, SumcheckProof& out) {
  ByteReader r(bytes);
  Status status = Status::kOk;
  auto get_vec = [&](std::vector<Fp3>& v) -> bool {
    const auto n = r.u32();
    // Counts are checked against the bytes present before allocating; a round
    // polynomial has at most kMaxSumcheckDegree + 1 values and the final
    // evaluations are at most one per polynomial (the verifier checks both
    // exactly against its statement).
    if (!n || r.remaining() / Fp3::kEncodedSize < *n) {
      status = Status::kMalformed;
      return false;
    }
    v.resize(*n);
    for (Fp3& x : v) {
      const auto parsed = Fp3::from_bytes(*r.take(Fp3::kEncodedSize));
      if (!parsed) {
        status = Status::kNonCanonical;
        return false;
      }
      x = *parsed;
    }
    return true;
  };
  SumcheckProof proof;
  const auto rounds = r.u32();
  // No statement has more than kMaxSumcheckVars rounds, and each round takes at
  // least its 4-byte count: both are checked before allocating, so a hostile
  // count cannot make the parser reserve a vector per 4 bytes of input.
  if (!rounds || *rounds > kMaxSumcheckVars || r.remaining() / 4 < *rounds) return Status::kMalformed;
  proof.round_polynomials.resize(*rounds);
  for (auto& p : proof.round_polynomials) {
    if (!get_vec(p)) return status;
  }
  if (!get_vec(proof.final_evaluations)) return status;
  if (!r.done()) return Status::kMalformed;
  out = std::move(proof);
  return Status::kOk;
}

}  // namespace fti::crypto
