// Norm-proof prover and verifier times and proof size (docs/PROTOCOL.md,
// section 10.3.9): one base/candidate tensor pair of 2^log_rows x 2^log_cols
// entries (default 2^10 x 2^10), S and Q, the proven default Basefold
// parameters. The two model commitments (and the prover data of their
// groups) are made outside the timed region. Prints key=value lines.
//
//   drift_norm_bench [log_rows log_cols [runs]]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "engine/commitment/commitment_hash.h"
#include "engine/common/sha256.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/drift/norm.h"

namespace {

using namespace fti;
using crypto::Fp;

struct Model {
  commitment::ModelCommitment commitment;
  std::vector<crypto::BasefoldProverData> groups;
};

Model make(const std::vector<std::int64_t>& values, unsigned log_rows, unsigned log_cols) {
  Model m;
  m.commitment.params = crypto::basefold_default_params();
  std::vector<Fp> table(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) table[i] = Fp::from_i64(values[i]);
  commitment::TensorRecord r;
  r.name = "w";
  r.dtype = DType::kI32;
  r.shape = {std::uint64_t{1} << log_rows, std::uint64_t{1} << log_cols};
  r.log_rows = log_rows;
  r.log_cols = log_cols;
  r.data_sha256 = fti::sha256(std::string_view(reinterpret_cast<const char*>(values.data()), values.size() * 8));
  m.commitment.tensors.push_back(r);
  m.groups.push_back(crypto::basefold_commit(m.commitment.params, {std::move(table)}));
  m.commitment.groups.push_back(m.groups[0].commitment());
  m.commitment.files.push_back({"model.safetensors", commitment::FileRole::kShard, 0, fti::sha256(std::string_view("x"))});
  commitment::compute_roots(m.commitment);
  return m;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned log_rows = argc > 2 ? static_cast<unsigned>(std::atoi(argv[1])) : 10;
  const unsigned log_cols = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 10;
  const int runs = argc > 3 ? std::atoi(argv[3]) : 3;
  const std::size_t n = std::size_t{1} << (log_rows + log_cols);
  std::mt19937_64 gen(1);
  std::uniform_int_distribution<std::int64_t> base_dist(-(1 << 22), 1 << 22), step(-(1 << 12), 1 << 12);
  std::vector<std::int64_t> b(n), c(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = base_dist(gen);
    c[i] = b[i] + step(gen);
  }
  const Model base = make(b, log_rows, log_cols);
  const Model cand = make(c, log_rows, log_cols);
  const std::vector<const crypto::BasefoldProverData*> bg{&base.groups[0]}, cg{&cand.groups[0]};
  drift::NormStatement st;
  st.tensors = {{0, true, {}}};
  for (int run = 0; run < runs; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    crypto::Transcript pt("fti.bench.drift");
    const drift::NormProverOutput out = drift::prove_norms(base.commitment, bg, cand.commitment, cg, st, pt);
    const double prove_s = seconds_since(t0);
    const std::vector<std::uint8_t> bytes = out.proof.serialize();
    t0 = std::chrono::steady_clock::now();
    crypto::Transcript vt("fti.bench.drift");
    const drift::DriftResult r = drift::verify_norms_bytes(base.commitment, cand.commitment, st, out.disclosure, bytes, vt);
    const double verify_s = seconds_since(t0);
    std::printf("log_rows=%u log_cols=%u run=%d prove_s=%.3f verify_s=%.4f proof_bytes=%zu status=%s\n", log_rows,
                log_cols, run, prove_s, verify_s, bytes.size(), std::string(drift::drift_status_name(r.status)).c_str());
  }
  return 0;
}
