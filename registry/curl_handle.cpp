#include "registry/curl_handle.h"

#include <mutex>

#include "engine/common/error.h"

namespace fti {

void ensure_curl_initialized() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    throw Error(ErrorCode::kInternal,
                std::string("libcurl initialisation failed: ") + curl_easy_strerror(result));
  }
}

void HeaderList::add(const std::string& line) {
  curl_slist* next = curl_slist_append(list_.get(), line.c_str());
  if (next == nullptr) throw Error(ErrorCode::kInternal, "out of memory building HTTP headers");
  (void)list_.release();  // curl_slist_append returned the same head (or a new one)
  list_.reset(next);
}

}  // namespace fti
