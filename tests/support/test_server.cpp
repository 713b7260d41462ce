#include "tests/support/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "engine/common/sha256.h"

namespace fti::test {

namespace fs = std::filesystem;

namespace {

// "bytes=N-" -> N; the only form fti sends.
std::optional<std::size_t> parse_open_range(const std::string& value) {
  const std::string prefix = "bytes=";
  if (value.rfind(prefix, 0) != 0 || value.empty() || value.back() != '-') return std::nullopt;
  const std::string digits = value.substr(prefix.size(), value.size() - prefix.size() - 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(std::stoull(digits));
}

// httplib routes by regular expression over the decoded path.
std::string regex_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::string_view(".^$|()[]{}*+?\\/").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// A fresh EC key and a self-signed certificate for `host` (an IP address),
// valid from an hour ago for a day.
struct SelfSigned {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, &EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, &X509_free};
  std::string pem;
};

SelfSigned make_self_signed(const std::string& host) {
  SelfSigned out;
  out.key.reset(EVP_EC_gen("P-256"));
  out.cert.reset(X509_new());
  if (!out.key || !out.cert) throw std::runtime_error("test server: cannot make a key");
  X509* x = out.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x),
                   static_cast<long>(std::random_device{}() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, out.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  const std::string san = "IP:" + host;
  for (const auto& [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, san},
                                   {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) throw std::runtime_error("test server: bad certificate extension");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x, out.key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("test server: cannot sign the certificate");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), x);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  out.pem.assign(data, static_cast<std::size_t>(size));
  return out;
}

}  // namespace

TestServer::TestServer(std::string host) : TestServer(Transport::kHttp, std::move(host)) {}

TestServer::TestServer(Transport transport, std::string host)
    : host_(std::move(host)), transport_(transport) {
  if (transport_ == Transport::kHttpsSelfSigned) {
    const SelfSigned tls = make_self_signed(host_);
    cert_pem_ = tls.pem;
    // httplib's context takes its own references to both.
    server_ = std::make_unique<httplib::SSLServer>(tls.cert.get(), tls.key.get());
    if (!server_->is_valid()) throw std::runtime_error("test server: TLS setup failed");
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  server_->set_keep_alive_timeout(1);
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(RecordedRequest{req.method, req.path, req.headers});
    }
    // httplib would slice bodies by Range on its own; the handlers here decide
    // (a server that ignores Range must be possible). The request object is
    // not const inside httplib, only the handler's view of it is.
    const_cast<httplib::Request&>(req).ranges.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  });
}

TestServer::~TestServer() { stop(); }

void TestServer::start() {
  port_ = server_->bind_to_any_port(host_);
  if (port_ <= 0) throw std::runtime_error("test server: cannot bind to " + host_);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_->is_running()) throw std::runtime_error("test server did not start");
}

void TestServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

std::string TestServer::base_url() const {
  return (transport_ == Transport::kHttp ? "http://" : "https://") + host_ + ":" +
         std::to_string(port_);
}

std::string TestServer::url(std::string_view path) const { return base_url() + std::string(path); }

std::vector<RecordedRequest> TestServer::requests() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::vector<RecordedRequest> TestServer::requests_for(std::string_view path) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<RecordedRequest> out;
  for (const auto& r : requests_) {
    if (r.path == path) out.push_back(r);
  }
  return out;
}

std::size_t TestServer::total() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return requests_.size();
}

ServedResource::ServedResource(ServedFile file) { replace(std::move(file)); }

void ServedResource::replace(ServedFile file) {
  if (!file.etag) file.etag = "\"auto-" + sha256_hex(file.body).substr(0, 16) + "\"";
  const std::lock_guard<std::mutex> lock(mutex_);
  cuts_left_ = file.cut_times;
  file_ = std::make_shared<const ServedFile>(std::move(file));
}

std::pair<std::shared_ptr<const ServedFile>, bool> ServedResource::next() {
  const std::lock_guard<std::mutex> lock(mutex_);
  const bool cut_this = cuts_left_ > 0;
  if (cut_this) --cuts_left_;
  return {file_, cut_this};
}

std::shared_ptr<ServedResource> TestServer::serve_file(const std::string& path, ServedFile file) {
  auto resource = std::make_shared<ServedResource>(std::move(file));
  server_->Get(regex_escape(path), [this, resource](const httplib::Request& req,
                                                   httplib::Response& res) {
    auto [spec, cut] = resource->next();
    if (spec->delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(spec->delay_ms));
    const std::string& etag = *spec->etag;  // resolved by replace()
    if (!etag.empty()) res.set_header("ETag", etag);
    if (!spec->last_modified.empty()) res.set_header("Last-Modified", spec->last_modified);
    for (const auto& [name, value] : spec->extra_headers) res.set_header(name, value);

    if (spec->honour_conditional && !etag.empty() &&
        req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      ++resource->not_modified;
      return;
    }
    std::size_t offset = 0;
    const auto range = parse_open_range(req.get_header_value("Range"));
    const std::string if_range = req.get_header_value("If-Range");
    const bool range_applies =
        spec->honour_range && range &&
        (if_range.empty() || if_range == etag || if_range == spec->last_modified);
    const std::size_t size = spec->body.size();
    if (range_applies) {
      if (*range >= size) {
        res.status = 416;
        res.set_header("Content-Range", "bytes */" + std::to_string(size));
        return;
      }
      offset = *range;
      res.status = 206;
      res.set_header("Content-Range", "bytes " + std::to_string(offset) + "-" +
                                          std::to_string(size - 1) + "/" + std::to_string(size));
      ++resource->partial;
    } else {
      res.status = 200;
      ++resource->full;
    }
    if (size - offset == 0) {
      res.set_content("", "application/octet-stream");
      return;
    }
    const std::size_t cut_at = cut ? std::min(spec->cut_after, size - offset) : size - offset;
    res.set_content_provider(size - offset, "application/octet-stream",
                             [this, spec = spec, resource, offset, cut = cut, cut_at](
                                 std::size_t sent, std::size_t, httplib::DataSink& sink) {
                               if (sent < cut_at) {
                                 const std::size_t chunk =
                                     std::min<std::size_t>(64 * 1024, cut_at - sent);
                                 if (!sink.write(spec->body.data() + offset + sent, chunk)) {
                                   return false;
                                 }
                                 resource->body_bytes += chunk;
                                 return true;
                               }
                               if (!cut) return true;
                               if (spec->drip_ms > 0) {
                                 // A slow drip: a few bytes now and then, until done.
                                 const std::size_t total = spec->body.size() - offset;
                                 if (sent >= total) return true;
                                 const auto until = std::chrono::steady_clock::now() +
                                                    std::chrono::milliseconds(spec->drip_ms);
                                 while (std::chrono::steady_clock::now() < until) {
                                   if (stopping()) return false;
                                   std::this_thread::sleep_for(std::chrono::milliseconds(5));
                                 }
                                 const std::size_t chunk = std::min(
                                     std::max<std::size_t>(spec->drip_bytes, 1), total - sent);
                                 if (!sink.write(spec->body.data() + offset + sent, chunk)) {
                                   return false;
                                 }
                                 resource->body_bytes += chunk;
                                 return true;
                               }
                               // Stall (the client's low-speed limit should fire), then drop.
                               const auto until = std::chrono::steady_clock::now() +
                                                  std::chrono::milliseconds(spec->stall_ms);
                               while (std::chrono::steady_clock::now() < until && !stopping()) {
                                 std::this_thread::sleep_for(std::chrono::milliseconds(20));
                               }
                               ++resource->cut;
                               return false;
                             });
  });
  return resource;
}

void TestServer::serve_directory(const fs::path& dir, const std::string& prefix) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    serve_file(prefix + entry.path().filename().string(), ServedFile{read_file(entry.path())});
  }
}

std::string test_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xFFu);
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

std::string git_blob_sha1_hex(std::string_view data) {
  GitBlobSha1 h(data.size());
  h.update(data.data(), data.size());
  return to_hex(h.finish());
}

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(data[k]));
  };
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (data.size() - i == 1) {
    const std::uint32_t v = byte(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (data.size() - i == 2) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::size_t count_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  std::size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) ++n;
  }
  return n;
}

RawTcpServer::RawTcpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("raw server: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("raw server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { loop(); });
}

RawTcpServer::~RawTcpServer() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

std::string RawTcpServer::url(std::string_view path, std::string_view scheme) const {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::vector<std::string> RawTcpServer::heads() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return heads_;
}

bool RawTcpServer::send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void RawTcpServer::reset_on_close(int fd) {
  const linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

std::string RawTcpServer::header_value(const std::string& head, std::string_view name) {
  std::istringstream lines(head);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < colon; ++i) {
      if (std::tolower(static_cast<unsigned char>(line[i])) !=
          std::tolower(static_cast<unsigned char>(name[i]))) {
        same = false;
      }
    }
    if (!same) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    return value;
  }
  return {};
}

void RawTcpServer::loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string head;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (head.find("\r\n\r\n") == std::string::npos && !stopping_ &&
           std::chrono::steady_clock::now() < deadline) {
      if (!head.empty() && head[0] == '\x16') break;  // a TLS handshake, not HTTP
      pollfd c{fd, POLLIN, 0};
      if (::poll(&c, 1, 20) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<std::size_t>(n));
    }
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      heads_.push_back(head);
    }
    const int number = connections_++;
    handler_(fd, head, number);
    ::close(fd);
  }
}

ScopedEnv::ScopedEnv(const char* name, const char* value) : name_(name) {
  if (const char* old = std::getenv(name)) old_ = old;
  if (value != nullptr) {
    ::setenv(name, value, 1);
  } else {
    ::unsetenv(name);
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    ::setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

}  // namespace fti::test
