// Reading OpenSSF model-signing v1.0 signatures (github.com/sigstore/
// model-transparency, the `model_signing` package), so that a base or
// candidate signed with it is named by the same per-file SHA-256 digests fti
// reports, attests and gates (docs/ATTESTATIONS.md, "OpenSSF model signing").
//
// The signature file (`model.sig`) is a Sigstore bundle (JSON, mediaType
// application/vnd.dev.sigstore.bundle...) whose dsseEnvelope carries an
// in-toto Statement v1 (payloadType application/vnd.in-toto+json):
//   {"_type": "https://in-toto.io/Statement/v1",
//    "subject": [{"name": <model name>, "digest": {"sha256": <root digest>}}],
//    "predicateType": "https://model_signing/signature/v1.0",
//    "predicate": {"serialization": {"method": "files", "hash_type": "sha256",
//                                    "allow_symlinks": bool, "ignore_paths"?: [path]},
//                  "resources": [{"name": path, "algorithm": "sha256", "digest": hex}]}}
// The root digest is SHA-256 over the concatenated raw 32-byte resource
// digests, in the order the resources are listed (model_signing
// src/model_signing/_signing/signing.py: Payload and dsse_payload_to_manifest;
// the Go port's pkg/hashing/engines/memory/root_digest.go agrees, and so does
// section 6.5.1 of the OMS specification draft).
//
// The sources do not pin down the order: both reference verifiers hash in
// the listed order without checking it, the Python signer sorts by path
// component ("a/b" before "a.txt"), the Go signer bytewise ("a.txt" first)
// and the OMS draft by code point. So fti hashes in the listed order and
// requires none; build_model_signing_manifest writes the Python order.
//
// What is checked: the bundle's structure (strictly), the statement, that
// the root digest matches the resources, each listed file against the model
// directory, and, given a public key, the DSSE signature of a bundle signed
// with a key (model_signing's "key" method, ECDSA P-256; Ed25519 envelopes
// verify too). What is NOT checked: keyless Sigstore signatures (Fulcio
// certificate chain, Rekor inclusion, signed timestamps) and certificate
// signing; they need a Sigstore trust root and the network. The bundle's
// verification material is read but never trusted. Only the "files"
// serialization with SHA-256 is supported; "shards", other hashes and the
// pre-1.0 predicate (https://model_signing/Digests/v0.1) are refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/attest/dsse.h"
#include "engine/attest/signing_key.h"

namespace fti::attest {

inline constexpr std::string_view kModelSigningPredicateType = "https://model_signing/signature/v1.0";
// A resource costs about 200 bytes once base64-encoded, so this admits
// models of some 80,000 files; checkpoints have tens.
inline constexpr std::uint64_t kMaxModelSigningBundleBytes = 16u << 20;

struct ModelSigningResource {
  std::string path;    // relative POSIX path within the model directory
  std::string sha256;  // of the file's bytes, 64 lowercase hex digits
};

struct ModelSigningManifest {
  std::string model_name;            // subject[0].name: informative only
  std::string root_sha256;           // subject[0].digest.sha256
  std::string serialization_method;  // "files"
  std::string hash_type;             // "sha256"
  bool allow_symlinks = false;
  // As signed: relative POSIX paths, each naming a file or a directory whose
  // files are left out of the signature. Entries that cannot name anything
  // inside the model (absolute, or with a ".." component) match nothing.
  std::vector<std::string> ignore_paths;
  std::vector<ModelSigningResource> resources;  // in the order listed
};

// The kind of key material a Sigstore bundle carries (verificationMaterial).
enum class ModelSigningMaterial {
  kNone,         // a bare DSSE envelope, or a bundle without key material
  kPublicKey,    // model_signing's "key" method: verify with the public key
  kCertificate,  // Sigstore keyless or "certificate" method: not verified here
};

struct ModelSigningBundle {
  std::string media_type;  // the bundle's mediaType; empty for a bare DSSE envelope
  ModelSigningMaterial material = ModelSigningMaterial::kNone;
  std::string public_key_hint;  // verificationMaterial.publicKey.hint, if any (not trusted)
  std::size_t tlog_entries = 0;  // transparency-log entries (not verified)
  DsseEnvelope envelope;
  ModelSigningManifest manifest;
};

// Parses a model-signing signature: a Sigstore bundle or a bare DSSE envelope
// (one JSON object, no duplicate keys, strict base64) with an in-toto v1
// statement of predicate type kModelSigningPredicateType, every field
// type-checked, and checks that the resources hash to the subject's root
// digest. Unknown predicate fields are ignored, as the v1.0 predicate
// requires of verifiers; unknown fields anywhere else are refused. Throws
// Error(kInput) naming `what` and the field, Error(kLimit) for a text over
// kMaxModelSigningBundleBytes, Error(kIntegrity) when the root digest does
// not match the resources. Verifies no signature.
ModelSigningBundle parse_model_signing_bundle(std::string_view text, std::string_view what);

// Reads `file` (its size checked before anything is allocated) and parses it
// as above. Throws Error(kIo) when it cannot be read.
ModelSigningBundle read_model_signing_bundle(const std::filesystem::path& file);

// Requires some signature of the envelope to verify over
// PAE(payloadType, payload) under `key` (Ed25519, or ECDSA P-256 with
// SHA-256, DER signatures: what model_signing's "key" method writes for a
// P-256 key). Returns the keyid of the key that verified. Throws
// Error(kCertificate) otherwise. The bundle's publicKey hint is not used:
// like a DSSE keyid it is a hint, and the signature is what binds.
std::string verify_model_signing_signature(const ModelSigningBundle& bundle, const VerifyingKey& key,
                                           std::string_view what);

// SHA-256 over the concatenated raw digests of `resources`, in this order
// (lowercase hex): the subject digest of a model-signing v1.0 statement.
std::string model_signing_root_digest(const std::vector<ModelSigningResource>& resources);

// The listed resource named `path`, if any.
const ModelSigningResource* find_resource(const ModelSigningManifest& manifest, std::string_view path);

struct ModelSigningVerifyOptions {
  // model_signing's verifier leaves .git/, .github/, .gitattributes and
  // .gitignore out by default (hashing.Config, ignore_git_paths=True);
  // files listed in the manifest are checked regardless.
  bool ignore_git_paths = true;
  // More relative paths to leave out of the "extra" check (the signature
  // file, when it lies inside the model directory, say).
  std::vector<std::string> extra_ignore_paths;
  // Refuse directories with more entries than this (Error(kLimit)).
  std::size_t max_entries = 1'000'000;
};

struct ModelSigningMismatch {
  std::string path;
  std::string expected_sha256;  // the manifest's
  std::string actual_sha256;    // the file's
};

struct ModelSigningRefusal {
  std::string path;
  std::string reason;  // "symlink not allowed by the signature", ...
};

struct ModelSigningDirectoryReport {
  std::vector<ModelSigningResource> verified;      // listed files whose digest matched
  std::vector<ModelSigningMismatch> mismatched;    // listed, present, different bytes
  std::vector<std::string> missing;                // listed, not a file in the directory
  std::vector<std::string> extra;                  // present, not listed, not ignored
  std::vector<ModelSigningRefusal> refused;        // present but not verifiable (symlinks, special files)
  std::string computed_root_sha256;                // from the manifest's resources
  bool root_matches = false;                       // computed_root_sha256 == manifest.root_sha256

  bool ok() const noexcept {
    return root_matches && mismatched.empty() && missing.empty() && extra.empty() && refused.empty();
  }
};

// Checks a model directory against a manifest: every listed file is hashed
// (streaming) and compared; files present but not listed (outside
// ignore_paths and the options' ignores) are extra; symlinks are refused
// unless the signature allows them (then a symlink to a regular file is
// hashed as its target; symlinked directories are never followed); the root
// digest is recomputed from the resources. Every list is sorted by path.
// Throws Error(kIo) when the directory or a listed file cannot be read,
// Error(kLimit) past options.max_entries.
ModelSigningDirectoryReport verify_manifest_against_directory(const ModelSigningManifest& manifest,
                                                              const std::filesystem::path& directory,
                                                              const ModelSigningVerifyOptions& options = {});

// The same, throwing Error(kIntegrity) with one line that names the first
// problems (mismatched, missing, extra and refused files, a wrong root) when
// the directory does not match; returns the report when it does.
ModelSigningDirectoryReport require_manifest_matches_directory(const ModelSigningManifest& manifest,
                                                               const std::filesystem::path& directory,
                                                               const ModelSigningVerifyOptions& options = {});

// Hashes every regular file under `directory` (outside `ignore_paths`) into a
// manifest the way model_signing's "files" serialization does: relative POSIX
// names, resources sorted by path component (Python's PurePosixPath order,
// the reference signer's), root digest over them in that order. For tests
// and interoperability checks; fti signs its own attestations, not models.
ModelSigningManifest build_model_signing_manifest(const std::filesystem::path& directory, std::string model_name,
                                                  std::vector<std::string> ignore_paths = {});

// The statement of `manifest` as JSON (keys sorted, compact): the payload a
// model-signing signer would wrap in its envelope.
std::string model_signing_statement_json(const ModelSigningManifest& manifest);

// A Sigstore bundle (mediaType v0.3) around `envelope`, with a publicKey
// hint: the shape model_signing's "key" method writes. Compact JSON.
std::string model_signing_bundle_json(const DsseEnvelope& envelope, std::string_view public_key_hint);

}  // namespace fti::attest
