#include "engine/attest/model_signing.h"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>
#include <utility>

#include "engine/attest/base64.h"
#include "engine/attest/statement.h"
#include "engine/common/error.h"
#include "engine/common/sha256.h"
#include "engine/common/strict_json.h"

namespace fti::attest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The Sigstore bundle media types (protobuf-specs sigstore_bundle.proto;
// model_signing writes v0.3, sigstore-python and sigstore-js earlier ones).
constexpr std::string_view kBundleMediaTypes[] = {
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
};
constexpr std::string_view kBundleMediaTypeWritten = "application/vnd.dev.sigstore.bundle.v0.3+json";
// The predicate model_signing v0.2 wrote (one subject per file, no root
// digest); its own verifier still reads it, fti does not.
constexpr std::string_view kPreV1PredicateType = "https://model_signing/Digests/v0.1";
constexpr std::string_view kFilesMethod = "files";
constexpr std::string_view kSha256 = "sha256";

// Nesting seen in real bundles is at most 6 (tlogEntries[].inclusionProof.
// checkpoint); the statement is 4 deep.
constexpr std::size_t kMaxBundleDepth = 32;
constexpr std::size_t kMaxStatementDepth = 16;

class Reader {
 public:
  explicit Reader(std::string_view what) : what_(escape_untrusted(what)) {}

  [[noreturn]] void fail(const std::string& reason) const {
    throw Error(ErrorCode::kInput, what_ + ": model-signing signature refused: " + reason);
  }

  const json& field(const json& parent, const char* key, const std::string& where) const {
    const auto it = parent.find(key);
    if (it == parent.end()) fail(where + "." + key + " is missing");
    return *it;
  }

  const json& object(const json& parent, const char* key, const std::string& where) const {
    const json& j = field(parent, key, where);
    if (!j.is_object()) fail(where + "." + key + " is not an object");
    return j;
  }

  const json& array(const json& parent, const char* key, const std::string& where) const {
    const json& j = field(parent, key, where);
    if (!j.is_array()) fail(where + "." + key + " is not an array");
    return j;
  }

  std::string string(const json& parent, const char* key, const std::string& where) const {
    const json& j = field(parent, key, where);
    if (!j.is_string()) fail(where + "." + key + " is not a string");
    return j.get<std::string>();
  }

  std::vector<std::uint8_t> base64(const json& parent, const char* key, const std::string& where) const {
    auto decoded = base64_decode(string(parent, key, where));
    if (!decoded) fail(where + "." + key + " is not valid base64 (RFC 4648, padded)");
    return std::move(*decoded);
  }

  std::string hex_digest(const json& parent, const char* key, const std::string& where) const {
    std::string h = string(parent, key, where);
    if (h.size() != 64 || h.find_first_not_of("0123456789abcdef") != std::string::npos) {
      fail(where + "." + key + " is not 64 lowercase hex digits");
    }
    return h;
  }

  void only(const json& object, std::initializer_list<const char*> keys, const std::string& where) const {
    for (const auto& item : object.items()) {
      const std::string& key = item.key();
      if (std::none_of(keys.begin(), keys.end(), [&key](const char* k) { return key == k; })) {
        fail("unknown field " + where + "." + escape_untrusted(key, 60));
      }
    }
  }

  const std::string& what() const noexcept { return what_; }

 private:
  std::string what_;
};

std::vector<std::string> split_components(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

// Why `path` is not a relative POSIX path in the normal form model_signing
// writes (str(PurePosixPath)), or empty when it is. Its own verifier rejects
// absolute paths and ".." (_filesystem.relative_path_parts).
std::string relative_path_problem(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.find('\0') != std::string_view::npos) return "contains a NUL character";
  if (path.front() == '/') return "is an absolute path";
  for (const std::string& part : split_components(path)) {
    if (part.empty()) return "has an empty component (a doubled or trailing '/')";
    if (part == ".") return "has a '.' component (a single-file model, or a path not in normal form)";
    if (part == "..") return "has a '..' component";
  }
  return {};
}

// An ignore_paths entry that can never name anything inside the model.
bool outside_model(std::string_view entry) {
  if (!entry.empty() && entry.front() == '/') return true;
  const auto parts = split_components(entry);
  return std::find(parts.begin(), parts.end(), "..") != parts.end();
}

// Whether `path` is `prefix` or lies below it (component-wise, as
// PurePath.is_relative_to, which model_signing's should_ignore uses).
bool is_within(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

// model_signing's resource order: sorted(...) on PurePosixPath keys, which
// compares the lists of path components, each string by code point (bytewise
// for UTF-8). Differs from plain string order: "a/b" < "a.txt" here, since
// "a" < "a.txt", while '.' < '/' puts "a.txt" first bytewise.
bool posix_path_less(std::string_view a, std::string_view b) {
  const auto pa = split_components(a);
  const auto pb = split_components(b);
  return std::lexicographical_compare(pa.begin(), pa.end(), pb.begin(), pb.end());
}

DsseEnvelope read_envelope(const Reader& r, const json& j, const std::string& where) {
  r.only(j, {"payload", "payloadType", "signatures"}, where);
  DsseEnvelope envelope;
  envelope.payload = r.base64(j, "payload", where);
  envelope.payload_type = r.string(j, "payloadType", where);
  const json& signatures = r.array(j, "signatures", where);
  for (std::size_t i = 0; i < signatures.size(); ++i) {
    const std::string at = where + ".signatures[" + std::to_string(i) + "]";
    const json& s = signatures[i];
    if (!s.is_object()) r.fail(at + " is not an object");
    r.only(s, {"sig", "keyid"}, at);
    DsseSignature signature;
    signature.sig = r.base64(s, "sig", at);
    // keyid: absent, "" (Python), or null (model_signing before 1.1) are all
    // seen in the wild; it is a hint either way.
    if (s.contains("keyid") && !s["keyid"].is_null()) signature.keyid = r.string(s, "keyid", at);
    envelope.signatures.push_back(std::move(signature));
  }
  return envelope;
}

// verificationMaterial is read for what it says about the signer, never
// trusted: its certificates and log entries are not verified here.
void read_verification_material(const Reader& r, const json& material, ModelSigningBundle& bundle) {
  const std::string where = "verificationMaterial";
  r.only(material, {"publicKey", "x509CertificateChain", "certificate", "tlogEntries", "timestampVerificationData"},
         where);
  int kinds = 0;
  if (material.contains("publicKey")) {
    ++kinds;
    const json& key = r.object(material, "publicKey", where);
    // rawBytes and keyDetails: older model_signing releases wrote them.
    r.only(key, {"hint", "rawBytes", "keyDetails"}, where + ".publicKey");
    if (key.contains("hint")) bundle.public_key_hint = r.string(key, "hint", where + ".publicKey");
    if (key.contains("rawBytes")) (void)r.base64(key, "rawBytes", where + ".publicKey");
    if (key.contains("keyDetails")) (void)r.string(key, "keyDetails", where + ".publicKey");
    bundle.material = ModelSigningMaterial::kPublicKey;
  }
  for (const char* certificate_kind : {"x509CertificateChain", "certificate"}) {
    if (!material.contains(certificate_kind)) continue;
    ++kinds;
    (void)r.object(material, certificate_kind, where);
    bundle.material = ModelSigningMaterial::kCertificate;
  }
  if (kinds > 1) r.fail(where + " has more than one of publicKey, x509CertificateChain, certificate");
  if (material.contains("tlogEntries")) bundle.tlog_entries = r.array(material, "tlogEntries", where).size();
  if (material.contains("timestampVerificationData")) (void)r.object(material, "timestampVerificationData", where);
}

ModelSigningManifest read_statement(const Reader& r, std::string_view payload) {
  const json j = parse_strict_json(payload, r.what() + " (statement)", ErrorCode::kInput,
                                   StrictJsonLimits{kMaxStatementDepth});
  if (!j.is_object()) r.fail("the statement is not a JSON object");
  const std::string st = "statement";
  r.only(j, {"_type", "subject", "predicateType", "predicate"}, st);
  if (r.string(j, "_type", st) != kStatementType) r.fail("statement._type is not " + std::string(kStatementType));
  const std::string predicate_type = r.string(j, "predicateType", st);
  if (predicate_type == kPreV1PredicateType) {
    r.fail("statement.predicateType " + std::string(kPreV1PredicateType) +
           " (model_signing before v1.0) is not supported; re-sign with model_signing 1.0 or later");
  }
  if (predicate_type != kModelSigningPredicateType) {
    r.fail("statement.predicateType " + quote_untrusted(predicate_type, 100) + " is not " +
           std::string(kModelSigningPredicateType));
  }

  ModelSigningManifest m;
  const json& subjects = r.array(j, "subject", st);
  // Both reference verifiers require exactly one subject: the model.
  if (subjects.size() != 1) r.fail("statement.subject has " + std::to_string(subjects.size()) + " entries, not 1");
  const json& subject = subjects[0];
  if (!subject.is_object()) r.fail("statement.subject[0] is not an object");
  // The subject is an in-toto ResourceDescriptor: other descriptor fields
  // and other digest algorithms may ride along and are not used.
  m.model_name = r.string(subject, "name", "subject[0]");
  const json& digest = r.object(subject, "digest", "subject[0]");
  for (const auto& [algorithm, value] : digest.items()) {
    if (!value.is_string()) r.fail("subject[0].digest." + escape_untrusted(algorithm, 60) + " is not a string");
  }
  m.root_sha256 = r.hex_digest(digest, "sha256", "subject[0].digest");

  // The v1.0 predicate: "Any other field should be ignored by verifiers
  // adhering to v1.0" (signing.py, Payload), so no r.only() here.
  const json& predicate = r.object(j, "predicate", st);
  const std::string sz = "predicate.serialization";
  const json& serialization = r.object(predicate, "serialization", "predicate");
  // Unknown serialization parameters are refused: they would change how the
  // files are hashed, and we could not reproduce that.
  r.only(serialization, {"method", "hash_type", "allow_symlinks", "ignore_paths"}, sz);
  m.serialization_method = r.string(serialization, "method", sz);
  if (m.serialization_method != kFilesMethod) {
    r.fail(sz + ".method " + quote_untrusted(m.serialization_method, 60) + " is not supported (only \"files\")");
  }
  m.hash_type = r.string(serialization, "hash_type", sz);
  if (m.hash_type != kSha256) {
    r.fail(sz + ".hash_type " + quote_untrusted(m.hash_type, 60) + " is not supported (only \"sha256\")");
  }
  const json& allow_symlinks = r.field(serialization, "allow_symlinks", sz);
  if (!allow_symlinks.is_boolean()) r.fail(sz + ".allow_symlinks is not a boolean");
  m.allow_symlinks = allow_symlinks.get<bool>();
  if (serialization.contains("ignore_paths")) {
    const json& ignore = r.array(serialization, "ignore_paths", sz);
    for (std::size_t i = 0; i < ignore.size(); ++i) {
      const std::string at = sz + ".ignore_paths[" + std::to_string(i) + "]";
      if (!ignore[i].is_string()) r.fail(at + " is not a string");
      std::string entry = ignore[i].get<std::string>();
      if (!outside_model(entry)) {
        if (const std::string problem = relative_path_problem(entry); !problem.empty()) {
          r.fail(at + " " + quote_untrusted(entry, 100) + " " + problem);
        }
      }
      m.ignore_paths.push_back(std::move(entry));
    }
  }

  const json& resources = r.array(predicate, "resources", "predicate");
  // model_signing refuses to sign a model with no files; an empty manifest
  // would vouch for nothing.
  if (resources.empty()) r.fail("predicate.resources is empty");
  std::set<std::string_view> seen;
  m.resources.reserve(resources.size());
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const std::string at = "predicate.resources[" + std::to_string(i) + "]";
    const json& resource = resources[i];
    if (!resource.is_object()) r.fail(at + " is not an object");
    // Other in-toto ResourceDescriptor fields are ignored: model_signing's
    // verifier reads only these three, and the OMS draft says "Verifiers MUST
    // ignore unrecognized fields in resource descriptors".
    ModelSigningResource entry;
    entry.path = r.string(resource, "name", at);
    if (const std::string problem = relative_path_problem(entry.path); !problem.empty()) {
      r.fail(at + ".name " + quote_untrusted(entry.path, 100) + " " + problem);
    }
    const std::string algorithm = r.string(resource, "algorithm", at);
    if (algorithm != m.hash_type) {
      r.fail(at + ".algorithm " + quote_untrusted(algorithm, 60) + " is not the serialization's hash_type " +
             m.hash_type);
    }
    entry.sha256 = r.hex_digest(resource, "digest", at);
    m.resources.push_back(std::move(entry));
  }
  for (const ModelSigningResource& resource : m.resources) {
    if (!seen.insert(resource.path).second) {
      r.fail("predicate.resources lists " + quote_untrusted(resource.path, 100) + " twice");
    }
  }

  const std::string computed = model_signing_root_digest(m.resources);
  if (computed != m.root_sha256) {
    throw Error(ErrorCode::kIntegrity, r.what() + ": the manifest is inconsistent: subject[0].digest.sha256 is " +
                                           m.root_sha256 + " but the resources hash to " + computed);
  }
  return m;
}

bool is_git_path(std::string_view path) {
  for (const std::string_view git : {".git", ".github", ".gitattributes", ".gitignore"}) {
    if (is_within(path, git)) return true;
  }
  return false;
}

// Ignore entries that can match inside the model (validated relative paths).
std::vector<std::string> effective_ignores(const std::vector<std::string>& entries) {
  std::vector<std::string> out;
  for (const std::string& entry : entries) {
    if (outside_model(entry)) continue;
    if (!relative_path_problem(entry).empty()) {
      throw Error(ErrorCode::kInput, "ignore path " + quote_untrusted(entry, 100) + " " + relative_path_problem(entry));
    }
    out.push_back(entry);
  }
  return out;
}

struct DirectoryListing {
  std::map<std::string, fs::path> files;      // regular files (or allowed symlinks to them), by relative path
  std::vector<ModelSigningRefusal> refused;
};

// Lists `directory` without following directory symlinks. `skip(rel)` leaves
// a path (and, for a directory, everything below it) out unless `needed(rel)`
// says a listed file lies there.
template <typename Skip, typename Needed>
DirectoryListing list_directory(const fs::path& directory, bool allow_symlinks, std::size_t max_entries,
                                Skip&& skip, Needed&& needed) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    throw Error(ErrorCode::kIo, escape_untrusted(directory.string()) + ": not a directory");
  }
  DirectoryListing listing;
  std::size_t entries = 0;
  fs::recursive_directory_iterator it(directory, fs::directory_options::none, ec);
  const auto check = [&] {
    if (ec) throw Error(ErrorCode::kIo, escape_untrusted(directory.string()) + ": cannot list: " + ec.message());
  };
  check();
  for (; it != fs::recursive_directory_iterator(); it.increment(ec), check()) {
    if (++entries > max_entries) {
      throw Error(ErrorCode::kLimit, escape_untrusted(directory.string()) + ": more than " +
                                         std::to_string(max_entries) + " entries");
    }
    const fs::directory_entry& entry = *it;
    const std::string rel = entry.path().lexically_relative(directory).generic_string();
    const fs::file_status link_status = entry.symlink_status(ec);
    check();
    const bool is_dir = fs::is_directory(link_status);
    if (skip(rel) && !needed(rel)) {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (is_dir) continue;
    if (fs::is_regular_file(link_status)) {
      listing.files.emplace(rel, entry.path());
      continue;
    }
    if (!fs::is_symlink(link_status)) {
      listing.refused.push_back({rel, "not a regular file or directory"});
      continue;
    }
    if (!allow_symlinks) {
      listing.refused.push_back({rel, "a symlink, and the signature does not allow symlinks"});
      continue;
    }
    const fs::file_status target = fs::status(entry.path(), ec);
    ec.clear();  // a dangling link is reported, not an I/O failure
    if (fs::is_regular_file(target)) {
      listing.files.emplace(rel, entry.path());
    } else if (fs::is_directory(target)) {
      listing.refused.push_back({rel, "a symlink to a directory (not followed)"});
    } else {
      listing.refused.push_back({rel, "a symlink to nothing readable"});
    }
  }
  return listing;
}

std::string join_first(const std::vector<std::string>& items, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > limit) out += " and " + std::to_string(items.size() - limit) + " more";
  return out;
}

}  // namespace

std::string model_signing_root_digest(const std::vector<ModelSigningResource>& resources) {
  Sha256 hasher;
  for (const ModelSigningResource& resource : resources) {
    const auto raw = parse_hex_digest<32>(resource.sha256);
    if (!raw) {
      throw Error(ErrorCode::kInput,
                  "resource " + quote_untrusted(resource.path, 100) + ": digest is not 64 hex digits");
    }
    hasher.update(*raw);
  }
  return to_hex(hasher.finish());
}

ModelSigningBundle parse_model_signing_bundle(std::string_view text, std::string_view what) {
  const Reader r(what);
  if (text.size() > kMaxModelSigningBundleBytes) {
    throw Error(ErrorCode::kLimit, r.what() + ": over the limit of " + std::to_string(kMaxModelSigningBundleBytes) +
                                       " bytes for a model-signing signature");
  }
  const json j = parse_strict_json(text, r.what(), ErrorCode::kInput, StrictJsonLimits{kMaxBundleDepth});
  if (!j.is_object()) r.fail("not a JSON object");
  ModelSigningBundle bundle;
  if (j.contains("mediaType")) {
    r.only(j, {"mediaType", "verificationMaterial", "dsseEnvelope", "messageSignature"}, "bundle");
    bundle.media_type = r.string(j, "mediaType", "bundle");
    if (std::find(std::begin(kBundleMediaTypes), std::end(kBundleMediaTypes), bundle.media_type) ==
        std::end(kBundleMediaTypes)) {
      r.fail("bundle.mediaType " + quote_untrusted(bundle.media_type, 100) + " is not a Sigstore bundle media type");
    }
    if (j.contains("messageSignature")) {
      r.fail("the bundle signs a message digest (messageSignature), not an in-toto statement (dsseEnvelope)");
    }
    read_verification_material(r, r.object(j, "verificationMaterial", "bundle"), bundle);
    bundle.envelope = read_envelope(r, r.object(j, "dsseEnvelope", "bundle"), "dsseEnvelope");
  } else if (j.contains("payload")) {
    bundle.envelope = read_envelope(r, j, "envelope");
  } else {
    r.fail("neither a Sigstore bundle (mediaType) nor a DSSE envelope (payload)");
  }
  if (bundle.envelope.payload_type != kInTotoPayloadType) {
    r.fail("payloadType " + quote_untrusted(bundle.envelope.payload_type, 100) + " is not " +
           std::string(kInTotoPayloadType));
  }
  const std::string_view payload(reinterpret_cast<const char*>(bundle.envelope.payload.data()),
                                 bundle.envelope.payload.size());
  bundle.manifest = read_statement(r, payload);
  return bundle;
}

ModelSigningBundle read_model_signing_bundle(const fs::path& file) {
  const std::string name = escape_untrusted(file.string());
  // A FIFO would block the open and a directory has no meaningful size.
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    throw Error(ErrorCode::kIo, "cannot read model-signing signature " + name +
                                    (fs::exists(file, ec) ? " (not a regular file)" : " (no such file)"));
  }
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) throw Error(ErrorCode::kIo, "cannot read model-signing signature " + name);
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(ErrorCode::kIo, "cannot read model-signing signature " + name);
  if (static_cast<std::uint64_t>(size) > kMaxModelSigningBundleBytes) {
    throw Error(ErrorCode::kLimit, name + ": over the limit of " + std::to_string(kMaxModelSigningBundleBytes) +
                                       " bytes for a model-signing signature");
  }
  std::string text(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad() || static_cast<std::size_t>(in.gcount()) != text.size()) {
    throw Error(ErrorCode::kIo, "cannot read model-signing signature " + name);
  }
  // A file that grew while being read is not the file that was measured.
  if (in.peek() != std::ifstream::traits_type::eof()) {
    throw Error(ErrorCode::kIo, name + ": changed while being read");
  }
  return parse_model_signing_bundle(text, file.string());
}

std::string verify_model_signing_signature(const ModelSigningBundle& bundle, const VerifyingKey& key,
                                           std::string_view what) {
  const std::string name = escape_untrusted(what);
  if (bundle.envelope.signatures.empty()) {
    throw Error(ErrorCode::kCertificate, name + ": the model-signing envelope carries no signature");
  }
  const std::vector<std::uint8_t> message = pae(bundle.envelope.payload_type, bundle.envelope.payload);
  for (const DsseSignature& signature : bundle.envelope.signatures) {
    if (key.verify(message, signature.sig)) return key.key_id();
  }
  std::string reason = name + ": no signature verifies under the public key (keyid " + key.key_id() + ", " +
                       std::string(key_algorithm_name(key.algorithm())) + ")";
  if (bundle.material == ModelSigningMaterial::kCertificate) {
    reason += "; the bundle is signed with a certificate (Sigstore keyless or certificate method), which fti does "
              "not verify";
  }
  throw Error(ErrorCode::kCertificate, reason);
}

const ModelSigningResource* find_resource(const ModelSigningManifest& manifest, std::string_view path) {
  for (const ModelSigningResource& resource : manifest.resources) {
    if (resource.path == path) return &resource;
  }
  return nullptr;
}

ModelSigningDirectoryReport verify_manifest_against_directory(const ModelSigningManifest& manifest,
                                                              const fs::path& directory,
                                                              const ModelSigningVerifyOptions& options) {
  std::vector<std::string> ignores = effective_ignores(manifest.ignore_paths);
  for (std::string& extra : effective_ignores(options.extra_ignore_paths)) ignores.push_back(std::move(extra));
  std::map<std::string_view, const ModelSigningResource*> listed;
  std::set<std::string> listed_ancestors;  // directories holding a listed file
  for (const ModelSigningResource& resource : manifest.resources) {
    listed.emplace(resource.path, &resource);
    for (std::size_t slash = resource.path.find('/'); slash != std::string::npos;
         slash = resource.path.find('/', slash + 1)) {
      listed_ancestors.insert(resource.path.substr(0, slash));
    }
  }
  const auto ignored = [&](const std::string& rel) {
    if (options.ignore_git_paths && is_git_path(rel)) return true;
    return std::any_of(ignores.begin(), ignores.end(), [&](const std::string& i) { return is_within(rel, i); });
  };
  const auto needed = [&](const std::string& rel) { return listed.contains(rel) || listed_ancestors.contains(rel); };
  DirectoryListing listing =
      list_directory(directory, manifest.allow_symlinks, options.max_entries, ignored, needed);

  ModelSigningDirectoryReport report;
  report.computed_root_sha256 = model_signing_root_digest(manifest.resources);
  report.root_matches = report.computed_root_sha256 == manifest.root_sha256;
  const auto under_refused = [&](const std::string& path) {
    return std::any_of(listing.refused.begin(), listing.refused.end(),
                       [&](const ModelSigningRefusal& refusal) { return is_within(path, refusal.path); });
  };
  for (const auto& [path, resource] : listed) {
    const auto file = listing.files.find(std::string(path));
    if (file == listing.files.end()) {
      if (!under_refused(resource->path)) report.missing.push_back(resource->path);
      continue;
    }
    const std::string actual = to_hex(sha256_file(file->second));
    if (actual == resource->sha256) {
      report.verified.push_back(*resource);
    } else {
      report.mismatched.push_back({resource->path, resource->sha256, actual});
    }
  }
  for (const auto& [path, location] : listing.files) {
    if (!listed.contains(path) && !ignored(path)) report.extra.push_back(path);
  }
  report.refused = std::move(listing.refused);
  // std::map iteration already gives bytewise path order; refusals come in
  // directory order.
  std::sort(report.refused.begin(), report.refused.end(),
            [](const ModelSigningRefusal& a, const ModelSigningRefusal& b) { return a.path < b.path; });
  return report;
}

ModelSigningDirectoryReport require_manifest_matches_directory(const ModelSigningManifest& manifest,
                                                               const fs::path& directory,
                                                               const ModelSigningVerifyOptions& options) {
  ModelSigningDirectoryReport report = verify_manifest_against_directory(manifest, directory, options);
  if (report.ok()) return report;
  constexpr std::size_t kNamed = 5;
  std::vector<std::string> parts;
  if (!report.root_matches) {
    parts.push_back("the resources hash to " + report.computed_root_sha256 + ", not the signed root " +
                    manifest.root_sha256);
  }
  if (!report.mismatched.empty()) {
    std::vector<std::string> names;
    for (const ModelSigningMismatch& m : report.mismatched) {
      names.push_back(quote_untrusted(m.path, 100) + " (signed " + m.expected_sha256 + ", found " + m.actual_sha256 +
                      ")");
    }
    parts.push_back("changed " + join_first(names, kNamed));
  }
  const auto quoted = [](const std::vector<std::string>& paths) {
    std::vector<std::string> names;
    for (const std::string& p : paths) names.push_back(quote_untrusted(p, 100));
    return names;
  };
  if (!report.missing.empty()) parts.push_back("missing " + join_first(quoted(report.missing), kNamed));
  if (!report.extra.empty()) parts.push_back("not in the signature " + join_first(quoted(report.extra), kNamed));
  if (!report.refused.empty()) {
    std::vector<std::string> names;
    for (const ModelSigningRefusal& refusal : report.refused) {
      names.push_back(quote_untrusted(refusal.path, 100) + " (" + refusal.reason + ")");
    }
    parts.push_back("refused " + join_first(names, kNamed));
  }
  std::string message = escape_untrusted(directory.string()) + " does not match its model-signing manifest: ";
  for (std::size_t i = 0; i < parts.size(); ++i) message += (i > 0 ? "; " : "") + parts[i];
  throw Error(ErrorCode::kIntegrity, message);
}

ModelSigningManifest build_model_signing_manifest(const fs::path& directory, std::string model_name,
                                                  std::vector<std::string> ignore_paths) {
  const std::vector<std::string> ignores = effective_ignores(ignore_paths);
  const auto ignored = [&](const std::string& rel) {
    return std::any_of(ignores.begin(), ignores.end(), [&](const std::string& i) { return is_within(rel, i); });
  };
  const DirectoryListing listing = list_directory(
      directory, /*allow_symlinks=*/false, ModelSigningVerifyOptions{}.max_entries, ignored,
      [](const std::string&) { return false; });
  if (!listing.refused.empty()) {
    throw Error(ErrorCode::kInput, escape_untrusted(directory.string()) + ": " +
                                       quote_untrusted(listing.refused.front().path, 100) + " is " +
                                       listing.refused.front().reason);
  }
  if (listing.files.empty()) {
    throw Error(ErrorCode::kInput, escape_untrusted(directory.string()) + ": no regular files to sign");
  }
  ModelSigningManifest m;
  m.model_name = std::move(model_name);
  m.serialization_method = kFilesMethod;
  m.hash_type = kSha256;
  m.allow_symlinks = false;
  m.ignore_paths = std::move(ignore_paths);
  std::sort(m.ignore_paths.begin(), m.ignore_paths.end());
  for (const auto& [path, location] : listing.files) m.resources.push_back({path, to_hex(sha256_file(location))});
  std::sort(m.resources.begin(), m.resources.end(), [](const ModelSigningResource& a, const ModelSigningResource& b) {
    return posix_path_less(a.path, b.path);
  });
  m.root_sha256 = model_signing_root_digest(m.resources);
  return m;
}

std::string model_signing_statement_json(const ModelSigningManifest& m) {
  json resources = json::array();
  for (const ModelSigningResource& r : m.resources) {
    resources.push_back({{"name", r.path}, {"algorithm", m.hash_type}, {"digest", r.sha256}});
  }
  json serialization = {{"method", m.serialization_method},
                        {"hash_type", m.hash_type},
                        {"allow_symlinks", m.allow_symlinks}};
  if (!m.ignore_paths.empty()) serialization["ignore_paths"] = m.ignore_paths;
  const json subject = {{"name", m.model_name}, {"digest", {{"sha256", m.root_sha256}}}};
  const json statement = {{"_type", kStatementType},
                          {"subject", json::array({subject})},
                          {"predicateType", kModelSigningPredicateType},
                          {"predicate", {{"serialization", serialization}, {"resources", resources}}}};
  return statement.dump();
}

std::string model_signing_bundle_json(const DsseEnvelope& envelope, std::string_view public_key_hint) {
  json signatures = json::array();
  for (const DsseSignature& s : envelope.signatures) {
    json signature = {{"sig", base64_encode(s.sig)}};
    if (!s.keyid.empty()) signature["keyid"] = s.keyid;
    signatures.push_back(signature);
  }
  const json bundle = {
      {"mediaType", kBundleMediaTypeWritten},
      {"verificationMaterial", {{"publicKey", {{"hint", public_key_hint}}}, {"tlogEntries", json::array()}}},
      {"dsseEnvelope",
       {{"payload", base64_encode(envelope.payload)},
        {"payloadType", envelope.payload_type},
        {"signatures", signatures}}}};
  return bundle.dump();
}

}  // namespace fti::attest
