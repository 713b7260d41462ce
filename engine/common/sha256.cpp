#include "engine/common/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "engine/common/error.h"
#include "engine/common/unique_fd.h"

namespace fti {
namespace {

evp_md_ctx_st* new_ctx(const EVP_MD* md) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, md, nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    throw Error(ErrorCode::kInternal, "OpenSSL: cannot initialise a digest context");
  }
  return ctx;
}

}  // namespace

void Sha256::CtxDeleter::operator()(evp_md_ctx_st* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
void GitBlobSha1::CtxDeleter::operator()(evp_md_ctx_st* ctx) const noexcept { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(new_ctx(EVP_sha256())) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::reset() {
  if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    throw Error(ErrorCode::kInternal, "OpenSSL: SHA-256 init failed");
  }
}

void Sha256::update(const void* data, std::size_t size) {
  if (size != 0 && EVP_DigestUpdate(ctx_.get(), data, size) != 1) {
    throw Error(ErrorCode::kInternal, "OpenSSL: SHA-256 update failed");
  }
}

Sha256Digest Sha256::finish() {
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != out.size()) {
    throw Error(ErrorCode::kInternal, "OpenSSL: SHA-256 final failed");
  }
  reset();
  return out;
}

Sha256Digest sha256(std::span<const std::uint8_t> bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

Sha256Digest sha256(std::string_view text) {
  Sha256 h;
  h.update(text);
  return h.finish();
}

namespace {

UniqueFd open_for_reading(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    throw Error(ErrorCode::kIo, path.string() + ": cannot open: " + std::strerror(errno));
  }
  return fd;
}

// Streams the rest of `fd` into `hasher` without mapping the file whole.
template <typename Hasher>
void hash_rest_of_file(int fd, const std::filesystem::path& path, Hasher& hasher) {
  std::vector<std::uint8_t> buffer(std::size_t{4} << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kIo, path.string() + ": read failed: " + std::strerror(errno));
    }
    if (n == 0) break;
    hasher.update(buffer.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace

Sha256Digest sha256_file(const std::filesystem::path& path) {
  const UniqueFd fd = open_for_reading(path);
  Sha256 h;
  hash_rest_of_file(fd.get(), path, h);
  return h.finish();
}

Sha1Digest git_blob_sha1_file(const std::filesystem::path& path) {
  const UniqueFd fd = open_for_reading(path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    throw Error(ErrorCode::kIo, path.string() + ": cannot stat: " + std::strerror(errno));
  }
  GitBlobSha1 h(static_cast<std::uint64_t>(st.st_size));
  hash_rest_of_file(fd.get(), path, h);
  return h.finish();
}

GitBlobSha1::GitBlobSha1(std::uint64_t content_size) : ctx_(new_ctx(EVP_sha1())) {
  const std::string prefix = "blob " + std::to_string(content_size);
  update(prefix.data(), prefix.size() + 1);  // include the terminating NUL
}
GitBlobSha1::~GitBlobSha1() = default;

void GitBlobSha1::update(const void* data, std::size_t size) {
  if (size != 0 && EVP_DigestUpdate(ctx_.get(), data, size) != 1) {
    throw Error(ErrorCode::kInternal, "OpenSSL: SHA-1 update failed");
  }
}

Sha1Digest GitBlobSha1::finish() {
  Sha1Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != out.size()) {
    throw Error(ErrorCode::kInternal, "OpenSSL: SHA-1 final failed");
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> parse_hex_digest(std::string_view hex) {
  if (hex.size() != 2 * N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

template std::optional<Sha256Digest> parse_hex_digest<32>(std::string_view);
template std::optional<Sha1Digest> parse_hex_digest<20>(std::string_view);

}  // namespace fti
