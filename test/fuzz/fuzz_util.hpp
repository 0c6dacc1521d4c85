// Helpers shared by the libFuzzer harnesses in test/fuzz: a per-process scratch directory (the
// readers take paths, so each input is written to a file there) and an invariant check that
// aborts, so libFuzzer records the input as a crash. Not part of the library.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace ctgrad::fuzz {

/// A directory under /dev/shm when writable (a file system on disk makes each input ~10x slower),
/// else under $TMPDIR or /tmp; created on first use and removed at exit.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    if (::access("/dev/shm", W_OK) == 0) base = "/dev/shm";
    std::string tmpl = base + "/ctgrad_fuzz_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    static const std::string keep = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(keep, ec);
    });
    return tmpl;
  }();
  return dir;
}

/// Writes `size` bytes to `<scratch>/<name>` (replacing it) and returns the path.
inline std::string write_input(std::string_view name, const std::uint8_t* data, std::size_t size) {
  std::string path = scratch_dir() + "/" + std::string(name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    std::abort();
  }
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) {
      std::perror(path.c_str());
      std::abort();
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return path;
}

/// Aborts (a libFuzzer crash) with `what` when `ok` is false.
inline void require(bool ok, std::string_view what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %.*s\n", static_cast<int>(what.size()), what.data());
    std::abort();
  }
}

/// Every error of the readers names the file first ("<path>: problem").
inline void require_names_file(const absl::Status& s, std::string_view path) {
  const std::string msg(s.message());  // absl::string_view is not std::string_view here
  require(msg.rfind(std::string(path) + ": ", 0) == 0,
          "error message does not start with the file name: " + msg);
}

}  // namespace ctgrad::fuzz
