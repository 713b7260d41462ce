// Fresh Ed25519 and ECDSA P-256 key pairs for attestation tests, generated
// with OpenSSL EVP (no external tools), as PEM text.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <string>

namespace fti::testing {

struct PemKeyPair {
  std::string private_pem;  // PKCS#8
  std::string public_pem;   // SubjectPublicKeyInfo
};

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

// algorithm: "ED25519" or "P-256".
inline PemKeyPair generate_key_pair(const std::string& algorithm) {
  EVP_PKEY* key = algorithm == "ED25519" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                         : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) throw std::runtime_error("key generation failed");
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PemKeyPair pair;
  if (PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
      PEM_write_bio_PUBKEY(pub, key) == 1) {
    pair = {bio_text(priv), bio_text(pub)};
  }
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
  if (pair.private_pem.empty()) throw std::runtime_error("PEM encoding failed");
  return pair;
}

}  // namespace fti::testing
