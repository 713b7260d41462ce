#include "tests/support/test_server.h"

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

}  // namespace

TestServer::TestServer(std::string host) : host_(std::move(host)) {
  server_.set_keep_alive_timeout(1);
  server_.set_read_timeout(5, 0);
  server_.set_write_timeout(5, 0);
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
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
  port_ = server_.bind_to_any_port(host_);
  if (port_ <= 0) throw std::runtime_error("test server: cannot bind to " + host_);
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_.is_running()) throw std::runtime_error("test server did not start");
}

void TestServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) {
    server_.stop();
    thread_.join();
  }
}

std::string TestServer::base_url() const { return "http://" + host_ + ":" + std::to_string(port_); }

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
  server_.Get(regex_escape(path), [this, resource](const httplib::Request& req,
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
                                 sink.write(spec->body.data() + offset + sent, chunk);
                                 return true;
                               }
                               if (!cut) return true;
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
