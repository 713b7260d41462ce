// Fuzzes the strict parsers of every proof object a certificate carries
// (PROTOCOL.md sections 4.3, 6.2, 7.2, 7.7, 8.7). The first byte picks the
// parser, the rest is the input. Properties: no crash, no allocation beyond
// what the input's length allows (ASan's allocation limit catches the rest),
// and an accepted input re-serializes to exactly the same bytes (one
// encoding per object, so a flipped byte can never verify as the same proof).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/basefold_proof.h"
#include "engine/crypto/logup_gkr_proof.h"
#include "engine/crypto/merkle.h"
#include "engine/crypto/range_proof.h"
#include "engine/crypto/range_statement.h"
#include "engine/crypto/sumcheck.h"

namespace {

using namespace fti::crypto;

template <typename T>
void require_round_trip(Status status, const T& parsed, std::span<const std::uint8_t> input) {
  if (status != Status::kOk) return;
  const std::vector<std::uint8_t> again = parsed.serialize();
  if (again.size() != input.size() || !std::equal(again.begin(), again.end(), input.begin())) __builtin_trap();
}

// Small public shapes, so that accepted inputs are reachable by the fuzzer;
// the seed corpus (tests/fuzz/corpus/proof_parse_fuzz) holds honest proofs of
// exactly these shapes.
BasefoldParams small_params() {
  BasefoldParams p = basefold_default_params();
  p.commit_leaf_log_size = 2;
  p.fold_log_arity = 1;
  p.final_log_size = 2;
  p.num_queries = 4;
  p.grinding_bits = 0;
  p.cap_log = 1;
  return p;
}

RangeStatement small_statement() {
  RangeStatement statement;
  statement.limb_bits = 4;
  statement.vectors = {{3, 8, false}, {2, 5, true}};
  return statement;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {
      SumcheckProof p;
      require_round_trip(SumcheckProof::parse(in, p), p, in);
      break;
    }
    case 1: {
      MerkleMultiProof p;
      require_round_trip(MerkleMultiProof::parse(in, p), p, in);
      break;
    }
    case 2: {
      BasefoldCommitment c;
      require_round_trip(BasefoldCommitment::parse(in, basefold_default_params(), c), c, in);
      break;
    }
    case 3: {
      // Two sizes in one opening, and two groups of one shape (a batch of two).
      const BasefoldGroupShape shapes[] = {{4, 2}, {2, 1}, {4, 2}};
      BasefoldProof p;
      require_round_trip(BasefoldProof::parse(in, small_params(), shapes, p), p, in);
      break;
    }
    case 4: {
      const RangeLayout layout = RangeLayout::make(small_statement());
      LogupGkrProof p;
      require_round_trip(LogupGkrProof::parse(in, layout.instance_vars, p), p, in);
      break;
    }
    default: {
      RangeReductionProof p;
      require_round_trip(RangeReductionProof::parse(in, small_statement(), p), p, in);
      break;
    }
  }
  return 0;
}
