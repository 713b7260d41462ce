// A fresh directory per test, removed afterwards. Lives under $FTI_TEST_TMP
// (set by ctest to the build tree) or $TMPDIR.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace fti::testing {

class TempDir {
 public:
  TempDir() {
    std::filesystem::path base;
    if (const char* t = std::getenv("FTI_TEST_TMP"); t != nullptr && *t != '\0') {
      base = t;
    } else {
      base = std::filesystem::temp_directory_path();
    }
    std::filesystem::create_directories(base);
    std::string pattern = (base / "fti-test-XXXXXX").string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace fti::testing
