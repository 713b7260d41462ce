// Keys for signing and verifying attestations: Ed25519, or ECDSA on P-256
// with SHA-256, read from PEM files through OpenSSL's EVP interface.
//
// Private keys: PKCS#8 ("BEGIN PRIVATE KEY", as `openssl genpkey` writes),
// or the traditional "BEGIN EC PRIVATE KEY"; unencrypted. Public keys:
// SubjectPublicKeyInfo ("BEGIN PUBLIC KEY", as `openssl pkey -pubout`
// writes). Any other algorithm or curve is refused.
//
// The key id is the lowercase hex SHA-256 of the DER SubjectPublicKeyInfo,
// so signer and verifier derive the same id from either half of the pair.
// ECDSA signatures are ASN.1 DER (r, s), as in Sigstore and the DSSE
// examples; Ed25519 signatures are the 64 raw bytes (RFC 8032, pure Ed25519).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct evp_pkey_st;

namespace fti::attest {

enum class KeyAlgorithm { kEd25519, kEcdsaP256Sha256 };
std::string_view key_algorithm_name(KeyAlgorithm algorithm) noexcept;  // "ed25519", "ecdsa-p256-sha256"

namespace detail {
struct PkeyDeleter {
  void operator()(evp_pkey_st* key) const noexcept;
};
using PkeyPtr = std::unique_ptr<evp_pkey_st, PkeyDeleter>;
}  // namespace detail

class SigningKey {
 public:
  // Throws Error(kIo) when the file cannot be read, Error(kUsage) when it is
  // not an unencrypted PEM private key of a supported algorithm.
  static SigningKey from_pem_file(const std::filesystem::path& path);
  static SigningKey from_pem(std::string_view pem, std::string_view what);

  KeyAlgorithm algorithm() const noexcept { return algorithm_; }
  const std::string& key_id() const noexcept { return key_id_; }
  // The public half, PEM (SubjectPublicKeyInfo).
  std::string public_key_pem() const;
  std::vector<std::uint8_t> sign(std::span<const std::uint8_t> message) const;

 private:
  detail::PkeyPtr key_;
  KeyAlgorithm algorithm_ = KeyAlgorithm::kEd25519;
  std::string key_id_;
};

class VerifyingKey {
 public:
  // Throws Error(kIo) when the file cannot be read, Error(kUsage) when it is
  // not a PEM public key of a supported algorithm.
  static VerifyingKey from_pem_file(const std::filesystem::path& path);
  static VerifyingKey from_pem(std::string_view pem, std::string_view what);

  KeyAlgorithm algorithm() const noexcept { return algorithm_; }
  const std::string& key_id() const noexcept { return key_id_; }
  // False for a wrong, malformed or truncated signature.
  bool verify(std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature) const;

 private:
  detail::PkeyPtr key_;
  KeyAlgorithm algorithm_ = KeyAlgorithm::kEd25519;
  std::string key_id_;
};

}  // namespace fti::attest
