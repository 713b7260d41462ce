#include "engine/crypto/basefold_windows.h"

#include <algorithm>
#include <array>
#include <bit>
#include <memory>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/large_buffer.h"
#include "engine/crypto/moebius.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/powers.h"
#include "engine/crypto/reed_solomon.h"

namespace fti::crypto {
namespace {

constexpr std::size_t kFoldGrain = std::size_t{1} << 14;
constexpr std::size_t kPiece = 2048;  // values folded per kernel call (scratch on the stack)

// out[i] = low[i] + v (high[i] - low[i]): one variable of a multilinear
// table fixed at v (vectorized through multiply_accumulate).
void fold_half(const Fp* low, const Fp* high, Fp v, Fp* out, std::size_t len) {
  for (std::size_t i = 0; i < len; ++i) out[i] = high[i] - low[i];
  multiply_accumulate(std::span<Fp>(out, len), v, std::span<const Fp>(low, len));
}

// Calls piece(y, i, offset, len) for the M member-major parts of 2^log_part
// values each (offset = y 2^log_part + i), in parallel pieces of at most
// kPiece values that never straddle two members.
template <typename Piece>
void for_each_piece(std::size_t members, unsigned log_part, const Piece& piece) {
  const std::size_t part = std::size_t{1} << log_part;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, members << log_part, kFoldGrain),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t a = r.begin(); a < r.end();) {
                        const std::size_t y = a >> log_part, i = a & (part - 1);
                        const std::size_t len = std::min({r.end() - a, part - i, kPiece});
                        piece(y, i, a, len);
                        a += len;
                      }
                    });
}

// One coset of 2^log_range member positions: [first, first + 2^log_range).
struct Target {
  std::size_t first = 0;
  std::size_t slot = 0;  // where its stacked values go
  Fp x;                  // the coset's first point, domain_point(n + b, first)
  Fp key;                // x^(2^j) for the variable being grouped on
};

// The fold tree of PROTOCOL.md 7.10 over one group's tables: every node is the
// members' tables with their top variables fixed (member-major, M parts of
// 2^vars values), a leaf is one coset's reduction.
class WindowTree {
 public:
  WindowTree(std::span<const std::vector<Fp>> tables, unsigned stack_vars, unsigned log_blowup, unsigned log_range,
             std::span<Fp> out)
      : tables_(tables),
        num_vars_(static_cast<unsigned>(std::countr_zero(tables.front().size()))),
        stack_vars_(stack_vars),
        log_blowup_(log_blowup),
        log_range_(log_range),
        out_(out) {
    if (log_range_ >= 1 && log_range_ <= 22) ntt_ = std::make_unique<SerialCosetNtt>(log_range_);
    buffers_.reserve(num_vars_ + 1);  // one per depth: references into it stay valid
  }

  void run(std::span<Target> targets) {
    const unsigned folds = num_vars_ - log_range_;
    if (folds == 0) {
      for (const Target& t : targets) finish(Node{tables_, {}, num_vars_}, t);
      return;
    }
    // The root's step fixes up to two variables at once, straight from the
    // tables: the largest node then holds a quarter of them.
    const unsigned k = std::min(2u, folds);
    const unsigned vars = num_vars_ - k;
    group_by(targets, vars, [&](std::span<Target> run) {
      const Fp lo = run.front().key;  // x^(2^(n-k))
      const Fp hi = lo * lo;          // x^(2^(n-1)) when k = 2
      std::vector<Fp>& child = buffer(0, vars);
      const std::size_t quarter = std::size_t{1} << vars;
      for_each_piece(tables_.size(), vars, [&](std::size_t y, std::size_t i, std::size_t at, std::size_t len) {
        const Fp* t = tables_[y].data() + i;
        if (k == 1) {
          fold_half(t, t + quarter, lo, child.data() + at, len);
          return;
        }
        std::array<Fp, kPiece> e0, e1;
        fold_half(t, t + 2 * quarter, hi, e0.data(), len);
        fold_half(t + quarter, t + 3 * quarter, hi, e1.data(), len);
        fold_half(e0.data(), e1.data(), lo, child.data() + at, len);
      });
      descend(child, vars, run, 1);
    });
  }

 private:
  struct Node {
    std::span<const std::vector<Fp>> tables;  // the root: the members' own tables
    std::span<const Fp> flat;                 // otherwise: member-major values
    unsigned vars;
    std::span<const Fp> member(std::size_t y) const {
      return flat.empty() ? std::span<const Fp>(tables[y])
                          : flat.subspan(y << vars, std::size_t{1} << vars);
    }
  };

  // Sorts targets by x^(2^vars) and calls f on each run of equal keys.
  template <typename F>
  static void group_by(std::span<Target> targets, unsigned vars, const F& f) {
    for (Target& t : targets) {
      Fp key = t.x;
      for (unsigned s = 0; s < vars; ++s) key = key * key;
      t.key = key;
    }
    std::sort(targets.begin(), targets.end(),
              [](const Target& a, const Target& b) { return a.key.value() < b.key.value(); });
    for (std::size_t begin = 0; begin < targets.size();) {
      std::size_t end = begin + 1;
      while (end < targets.size() && targets[end].key == targets[begin].key) ++end;
      f(targets.subspan(begin, end - begin));
      begin = end;
    }
  }

  std::vector<Fp>& buffer(unsigned depth, unsigned vars) {
    if (buffers_.size() <= depth) buffers_.resize(depth + 1);
    std::vector<Fp>& b = buffers_[depth];
    const std::size_t size = tables_.size() << vars;
    if (b.size() != size) b = large_vector<Fp>(size);
    return b;
  }

  // node: 2^(vars) values per member; fixes variable vars - 1 per target run.
  void descend(std::span<const Fp> node, unsigned vars, std::span<Target> targets, unsigned depth) {
    if (vars == log_range_) {
      for (const Target& t : targets) finish(Node{{}, node, vars}, t);
      return;
    }
    const unsigned child_vars = vars - 1;
    const std::size_t half = std::size_t{1} << child_vars;
    group_by(targets, child_vars, [&](std::span<Target> run) {
      const Fp v = run.front().key;
      std::vector<Fp>& child = buffer(depth, child_vars);
      for_each_piece(tables_.size(), child_vars, [&](std::size_t y, std::size_t i, std::size_t at, std::size_t len) {
        const Fp* low = node.data() + (y << vars) + i;
        fold_half(low, low + half, v, child.data() + at, len);
      });
      descend(child, child_vars, run, depth + 1);
    });
  }

  // The reduced tables of one coset: per member the Moebius transform and
  // the coset NTT at x give its codeword there; block m of the stacked
  // codeword is then made from position m of every member.
  void finish(const Node& node, const Target& t) const {
    const std::size_t range = std::size_t{1} << log_range_;
    const std::span<Fp> values = out_.subspan(t.slot * (range << stack_vars_), range << stack_vars_);
    std::fill(values.begin(), values.end(), Fp::zero());
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, tables_.size(), std::max<std::size_t>(1, 4096 >> log_range_)),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        std::vector<Fp> g(range);
                        for (std::size_t y = r.begin(); y < r.end(); ++y) {
                          const std::span<const Fp> m = node.member(y);
                          std::copy(m.begin(), m.end(), g.begin());
                          moebius_transform(std::span<Fp>(g));
                          if (ntt_) (*ntt_)(g, t.x);
                          else if (range > 1) coset_ntt_forward(g, t.x);
                          for (std::size_t p = 0; p < range; ++p) values[(p << stack_vars_) + y] = g[p];
                        }
                      });
    basefold_stack_blocks(values, stack_vars_, num_vars_ + stack_vars_ + log_blowup_, t.first);
  }

  std::span<const std::vector<Fp>> tables_;
  unsigned num_vars_, stack_vars_, log_blowup_, log_range_;
  std::span<Fp> out_;
  std::unique_ptr<SerialCosetNtt> ntt_;
  std::vector<std::vector<Fp>> buffers_;
};

unsigned checked_table_vars(std::span<const std::vector<Fp>> tables, unsigned stack_vars, const char* who) {
  if (tables.empty() || tables.size() > (std::size_t{1} << stack_vars)) {
    throw std::invalid_argument(std::string(who) + ": between 1 and 2^stack_vars tables");
  }
  const std::size_t n = tables.front().size();
  if (n == 0 || (n & (n - 1)) != 0) throw std::invalid_argument(std::string(who) + ": table size not a power of two");
  for (const std::vector<Fp>& t : tables) {
    if (t.size() != n) throw std::invalid_argument(std::string(who) + ": tables of different sizes");
  }
  return static_cast<unsigned>(std::countr_zero(n));
}

}  // namespace

std::vector<Fp> basefold_codeword_windows(std::span<const std::vector<Fp>> tables, unsigned stack_vars,
                                          unsigned log_blowup, unsigned window_log,
                                          std::span<const std::size_t> windows) {
  const unsigned n = checked_table_vars(tables, stack_vars, "basefold_codeword_windows");
  const unsigned log_domain = n + stack_vars + log_blowup;
  if (window_log > log_domain || log_domain > kMaxLogNttSize) {
    throw std::invalid_argument("basefold_codeword_windows: window larger than the domain");
  }
  for (std::size_t i = 0; i < windows.size(); ++i) {
    if ((i > 0 && windows[i] <= windows[i - 1]) || windows[i] >= (std::size_t{1} << (log_domain - window_log))) {
      throw std::invalid_argument("basefold_codeword_windows: windows not increasing or outside the domain");
    }
  }
  // A window of 2^w stacked positions spans 2^(w-l) member positions (one
  // block of 2^l when w < l); they are evaluated in cosets of 2^log_range
  // member positions, at most the table size (a larger window is several).
  const unsigned log_range = window_log >= stack_vars ? std::min(window_log - stack_vars, n) : 0;
  const std::size_t range = std::size_t{1} << log_range;
  std::vector<Target> targets;
  for (const std::size_t k : windows) {
    const std::size_t first = window_log >= stack_vars ? k << (window_log - stack_vars) : (k << window_log) >> stack_vars;
    const std::size_t count = window_log >= stack_vars ? (std::size_t{1} << (window_log - stack_vars)) / range : 1;
    for (std::size_t s = 0; s < count; ++s) {
      if (targets.empty() || targets.back().first != first + s * range) targets.push_back({first + s * range, 0, {}, {}});
    }
  }
  for (std::size_t s = 0; s < targets.size(); ++s) {
    targets[s].slot = s;
    targets[s].x = domain_point(n + log_blowup, targets[s].first);
  }
  std::vector<std::size_t> firsts(targets.size());  // by slot (run() reorders the targets)
  for (std::size_t s = 0; s < targets.size(); ++s) firsts[s] = targets[s].first;
  const std::size_t range_values = range << stack_vars;
  std::vector<Fp> ranges(targets.size() * range_values);
  WindowTree(tables, stack_vars, log_blowup, log_range, ranges).run(targets);

  const std::size_t width = std::size_t{1} << window_log;
  if (window_log >= stack_vars) return ranges;  // the windows' ranges, in order, back to back
  std::vector<Fp> out(windows.size() * width);
  std::size_t slot = 0;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const std::size_t position = windows[i] << window_log;
    const std::size_t first = position >> stack_vars;
    while (slot + 1 < firsts.size() && firsts[slot] != first) ++slot;
    const std::size_t offset = position & ((std::size_t{1} << stack_vars) - 1);
    std::copy_n(ranges.begin() + static_cast<std::ptrdiff_t>(slot * range_values + offset), width,
                out.begin() + static_cast<std::ptrdiff_t>(i * width));
  }
  return out;
}

void basefold_fold_tables(std::span<const std::span<const std::vector<Fp>>> groups, unsigned stack_vars,
                          unsigned log_blowup, std::span<const Fp3> powers, std::span<const Fp3> challenges,
                          std::span<Fp3> out) {
  if (groups.empty() || powers.size() != groups.size()) {
    throw std::invalid_argument("basefold_fold_tables: one power per group");
  }
  const unsigned n = checked_table_vars(groups.front(), stack_vars, "basefold_fold_tables");
  for (const auto& g : groups) {
    if (checked_table_vars(g, stack_vars, "basefold_fold_tables") != n) {
      throw std::invalid_argument("basefold_fold_tables: groups of different sizes");
    }
  }
  const std::size_t a = challenges.size();
  if (a > n + stack_vars || out.size() != (std::size_t{1} << (n + stack_vars + log_blowup - a))) {
    throw std::invalid_argument("basefold_fold_tables: output size");
  }
  // F[i] = sum_g powers[g] sum_beta eq(beta, r) S_g[i 2^a + beta], S_g[x 2^l + y] = P_{g,y}[x].
  const std::vector<Fp3> eq = eq_table(challenges);
  std::vector<Fp3> weights;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (const Fp3& e : eq) weights.push_back(powers[g] * e);
  }
  const std::size_t folded = std::size_t{1} << (n + stack_vars - a);
  std::vector<Fp3> f = large_vector<Fp3>(folded);
  if (a <= stack_vars) {
    // The folded variables are layer variables: F[x 2^(l-a) + k] sums the
    // tables of members k 2^a .. k 2^a + 2^a - 1 at x, each scaled by its
    // weight, a column at a time (8 lanes per step), per coordinate.
    const unsigned blocks_log = stack_vars - static_cast<unsigned>(a);
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, std::size_t{1} << n, kPiece), [&](const tbb::blocked_range<std::size_t>& r) {
          std::array<std::array<Fp, kPiece>, 3> acc;
          for (std::size_t x0 = r.begin(); x0 < r.end(); x0 += kPiece) {
            const std::size_t len = std::min(kPiece, r.end() - x0);
            for (std::size_t k = 0; k < (std::size_t{1} << blocks_log); ++k) {
              for (auto& c : acc) std::fill_n(c.begin(), len, Fp::zero());
              for (std::size_t g = 0; g < groups.size(); ++g) {
                for (std::size_t beta = 0; beta < eq.size(); ++beta) {
                  const std::size_t y = (k << a) + beta;
                  if (y >= groups[g].size()) break;
                  const std::span<const Fp> column(groups[g][y].data() + x0, len);
                  const Fp3& w = weights[g * eq.size() + beta];
                  for (std::size_t c = 0; c < 3; ++c) {
                    scale_accumulate(std::span<Fp>(acc[c].data(), len), w.coeff(c), column);
                  }
                }
              }
              for (std::size_t x = 0; x < len; ++x) {
                f[((x0 + x) << blocks_log) + k] = Fp3(acc[0][x], acc[1][x], acc[2][x]);
              }
            }
          }
        });
  } else {
    const std::size_t mask = (std::size_t{1} << stack_vars) - 1;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, folded, std::size_t{1} << 10),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t i = r.begin(); i < r.end(); ++i) {
                          Fp3 acc = Fp3::zero();
                          const Fp3* w = weights.data();
                          for (const auto& tables : groups) {
                            for (std::size_t beta = 0; beta < eq.size(); ++beta, ++w) {
                              const std::size_t s = (i << a) + beta;
                              const std::size_t y = s & mask;
                              if (y < tables.size()) acc += *w * tables[y][s >> stack_vars];
                            }
                          }
                          f[i] = acc;
                        }
                      });
  }
  moebius_transform(std::span<Fp3>(f));
  // Fp3 is Fp^3 as a vector space: the encoding is three base-field encodings.
  std::vector<Fp> coefficients = large_vector<Fp>(folded);
  std::vector<Fp> word = large_vector<Fp>(out.size());
  for (std::size_t c = 0; c < 3; ++c) {
    for (std::size_t i = 0; i < folded; ++i) coefficients[i] = f[i].coeff(c);
    rs_encode_into(coefficients, log_blowup, Fp::one(), word);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, out.size(), kFoldGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t j = r.begin(); j < r.end(); ++j) {
                          const Fp c0 = c == 0 ? word[j] : out[j].coeff(0);
                          const Fp c1 = c == 1 ? word[j] : (c > 1 ? out[j].coeff(1) : Fp::zero());
                          out[j] = Fp3(c0, c1, c == 2 ? word[j] : Fp::zero());
                        }
                      });
  }
}

}  // namespace fti::crypto
