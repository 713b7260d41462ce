// 128-bit integers (a GCC/Clang extension; __extension__ keeps -Wpedantic
// quiet about it, once, here).
#pragma once

namespace fti {

__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

}  // namespace fti
