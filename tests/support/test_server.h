// A real HTTP server for the fetch tests: cpp-httplib on 127.0.0.1 with an
// ephemeral port, running on its own thread, recording every request. Shared
// by the registry tests and the command-line tests (fti_test_support).
// Also, for faults httplib cannot produce: an HTTPS variant with a freshly
// generated self-signed certificate, and a raw TCP server whose handler
// writes whatever bytes it likes (wrong Content-Length, a reset, garbage).
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace fti::test {

struct RecordedRequest {
  std::string method;
  std::string path;
  httplib::Headers headers;  // case-insensitive names

  bool has_header(const std::string& name) const { return headers.find(name) != headers.end(); }
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A file served with the semantics a download server has: ETag and
// Last-Modified, If-None-Match (304), Range / If-Range (206), and knobs to
// misbehave.
struct ServedFile {
  std::string body{};
  // The ETag as sent, quoted (e.g. "\"abc\""). Unset: one derived from the
  // body ("\"auto-<16 hex>\""), as a real file server would send; empty: none.
  std::optional<std::string> etag{};
  std::string last_modified{};
  std::vector<std::pair<std::string, std::string>> extra_headers{};
  bool honour_range = true;        // false: every answer is 200 with the whole body
  bool honour_conditional = true;  // false: If-None-Match is ignored
  // The first `cut_times` answers stop after `cut_after` body bytes: the
  // connection is dropped mid-body (stall_ms > 0: it stalls that long first).
  std::size_t cut_after = 0;
  int cut_times = 0;
  int stall_ms = 0;
  // drip_ms > 0: instead of stalling and dropping, those answers go on with
  // drip_bytes bytes every drip_ms until the body is complete (a slow drip).
  int drip_ms = 0;
  std::size_t drip_bytes = 1;
  int delay_ms = 0;  // sleep before answering (to make requests overlap)
};

// A file being served: what it answered (per status), and a way to change
// it between requests.
class ServedResource {
 public:
  explicit ServedResource(ServedFile file);
  // Later requests see `file` (its cut_times count afresh).
  void replace(ServedFile file);

  std::atomic<int> full{0};          // 200 with the whole body
  std::atomic<int> partial{0};       // 206
  std::atomic<int> not_modified{0};  // 304
  std::atomic<int> cut{0};           // connections dropped mid-body
  std::atomic<std::size_t> body_bytes{0};  // body bytes handed to the socket

 private:
  friend class TestServer;
  // The file for one answer, and whether that answer is to be cut.
  std::pair<std::shared_ptr<const ServedFile>, bool> next();
  std::mutex mutex_;
  std::shared_ptr<const ServedFile> file_;
  int cuts_left_ = 0;
};

class TestServer {
 public:
  enum class Transport {
    kHttp,
    // HTTPS with a certificate for 127.0.0.1 generated at construction,
    // signed by itself: no client trusts it unless told to (cert_pem()).
    kHttpsSelfSigned,
  };
  explicit TestServer(std::string host = "127.0.0.1");
  explicit TestServer(Transport transport, std::string host = "127.0.0.1");
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Register handlers on raw() (or with serve_file) before start().
  httplib::Server& raw() { return *server_; }
  // The self-signed certificate (PEM) of a kHttpsSelfSigned server.
  const std::string& cert_pem() const { return cert_pem_; }
  void start();
  void stop();

  int port() const { return port_; }
  std::string base_url() const;
  std::string url(std::string_view path) const;  // path starts with '/'

  // Serves `file` at exactly `path` (GET and HEAD).
  std::shared_ptr<ServedResource> serve_file(const std::string& path, ServedFile file);
  // Serves each file of `dir` (not recursively) at `prefix` + its name, with
  // the defaults of ServedFile.
  void serve_directory(const std::filesystem::path& dir, const std::string& prefix);

  std::vector<RecordedRequest> requests() const;
  std::vector<RecordedRequest> requests_for(std::string_view path) const;
  std::size_t count(std::string_view path) const { return requests_for(path).size(); }
  std::size_t total() const;

  // true once the server is shutting down (long-running handlers give up).
  bool stopping() const { return stopping_.load(); }

 private:
  std::string host_;
  Transport transport_ = Transport::kHttp;
  std::string cert_pem_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
};

// A TCP server on 127.0.0.1 (ephemeral port) that speaks no protocol of its
// own: for each connection it reads the request head (up to the blank line;
// a client that starts with a TLS handshake gets handed over at once) and
// calls the handler with the socket, the bytes read and the connection's
// number (0, 1, ...). The server closes the socket when the handler returns;
// reset_on_close() makes that close send a TCP reset. One connection at a
// time; answer with "Connection: close".
class RawTcpServer {
 public:
  using Handler = std::function<void(int fd, const std::string& head, int connection)>;
  explicit RawTcpServer(Handler handler);
  ~RawTcpServer();
  RawTcpServer(const RawTcpServer&) = delete;
  RawTcpServer& operator=(const RawTcpServer&) = delete;

  int port() const { return port_; }
  std::string url(std::string_view path, std::string_view scheme = "http") const;
  int connections() const { return connections_.load(); }
  std::vector<std::string> heads() const;
  bool stopping() const { return stopping_.load(); }

  // Helpers for handlers.
  static bool send_all(int fd, std::string_view bytes);
  static void reset_on_close(int fd);
  // The value of header `name` (case-insensitive) in a request head, or "".
  static std::string header_value(const std::string& head, std::string_view name);

 private:
  void loop();
  Handler handler_;
  int listen_fd_ = -1;
  int port_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::string> heads_;
};

// The project's scratch directory (tests/support/temp_dir.h), under the
// name these tests have always used.
using TempDir = fti::testing::TempDir;

// Deterministic pseudo-random bytes.
std::string test_bytes(std::size_t size, std::uint64_t seed = 1);
std::string read_file(const std::filesystem::path& path);
std::string sha256_hex(std::string_view data);
std::string git_blob_sha1_hex(std::string_view data);
std::string base64(std::string_view data);
// Regular files under `dir` (recursively); 0 when it does not exist.
std::size_t count_files(const std::filesystem::path& dir);

// Sets an environment variable for the scope, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value);  // value nullptr: unset
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace fti::test
