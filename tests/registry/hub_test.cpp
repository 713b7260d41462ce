// hf:// references: parsing, URL mapping, and a hub-style flow against a
// local server (the hub redirects LFS files to a "CDN" on another origin).
#include "registry/hub.h"

#include <gtest/gtest.h>

#include "tests/support/test_server.h"

namespace fti {
namespace {

namespace fs = std::filesystem;
using test::ServedFile;
using test::TestServer;

constexpr std::string_view kEndpoint = "https://hub.example";
const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

TEST(HubUri, ParsesTheForms) {
  HubRef r = parse_hub_uri("hf://org/name", kEndpoint);
  EXPECT_EQ(r.endpoint, kEndpoint);
  EXPECT_EQ(r.org, "org");
  EXPECT_EQ(r.name, "name");
  EXPECT_EQ(r.revision, "main");
  EXPECT_FALSE(r.explicit_revision);
  EXPECT_EQ(r.path, "");

  r = parse_hub_uri("hf://meta-llama/Llama-3.1_8B.v2@v1.0", kEndpoint);
  EXPECT_EQ(r.org, "meta-llama");
  EXPECT_EQ(r.name, "Llama-3.1_8B.v2");
  EXPECT_EQ(r.revision, "v1.0");
  EXPECT_TRUE(r.explicit_revision);

  r = parse_hub_uri("hf://org/name@" + kCommit + "/sub dir/model.safetensors", kEndpoint);
  EXPECT_EQ(r.revision, kCommit);
  EXPECT_EQ(r.path, "sub dir/model.safetensors");

  r = parse_hub_uri("hf://org/name/model.safetensors", kEndpoint);
  EXPECT_EQ(r.revision, "main");
  EXPECT_EQ(r.path, "model.safetensors");

  r = parse_hub_uri("hf://org/name/", kEndpoint);  // a trailing slash means no path
  EXPECT_EQ(r.path, "");

  const std::string hex(64, 'a');
  r = parse_hub_uri("hf://org/name/model.safetensors#sha256=" + hex, kEndpoint);
  ASSERT_TRUE(r.expected_sha256.has_value());
  EXPECT_EQ(to_hex(*r.expected_sha256), hex);
  EXPECT_EQ(hub_display(r), "hf://org/name@main/model.safetensors");
}

TEST(HubUri, RejectsMalformedReferences) {
  for (const std::string& bad :
       std::vector<std::string>{"hf://",
                                "hf://org",
                                "hf://org/",
                                "hf:///name",
                                "hf://org/na me",
                                "hf://org/name@",
                                "hf://org/name@/x",
                                "hf://org/name/../x",
                                "hf://org/name/a/./b",
                                "hf://org/name//x",
                                "hf://org/name/x/",
                                "hf://-org/name",
                                "hf://org/name-",
                                "hf://org/na..me",
                                "hf://org/na--me",
                                "hf://or$g/name",
                                "hf://org/name?x=1",
                                "hf://org/name#foo",
                                "hf://org/name@a:b",
                                "hf://org/name@a..b",
                                "hf://org/name@a b/x",
                                "hf://org/name/x\\y",
                                "https://hub.example/org/name",
                                "HF://org/name",
                                "hf://org/name#sha256=abc",
                                "hf://org/name#sha256=" + std::string(64, 'a'),
                                "hf://org/name/x\ny",
                                std::string("hf://") + std::string(97, 'a') + "/name"}) {
    try {
      parse_hub_uri(bad, kEndpoint);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUsage) << bad;
      const std::string message = e.what();
      EXPECT_NE(message.find("hf://org/name[@revision][/path]"), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(HubUrl, MapsToResolveUrlsWithPercentEncoding) {
  const HubRef r = parse_hub_uri("hf://org/name@v1+rc/x", kEndpoint);
  EXPECT_EQ(hub_file_url(r, "model.safetensors"),
            "https://hub.example/org/name/resolve/v1%2Brc/model.safetensors");
  EXPECT_EQ(hub_file_url(r, "sub dir/\xc3\xa9t\xc3\xa9%.bin"),
            "https://hub.example/org/name/resolve/v1%2Brc/sub%20dir/%C3%A9t%C3%A9%25.bin");
  EXPECT_THROW(hub_file_url(r, ""), Error);
  EXPECT_THROW(hub_file_url(r, "../x"), Error);
  EXPECT_THROW(hub_file_url(r, "/x"), Error);
}

TEST(HubUrl, EndpointFromTheEnvironment) {
  {
    const test::ScopedEnv env("HF_ENDPOINT", nullptr);
    EXPECT_EQ(hub_endpoint_from_environment(), "https://huggingface.co");
    EXPECT_EQ(hub_file_url(parse_hub_uri("hf://o/n"), "f"),
              "https://huggingface.co/o/n/resolve/main/f");
  }
  {
    const test::ScopedEnv env("HF_ENDPOINT", "http://mirror.example:8080/hf/");
    EXPECT_EQ(hub_endpoint_from_environment(), "http://mirror.example:8080/hf");
    EXPECT_EQ(hub_file_url(parse_hub_uri("hf://o/n@dev"), "f"),
              "http://mirror.example:8080/hf/o/n/resolve/dev/f");
  }
  for (const char* bad : {"ftp://x", "mirror.example", "https://", "https://x?y", "https://x#y"}) {
    const test::ScopedEnv env("HF_ENDPOINT", bad);
    try {
      parse_hub_uri("hf://o/n");
      ADD_FAILURE() << "accepted HF_ENDPOINT=" << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUsage);
      EXPECT_NE(std::string(e.what()).find("HF_ENDPOINT"), std::string::npos) << e.what();
    }
  }
}

TEST(HubOptions, UseHubEtagsAndHfToken) {
  FetchOptions base;
  base.max_retries = 1;
  const FetchOptions o = hub_fetch_options(base);
  EXPECT_TRUE(o.hub_etags);
  EXPECT_EQ(o.auth_env, "HF_TOKEN");
  EXPECT_EQ(o.max_retries, 1);
}

class HubFetchTest : public ::testing::Test {
 protected:
  HubFetchTest() : cache_(dir_.path() / "cache") {}

  FetchOptions options() const {
    FetchOptions o;
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.low_speed_bytes = 1000;
    o.low_speed_time = std::chrono::seconds(1);
    o.max_retries = 2;
    o.initial_backoff = std::chrono::milliseconds(10);
    o.max_backoff = std::chrono::milliseconds(40);
    o.progress = ProgressMode::kNever;
    return hub_fetch_options(o);
  }

  HubRef ref(std::string_view uri) const { return parse_hub_uri(uri, hub_.base_url()); }

  // The hub's answer for an LFS file: a redirect to the CDN that names the
  // content (sha256) and the commit.
  void serve_lfs(const std::string& repo_path, const std::string& body,
                 const std::string& linked_sha256) {
    const std::string cdn_path = "/cdn/" + test::sha256_hex(body);
    cdn_.serve_file(cdn_path,
                    ServedFile{.body = body, .etag = "\"d41d8cd98f00b204e9800998ecf8427e\""});
    hub_.raw().Get(repo_path, [this, cdn_path, linked_sha256, size = body.size()](
                                  const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", cdn_.url(cdn_path) + "?X-Amz-Signature=abc");
      res.set_header("X-Linked-Etag", "\"" + linked_sha256 + "\"");
      res.set_header("ETag", "\"" + linked_sha256 + "\"");
      res.set_header("X-Linked-Size", std::to_string(size));
      res.set_header("X-Repo-Commit", kCommit);
    });
  }

  test::TempDir dir_;
  Cache cache_;
  TestServer hub_;
  TestServer cdn_;
};

TEST_F(HubFetchTest, SingleFileThroughARedirectToTheCdn) {
  const std::string body = test::test_bytes(150 * 1024, 40);
  hub_.raw().Get("/org/name/resolve/main/model.safetensors.index.json",
                 [](const httplib::Request&, httplib::Response& res) {
                   res.status = 404;
                   res.set_header("X-Error-Code", "EntryNotFound");
                 });
  serve_lfs("/org/name/resolve/main/model.safetensors", body, test::sha256_hex(body));
  hub_.start();
  cdn_.start();

  const test::ScopedEnv token("HF_TOKEN", "hf_t0ken");
  const HubEntry e = fetch_hub_entry(ref("hf://org/name"), cache_, options());
  EXPECT_FALSE(e.sharded);
  EXPECT_EQ(e.file, "model.safetensors");
  EXPECT_EQ(e.url, hub_.url("/org/name/resolve/main/model.safetensors"));
  EXPECT_EQ(test::read_file(e.fetched.path), body);
  EXPECT_EQ(e.fetched.verified_by, DigestSource::kServerSha256);
  EXPECT_EQ(e.fetched.repo_commit, kCommit);
  EXPECT_EQ(e.pinned.revision, kCommit);
  EXPECT_EQ(e.fetched.final_url.rfind(cdn_.url("/cdn/"), 0), 0u) << e.fetched.final_url;

  // The token goes to the hub, not to the CDN on another origin.
  for (const auto& r : hub_.requests()) EXPECT_EQ(r.header("Authorization"), "Bearer hf_t0ken");
  ASSERT_EQ(cdn_.total(), 1u);
  EXPECT_FALSE(cdn_.requests()[0].has_header("Authorization"));

  // Second run: the hub's redirect names a blob we hold, the CDN is not asked.
  const HubEntry again = fetch_hub_entry(ref("hf://org/name"), cache_, options());
  EXPECT_TRUE(again.fetched.from_cache);
  EXPECT_EQ(again.fetched.sha256, e.fetched.sha256);
  EXPECT_EQ(again.fetched.repo_commit, kCommit);
  EXPECT_EQ(cdn_.total(), 1u);

  // Offline, the record is enough.
  FetchOptions offline = options();
  offline.offline = true;
  const std::size_t hub_requests = hub_.total();
  const FetchedFile cached =
      fetch_url(hub_.url("/org/name/resolve/main/model.safetensors"), offline, cache_);
  EXPECT_EQ(cached.sha256, e.fetched.sha256);
  EXPECT_EQ(cached.repo_commit, kCommit);
  EXPECT_EQ(hub_.total(), hub_requests);
}

TEST_F(HubFetchTest, LfsFileWithAWrongLinkedEtagIsRefused) {
  const std::string body = test::test_bytes(10000, 41);
  serve_lfs("/org/name/resolve/main/model.safetensors", body, std::string(64, '7'));
  hub_.start();
  cdn_.start();
  try {
    fetch_hub_entry(ref("hf://org/name/model.safetensors"), cache_, options());
    FAIL() << "wrong digest accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
  }
  EXPECT_EQ(test::count_files(cache_.root() / "blobs"), 0u);
  EXPECT_EQ(test::count_files(cache_.root() / "partial"), 0u);
}

TEST_F(HubFetchTest, ShardedRepositoryIndexVerifiedAsAGitBlob) {
  const std::string index =
      R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors"}})";
  const std::string shard = test::test_bytes(30000, 42);
  // Small files are not in LFS: the hub answers directly, ETag = git blob sha1.
  hub_.serve_file("/org/name/resolve/main/model.safetensors.index.json",
                  ServedFile{.body = index,
                             .etag = "\"" + test::git_blob_sha1_hex(index) + "\"",
                             .extra_headers = {{"X-Repo-Commit", kCommit}}});
  serve_lfs("/org/name/resolve/" + kCommit + "/model-00001-of-00002.safetensors", shard,
            test::sha256_hex(shard));
  hub_.start();
  cdn_.start();

  const HubEntry e = fetch_hub_entry(ref("hf://org/name"), cache_, options());
  EXPECT_TRUE(e.sharded);
  EXPECT_EQ(e.file, "model.safetensors.index.json");
  EXPECT_EQ(test::read_file(e.fetched.path), index);
  EXPECT_EQ(e.fetched.verified_by, DigestSource::kServerGitSha1);
  EXPECT_EQ(e.pinned.revision, kCommit);
  // Not asked: the single-file name.
  EXPECT_EQ(hub_.count("/org/name/resolve/main/model.safetensors"), 0u);

  // Shards resolve against the pinned index URL.
  const std::string shard_url =
      resolve_relative_url(hub_file_url(e.pinned, e.file), "model-00001-of-00002.safetensors");
  EXPECT_EQ(shard_url,
            hub_.url("/org/name/resolve/" + kCommit + "/model-00001-of-00002.safetensors"));
  const FetchedFile s = fetch_url(shard_url, e.options, cache_);
  EXPECT_EQ(test::read_file(s.path), shard);
  EXPECT_EQ(s.verified_by, DigestSource::kServerSha256);
}

TEST_F(HubFetchTest, WrongGitBlobSha1IsRefused) {
  const std::string index = R"({"weight_map": {}})";
  hub_.serve_file("/org/name/resolve/main/model.safetensors.index.json",
                  ServedFile{.body = index, .etag = "\"" + std::string(40, 'b') + "\""});
  hub_.start();
  try {
    fetch_hub_entry(ref("hf://org/name"), cache_, options());
    FAIL() << "wrong git blob sha1 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
    EXPECT_NE(std::string(e.what()).find("git blob sha1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(test::count_files(cache_.root() / "blobs"), 0u);
}

TEST_F(HubFetchTest, NeitherFileIsAClearError) {
  hub_.start();
  try {
    fetch_hub_entry(ref("hf://org/name@dev"), cache_, options());
    FAIL() << "missing repository accepted";
  } catch (const FetchError& e) {
    EXPECT_EQ(e.http_status(), 404);
    const std::string message = e.what();
    EXPECT_NE(message.find("hf://org/name@dev"), std::string::npos) << message;
    EXPECT_NE(message.find("neither"), std::string::npos) << message;
  }
  EXPECT_EQ(hub_.count("/org/name/resolve/dev/model.safetensors.index.json"), 1u);
  EXPECT_EQ(hub_.count("/org/name/resolve/dev/model.safetensors"), 1u);
}

TEST_F(HubFetchTest, UnauthorizedSaysWhichTokenAndThatTheRepositoryMayNotExist) {
  hub_.raw().Get(R"(/org/private/resolve/.*)", [](const httplib::Request&, httplib::Response& res) {
    res.status = 401;
    res.set_header("X-Error-Code", "RepoNotFound");
  });
  hub_.start();
  const test::ScopedEnv token("HF_TOKEN", nullptr);
  try {
    fetch_hub_entry(ref("hf://org/private"), cache_, options());
    FAIL() << "401 accepted";
  } catch (const FetchError& e) {
    EXPECT_EQ(e.http_status(), 401);
    const std::string message = e.what();
    EXPECT_NE(message.find("hf://org/private@main"), std::string::npos) << message;
    EXPECT_NE(message.find("HF_TOKEN"), std::string::npos) << message;
    EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  }
  EXPECT_EQ(hub_.total(), 1u);
}

TEST_F(HubFetchTest, ExplicitPathWithAPinnedDigest) {
  const std::string body = test::test_bytes(5000, 43);
  hub_.serve_file("/org/name/resolve/main/weights/adapter.safetensors", ServedFile{.body = body});
  hub_.start();
  const HubEntry e = fetch_hub_entry(
      ref("hf://org/name/weights/adapter.safetensors#sha256=" + test::sha256_hex(body)), cache_,
      options());
  EXPECT_FALSE(e.sharded);
  EXPECT_EQ(e.file, "weights/adapter.safetensors");
  EXPECT_EQ(e.fetched.verified_by, DigestSource::kExpected);

  const std::string wrong(64, '1');
  EXPECT_THROW(fetch_hub_entry(ref("hf://org/name/weights/adapter.safetensors#sha256=" + wrong),
                               cache_, options()),
               Error);
}

}  // namespace
}  // namespace fti
