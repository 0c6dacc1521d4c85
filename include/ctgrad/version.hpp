// ctgrad's version, as a macro for the preprocessor and a function for programs.
// Not for feature detection: test for the names you use.
#pragma once
#include <string_view>

#define CTGRAD_VERSION_MAJOR 0
#define CTGRAD_VERSION_MINOR 1
#define CTGRAD_VERSION_PATCH 0
#define CTGRAD_VERSION_STRING "0.1.0"

namespace ctgrad {
/// The version of the compiled support library (libctgrad_support), e.g. "0.1.0".
std::string_view version() noexcept;
}  // namespace ctgrad
