#include "engine/commitment/model_commitment.h"

#include <oneapi/tbb/parallel_invoke.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include "engine/commitment/commitment_hash.h"
#include "engine/commitment/fixed_point.h"
#include "engine/commitment/grouping.h"
#include "engine/common/error.h"
#include "engine/crypto/large_buffer.h"
#include "registry/checkpoint.h"

namespace fti::commitment {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<FileRecord> file_records(const Checkpoint& checkpoint) {
  std::vector<FileRecord> files;
  for (std::size_t i = 0; i < checkpoint.file_count(); ++i) {
    files.push_back({checkpoint.file_source(i).name, FileRole::kShard, checkpoint.file(i).file_size(),
                     checkpoint.file_sha256(i)});
  }
  if (const auto& index = checkpoint.index_source()) {
    std::error_code ec;
    const std::uint64_t size = std::filesystem::file_size(index->path, ec);
    if (ec) throw Error(ErrorCode::kIo, index->origin + ": cannot read: " + ec.message());
    const Sha256Digest digest = sha256_file(index->path);
    if (index->known_sha256 && *index->known_sha256 != digest) {
      throw Error(ErrorCode::kIntegrity, index->origin + ": content changed on disk: expected sha256 " +
                                             to_hex(*index->known_sha256) + ", found " + to_hex(digest));
    }
    files.push_back({index->name, FileRole::kIndex, size, digest});
  }
  std::sort(files.begin(), files.end(), [](const FileRecord& a, const FileRecord& b) { return a.name < b.name; });
  for (std::size_t i = 1; i < files.size(); ++i) {
    if (files[i].name == files[i - 1].name) {
      throw Error(ErrorCode::kInput, checkpoint.origin() + ": two files named " + quote_untrusted(files[i].name));
    }
  }
  return files;
}

std::string hex_short(const Sha256Digest& d) { return to_hex(d).substr(0, 16); }

}  // namespace

const TensorRecord* ModelCommitment::find(std::string_view name) const {
  const auto it = std::lower_bound(tensors.begin(), tensors.end(), name,
                                   [](const TensorRecord& t, std::string_view n) { return t.name < n; });
  return it != tensors.end() && it->name == name ? &*it : nullptr;
}

std::size_t default_kept_codeword_budget() noexcept {
  const std::size_t usable = usable_memory_bytes();
  return usable == 0 ? std::size_t{256} << 20 : usable / 32;
}

ModelCommitment commit_model(const Checkpoint& checkpoint, const CommitOptions& options, CommitFigures* figures,
                             KeptGroups* kept) {
  if (options.params.check() != crypto::Status::kOk) {
    throw Error(ErrorCode::kUsage, "commitment: invalid Basefold parameters");
  }
  const std::vector<CheckpointTensor>& entries = checkpoint.tensors();
  if (entries.empty()) throw Error(ErrorCode::kInput, checkpoint.origin() + ": no tensors to commit");

  if (kept != nullptr) kept->clear();
  std::size_t codeword_left = options.kept_codeword_budget;  // for the kept groups' codewords
  ModelCommitment out;
  out.params = options.params;
  CommitFigures local_figures;
  CommitFigures& fig = figures != nullptr ? *figures : local_figures;
  fig = CommitFigures{};

  // Layouts first: a tensor too large to commit fails before any work.
  out.tensors.resize(entries.size());
  std::vector<MatrixLayout> layouts(entries.size());
  std::vector<unsigned> num_vars(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const TensorEntry& e = *entries[i].entry;
    layouts[i] = matrix_layout(e.shape, e.name);
    if (options.params.check_size(layouts[i].num_vars()) != crypto::Status::kOk) {
      throw Error(ErrorCode::kInput, "tensor " + quote_untrusted(e.name) + ": 2^" +
                                         std::to_string(layouts[i].num_vars()) +
                                         " padded entries exceed the Basefold parameters' largest size");
    }
    num_vars[i] = layouts[i].num_vars();
    TensorRecord& t = out.tensors[i];
    t.name = e.name;
    t.dtype = e.dtype;
    t.shape = e.shape;
    t.log_rows = layouts[i].log_rows;
    t.log_cols = layouts[i].log_cols;
    fig.elements += e.element_count;
    fig.padded_elements += layouts[i].table_size();
    fig.tensor_bytes += e.byte_size();
  }

  auto start = Clock::now();
  out.files = file_records(checkpoint);
  fig.files_seconds = seconds_since(start);

  const std::vector<GroupPlan> plan = plan_groups(num_vars, kMaxGroupPolys, max_group_vars(options.params));
  std::vector<bool> encoded(entries.size(), false);
  // First pass over a tensor: its digest and its scale (given, or by the
  // rule from its values).
  std::vector<bool> scanned(entries.size(), false);
  const auto first_pass = [&](std::size_t i, std::span<const std::uint8_t> bytes) {
    TensorRecord& t = out.tensors[i];
    const auto given = options.given_scales.find(t.name);
    if (given != options.given_scales.end()) {
      if (given->second < kMinScale || given->second > kMaxScale) {
        throw Error(ErrorCode::kUsage, "tensor " + quote_untrusted(t.name) + ": given scale 2^" +
                                           std::to_string(given->second) + " is outside [2^" +
                                           std::to_string(kMinScale) + ", 2^" + std::to_string(kMaxScale) + "]");
      }
      t.data_sha256 = sha256(bytes);
      t.scale = given->second;
      t.scale_source = ScaleSource::kGiven;
    } else {
      ValueScan scan;
      tbb::parallel_invoke([&] { t.data_sha256 = sha256(bytes); },
                           [&] { scan = scan_values(t.dtype, bytes, t.name); });
      t.scale = scale_rule(t.dtype, scan);
      t.scale_source = ScaleSource::kRule;
    }
    scanned[i] = true;
  };
  // Whether group g's members are, one for one, the reference's members of
  // its group g (CommitOptions::reference). Stops at the first that is not;
  // the first passes it ran stand.
  const auto shares_reference_group = [&](std::size_t g) {
    const ModelCommitment* ref = options.reference;
    const GroupPlan& group = plan[g];
    if (ref == nullptr || !(ref->params == options.params) || g >= ref->groups.size() ||
        ref->groups[g].num_vars != group.num_vars || ref->groups[g].num_polys != group.members.size()) {
      return false;
    }
    for (std::size_t j = 0; j < group.members.size(); ++j) {
      const std::size_t i = group.members[j];
      const TensorRecord& t = out.tensors[i];
      const TensorRecord* r = ref->find(t.name);
      if (r == nullptr || r->group != g || r->index != j || r->dtype != t.dtype || r->shape != t.shape ||
          r->log_rows != t.log_rows || r->log_cols != t.log_cols) {
        return false;
      }
      if (!scanned[i]) {
        checkpoint.prefetch(entries[i]);
        first_pass(i, checkpoint.data(entries[i]));
        checkpoint.release(entries[i]);
      }
      if (r->scale != t.scale || r->data_sha256 != t.data_sha256) return false;
    }
    return true;
  };
  std::size_t tensors_done = 0;
  start = Clock::now();
  for (std::size_t g = 0; g < plan.size(); ++g) {
    const GroupPlan& group = plan[g];
    GroupFigures gf;
    gf.num_vars = group.num_vars;
    gf.num_polys = group.members.size();
    for (std::size_t j = 0; j < group.members.size(); ++j) {
      out.tensors[group.members[j]].group = static_cast<std::uint32_t>(g);
      out.tensors[group.members[j]].index = static_cast<std::uint32_t>(j);
      gf.elements += entries[group.members[j]].entry->element_count;
    }
    if (options.progress) options.progress({g, plan.size(), tensors_done, entries.size()});
    const auto group_start = Clock::now();
    const TableSource source = [&](std::size_t j, std::span<crypto::Fp> table) {
      const std::size_t i = group.members[j];
      const CheckpointTensor& entry = entries[i];
      TensorRecord& t = out.tensors[i];
      checkpoint.prefetch(entry);
      const std::span<const std::uint8_t> bytes = checkpoint.data(entry);
      if (!scanned[i]) first_pass(i, bytes);
      const EncodeStats s = encode_tensor(t.dtype, bytes, t.scale, layouts[i], table, t.name);
      checkpoint.release(entry);
      if (!encoded[i]) {
        t.max_abs = s.max_abs;
        t.inexact = s.inexact;
        encoded[i] = true;
        ++tensors_done;
      }
    };
    const bool keep = kept != nullptr && options.keep_group_of &&
                      std::any_of(group.members.begin(), group.members.end(),
                                  [&](std::size_t i) { return options.keep_group_of(out.tensors[i].name); });
    const crypto::BasefoldProverData* reference_data = nullptr;
    if (keep && options.reference_kept != nullptr) {
      const auto it = options.reference_kept->find(static_cast<std::uint32_t>(g));
      if (it != options.reference_kept->end()) reference_data = &it->second;
    }
    if ((!keep || reference_data != nullptr) && shares_reference_group(g)) {
      // Same tables as the reference's group g: its commitment (and kept
      // prover data) without encoding anything.
      for (const std::size_t i : group.members) {
        const TensorRecord* r = options.reference->find(out.tensors[i].name);
        out.tensors[i].max_abs = r->max_abs;
        out.tensors[i].inexact = r->inexact;
        encoded[i] = true;
        ++tensors_done;
      }
      out.groups.push_back(options.reference->groups[g]);
      if (keep) kept->insert_or_assign(static_cast<std::uint32_t>(g), *reference_data);
      gf.shared = true;
    } else if (keep) {
      std::vector<std::vector<crypto::Fp>> tables(group.members.size());
      for (std::size_t j = 0; j < tables.size(); ++j) {
        tables[j] = crypto::large_vector<crypto::Fp>(std::size_t{1} << group.num_vars);
        source(j, tables[j]);
      }
      crypto::BasefoldProverData data = keep_group(options.params, std::move(tables), codeword_left, options.group);
      out.groups.push_back(data.commitment());
      kept->insert_or_assign(static_cast<std::uint32_t>(g), std::move(data));
    } else {
      out.groups.push_back(commit_group(options.params, group.num_vars, group.members.size(), source, options.group,
                                        &gf.stats));
    }
    gf.seconds = seconds_since(group_start);
    fig.groups.push_back(gf);
  }
  fig.groups_seconds = seconds_since(start);
  if (options.progress) options.progress({plan.size(), plan.size(), tensors_done, entries.size()});
  compute_roots(out);
  return out;
}

std::map<std::string, std::int32_t, std::less<>> scales_of(const ModelCommitment& commitment) {
  std::map<std::string, std::int32_t, std::less<>> out;
  for (const TensorRecord& t : commitment.tensors) out.emplace(t.name, t.scale);
  return out;
}

CommitOptions options_to_reproduce(const ModelCommitment& commitment) {
  CommitOptions options;
  options.params = commitment.params;
  for (const TensorRecord& t : commitment.tensors) {
    if (t.scale_source == ScaleSource::kGiven) options.given_scales.emplace(t.name, t.scale);
  }
  return options;
}

std::vector<std::vector<crypto::Fp>> group_tables(const Checkpoint& checkpoint, const ModelCommitment& commitment,
                                                  std::size_t group) {
  const crypto::BasefoldCommitment& g = commitment.groups.at(group);
  std::vector<const TensorRecord*> members(g.num_polys, nullptr);
  for (const TensorRecord& t : commitment.tensors) {
    if (t.group == group && t.index < members.size()) members[t.index] = &t;
  }
  std::vector<std::vector<crypto::Fp>> tables;
  tables.reserve(members.size());
  for (const TensorRecord* t : members) {
    if (t == nullptr) throw Error(ErrorCode::kInternal, "group_tables: the commitment's group is incomplete");
    const CheckpointTensor* entry = checkpoint.find(t->name);
    if (entry == nullptr) {
      throw Error(ErrorCode::kIntegrity, checkpoint.origin() + ": committed tensor " + quote_untrusted(t->name) +
                                             " is missing");
    }
    if (entry->entry->dtype != t->dtype || entry->entry->shape != t->shape) {
      throw Error(ErrorCode::kIntegrity, "tensor " + quote_untrusted(t->name) + ": dtype or shape differs from the commitment");
    }
    const MatrixLayout layout = matrix_layout(t->shape, t->name);
    const std::span<const std::uint8_t> bytes = checkpoint.data(*entry);
    if (sha256(bytes) != t->data_sha256) {
      throw Error(ErrorCode::kIntegrity, "tensor " + quote_untrusted(t->name) + ": bytes differ from the commitment");
    }
    std::vector<crypto::Fp> table = crypto::large_vector<crypto::Fp>(layout.table_size());
    encode_tensor(t->dtype, bytes, t->scale, layout, table, t->name);
    checkpoint.release(*entry);
    tables.push_back(std::move(table));
  }
  return tables;
}

std::optional<CommitmentDifference> first_difference(const ModelCommitment& expected, const ModelCommitment& actual) {
  const auto tensor_diff = [](const std::string& name, std::string what) {
    return CommitmentDifference{name, "tensor " + quote_untrusted(name) + ": " + std::move(what)};
  };
  // Tensors, merged by name.
  std::size_t a = 0, b = 0;
  while (a < expected.tensors.size() || b < actual.tensors.size()) {
    if (b == actual.tensors.size() ||
        (a < expected.tensors.size() && expected.tensors[a].name < actual.tensors[b].name)) {
      return tensor_diff(expected.tensors[a].name, "committed but missing from the model");
    }
    if (a == expected.tensors.size() || actual.tensors[b].name < expected.tensors[a].name) {
      return tensor_diff(actual.tensors[b].name, "in the model but not in the commitment");
    }
    const TensorRecord& x = expected.tensors[a];
    const TensorRecord& y = actual.tensors[b];
    if (x.dtype != y.dtype) {
      return tensor_diff(x.name, "dtype " + std::string(dtype_name(y.dtype)) + ", committed " +
                                     std::string(dtype_name(x.dtype)));
    }
    if (x.shape != y.shape) return tensor_diff(x.name, "shape differs from the committed one");
    if (x.data_sha256 != y.data_sha256) {
      return tensor_diff(x.name, "values differ (data sha256 " + hex_short(y.data_sha256) + "..., committed " +
                                     hex_short(x.data_sha256) + "...)");
    }
    if (x.scale != y.scale || x.scale_source != y.scale_source) {
      return tensor_diff(x.name, "scale 2^" + std::to_string(y.scale) + ", committed 2^" + std::to_string(x.scale));
    }
    if (!(x == y)) return tensor_diff(x.name, "encoding figures or position differ from the committed ones");
    ++a;
    ++b;
  }
  // Equal records everywhere: a group commitment can still differ (other
  // parameters, or a commitment file that does not match its own records).
  for (const TensorRecord& x : expected.tensors) {
    if (x.group >= actual.groups.size() || !(expected.groups.at(x.group) == actual.groups[x.group])) {
      return tensor_diff(x.name, "its group's Basefold commitment differs");
    }
  }
  if (expected.groups != actual.groups) return CommitmentDifference{"", "group commitments differ"};
  for (std::size_t i = 0; i < std::max(expected.files.size(), actual.files.size()); ++i) {
    if (i >= actual.files.size()) {
      return CommitmentDifference{"", "file " + quote_untrusted(expected.files[i].name) + " is committed but missing"};
    }
    if (i >= expected.files.size()) {
      return CommitmentDifference{"", "file " + quote_untrusted(actual.files[i].name) + " is not in the commitment"};
    }
    const FileRecord& x = expected.files[i];
    const FileRecord& y = actual.files[i];
    if (x.name != y.name) {
      return CommitmentDifference{"", "file " + quote_untrusted(y.name) + " where the commitment has " +
                                          quote_untrusted(x.name)};
    }
    if (x.size != y.size || x.sha256 != y.sha256 || x.role != y.role) {
      return CommitmentDifference{"", "file " + quote_untrusted(x.name) + ": sha256 " + to_hex(y.sha256) +
                                          ", committed " + to_hex(x.sha256)};
    }
  }
  if (!(expected.params == actual.params)) return CommitmentDifference{"", "Basefold parameters differ"};
  if (expected.tensors_root != actual.tensors_root || expected.files_digest != actual.files_digest ||
      expected.root != actual.root) {
    return CommitmentDifference{"", "roots differ: committed " + to_hex(expected.root) + ", recomputed " +
                                        to_hex(actual.root)};
  }
  return std::nullopt;
}

}  // namespace fti::commitment
