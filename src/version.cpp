// The library's version string, compiled once so tools and tests can report it.
#include "ctgrad/version.hpp"

namespace ctgrad {
std::string_view version() noexcept { return CTGRAD_VERSION_STRING; }
}  // namespace ctgrad
