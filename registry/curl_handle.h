// libcurl ownership: process-wide initialisation, easy handles and header
// lists. Internal to the registry's HTTP code; nothing here is part of the
// fetch API.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace fti {

// curl_global_init, once per process. Throws Error(kInternal) when it failed.
void ensure_curl_initialized();

struct EasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

// A header list for one request.
class HeaderList {
 public:
  void add(const std::string& line);
  curl_slist* get() const noexcept { return list_.get(); }

 private:
  struct SlistDeleter {
    void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
  };
  std::unique_ptr<curl_slist, SlistDeleter> list_;
};

}  // namespace fti
