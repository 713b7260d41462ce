// Typed errors for everything that can go wrong with untrusted input.
//
// A failure is an fti::Error carrying an ErrorCode; the command line maps the
// code to a stable exit status. Messages are one line and name the file,
// tensor, URL or policy line they are about, so a pipeline log is enough to
// find the cause.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fti {

enum class ErrorCode {
  kUsage,        // bad command line
  kPolicy,       // policy file invalid
  kInput,        // a checkpoint or archive is malformed
  kFetch,        // network or remote server failure
  kIntegrity,    // digest mismatch: the bytes are not the ones promised
  kLimit,        // a resource limit was hit (header size, archive expansion, ...)
  kIo,           // local filesystem failure
  kCertificate,  // a certificate is malformed or does not verify
  kInterrupted,  // SIGINT/SIGTERM
  kInternal,     // a bug in fti
};

// Exit statuses are part of the command-line contract (README, docs/CLI.md).
enum ExitStatus : int {
  kExitCompliant = 0,
  kExitViolation = 1,
  kExitUsage = 2,
  kExitInput = 3,
  kExitCertificateInvalid = 4,
  kExitInterrupted = 130,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

// Renders untrusted text (a tensor name, a server's reason phrase) for a
// one-line message: quoted, with control bytes, quotes, backslashes and bytes
// that are not valid UTF-8 escaped, and cut at `max_bytes`.
std::string quote_untrusted(std::string_view text, std::size_t max_bytes = 200);
// The same escaping without the quotes.
std::string escape_untrusted(std::string_view text, std::size_t max_bytes = 200);

// Short machine-readable name for logs and JSON reports ("input", "fetch", ...).
std::string_view error_code_name(ErrorCode code) noexcept;

// The exit status the command line uses for an error of this kind.
int exit_status_for(ErrorCode code) noexcept;

}  // namespace fti
