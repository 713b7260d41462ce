// The error type of the HTTP code: a fetch failure with the HTTP status it
// ended on, so that callers can tell "not found" from other failures.
#pragma once

#include <string>

#include "engine/common/error.h"

namespace fti {

// A fetch failure that carries the HTTP status of the final answer (0 when no
// HTTP answer was received). Error code kFetch.
class FetchError : public Error {
 public:
  FetchError(const std::string& message, long http_status)
      : Error(ErrorCode::kFetch, message), http_status_(http_status) {}
  long http_status() const noexcept { return http_status_; }

 private:
  long http_status_;
};

}  // namespace fti
