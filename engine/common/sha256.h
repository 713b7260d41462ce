// SHA-256 (and the SHA-1 of git blobs) through OpenSSL's EVP interface, which
// picks the SHA-NI / AVX2 code paths at run time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace fti {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha1Digest = std::array<std::uint8_t, 20>;

// Incremental SHA-256. Not copyable; reuse by calling reset().
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void reset();
  void update(const void* data, std::size_t size);
  void update(std::span<const std::uint8_t> bytes) { update(bytes.data(), bytes.size()); }
  void update(std::string_view text) { update(text.data(), text.size()); }
  Sha256Digest finish();  // also resets

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const noexcept;
  };
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

Sha256Digest sha256(std::span<const std::uint8_t> bytes);
Sha256Digest sha256(std::string_view text);

// Streams the file through SHA-256 without mapping it whole. Throws
// Error(kIo) naming the path when it cannot be read.
Sha256Digest sha256_file(const std::filesystem::path& path);

// Git's object id for a blob: SHA-1("blob " + size + "\0" + content). The hub
// reports this (not a SHA-256) as the etag of small, non-LFS files.
class GitBlobSha1 {
 public:
  explicit GitBlobSha1(std::uint64_t content_size);
  ~GitBlobSha1();
  GitBlobSha1(const GitBlobSha1&) = delete;
  GitBlobSha1& operator=(const GitBlobSha1&) = delete;
  void update(const void* data, std::size_t size);
  Sha1Digest finish();

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const noexcept;
  };
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

// The git blob id of a file's content (its size taken from the open file).
// Throws Error(kIo) naming the path when it cannot be read.
Sha1Digest git_blob_sha1_file(const std::filesystem::path& path);

std::string to_hex(std::span<const std::uint8_t> bytes);

// Parses exactly 2*N lowercase or uppercase hex digits; nullopt otherwise.
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> parse_hex_digest(std::string_view hex);

extern template std::optional<Sha256Digest> parse_hex_digest<32>(std::string_view);
extern template std::optional<Sha1Digest> parse_hex_digest<20>(std::string_view);

}  // namespace fti
