// Small text helpers shared by the URL, header and hub code: HTTP header
// values and URLs are ASCII protocol text, compared without locale rules.
#pragma once

#include "engine/common/text.h"  // has_control_chars

#include <string>
#include <string_view>

namespace fti {

// ASCII lower-casing (header names, schemes, hosts); other bytes unchanged.
std::string lower_ascii(std::string_view text);

// Optional whitespace (space, tab) removed from both ends; a trailing CR or
// LF too, since header lines arrive with their line end.
std::string_view trim_ows(std::string_view text);

}  // namespace fti
