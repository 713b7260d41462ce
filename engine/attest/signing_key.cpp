#include "engine/attest/signing_key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "engine/common/error.h"
#include "engine/common/sha256.h"

namespace fti::attest {

void detail::PkeyDeleter::operator()(evp_pkey_st* key) const noexcept { EVP_PKEY_free(key); }

namespace {

struct BioDeleter {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

std::string read_key_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read key file " + escape_untrusted(path.string()));
  std::string text;
  text.resize(kMaxKeyFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read key file " + escape_untrusted(path.string()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxKeyFileBytes) {
    throw Error(ErrorCode::kUsage, escape_untrusted(path.string()) + ": not a key file (over 64 KiB)");
  }
  return text;
}

// The supported algorithm of `key`; throws Error(kUsage) otherwise.
KeyAlgorithm classify(EVP_PKEY* key, std::string_view what) {
  if (EVP_PKEY_is_a(key, "ED25519") == 1) return KeyAlgorithm::kEd25519;
  if (EVP_PKEY_is_a(key, "EC") == 1) {
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) == 1 &&
        (std::strcmp(group, "prime256v1") == 0 || std::strcmp(group, "P-256") == 0)) {
      return KeyAlgorithm::kEcdsaP256Sha256;
    }
    throw Error(ErrorCode::kUsage, std::string(what) + ": an EC key on a curve other than P-256 (use Ed25519 or P-256)");
  }
  throw Error(ErrorCode::kUsage, std::string(what) + ": unsupported key algorithm " +
                                     quote_untrusted(EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "?") +
                                     " (use Ed25519 or ECDSA P-256)");
}

std::string public_key_id(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) throw Error(ErrorCode::kInternal, "cannot encode a public key");
  const Sha256Digest digest = sha256(std::span<const std::uint8_t>(der, static_cast<std::size_t>(length)));
  OPENSSL_free(der);
  return to_hex(digest);
}

// ECDSA signs SHA-256(message); Ed25519 signs the message itself (no digest).
const EVP_MD* message_digest(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::kEd25519 ? nullptr : EVP_sha256();
}

BioPtr memory_bio(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw Error(ErrorCode::kInternal, "out of memory reading a key");
  return bio;
}

}  // namespace

std::string_view key_algorithm_name(KeyAlgorithm algorithm) noexcept {
  return algorithm == KeyAlgorithm::kEd25519 ? "ed25519" : "ecdsa-p256-sha256";
}

SigningKey SigningKey::from_pem_file(const std::filesystem::path& path) {
  return from_pem(read_key_file(path), path.string());
}

SigningKey SigningKey::from_pem(std::string_view pem, std::string_view what) {
  if (pem.size() > kMaxKeyFileBytes) throw Error(ErrorCode::kUsage, std::string(what) + ": not a key (over 64 KiB)");
  BioPtr bio = memory_bio(pem);
  // An empty passphrase callback: an encrypted key fails instead of prompting.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  ERR_clear_error();
  if (raw == nullptr) {
    throw Error(ErrorCode::kUsage, escape_untrusted(what) + ": not an unencrypted PEM private key");
  }
  SigningKey key;
  key.key_.reset(raw);
  key.algorithm_ = classify(raw, escape_untrusted(what));
  key.key_id_ = public_key_id(raw);
  return key;
}

std::string SigningKey::public_key_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    throw Error(ErrorCode::kInternal, "cannot encode a public key");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::vector<std::uint8_t> SigningKey::sign(std::span<const std::uint8_t> message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, message_digest(algorithm_), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()) != 1) {
    ERR_clear_error();
    throw Error(ErrorCode::kInternal, "cannot sign with the attestation key");
  }
  std::vector<std::uint8_t> signature(length);
  if (EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) != 1) {
    ERR_clear_error();
    throw Error(ErrorCode::kInternal, "cannot sign with the attestation key");
  }
  signature.resize(length);  // DER ECDSA signatures vary in length
  return signature;
}

VerifyingKey VerifyingKey::from_pem_file(const std::filesystem::path& path) {
  return from_pem(read_key_file(path), path.string());
}

VerifyingKey VerifyingKey::from_pem(std::string_view pem, std::string_view what) {
  if (pem.size() > kMaxKeyFileBytes) throw Error(ErrorCode::kUsage, std::string(what) + ": not a key (over 64 KiB)");
  BioPtr bio = memory_bio(pem);
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  ERR_clear_error();
  if (raw == nullptr) {
    throw Error(ErrorCode::kUsage, escape_untrusted(what) + ": not a PEM public key (BEGIN PUBLIC KEY)");
  }
  VerifyingKey key;
  key.key_.reset(raw);
  key.algorithm_ = classify(raw, escape_untrusted(what));
  key.key_id_ = public_key_id(raw);
  return key;
}

bool VerifyingKey::verify(std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature) const {
  if (signature.empty()) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, message_digest(algorithm_), nullptr, key_.get()) != 1) {
    ERR_clear_error();
    throw Error(ErrorCode::kInternal, "cannot set up signature verification");
  }
  const int ok = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size());
  ERR_clear_error();
  return ok == 1;
}

}  // namespace fti::attest
