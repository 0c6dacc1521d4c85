// Whole-file reads and atomic writes with POSIX calls, errors as absl::Status naming the file.
#include "file_util.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"

namespace ctgrad::io::detail {
namespace {

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::Status errno_status(int err, std::string_view path, std::string_view what) {
  return absl::Status(absl::ErrnoToStatusCode(err),
                      absl::StrFormat("%s: %s: %s", path, what, std::strerror(err)));
}

void reserve_huge(std::vector<std::uint8_t>& v, std::size_t n) {
  v.reserve(n);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t(1) << 21;
  const auto begin = reinterpret_cast<std::uintptr_t>(v.data());
  const std::uintptr_t first = (begin + huge - 1) & ~(huge - 1), last = (begin + v.capacity()) & ~(huge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
}

absl::StatusOr<std::vector<std::uint8_t>> read_file(const std::string& path, std::size_t max_bytes) {
  fd_guard f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return errno_status(errno, path, "cannot open");
  struct stat st{};
  if (::fstat(f.fd, &st) != 0) return errno_status(errno, path, "cannot stat");
  if (S_ISDIR(st.st_mode)) return errno_status(EISDIR, path, "cannot read");
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s: file is %d bytes, over the limit of %d bytes", path, st.st_size, max_bytes));
  }
  const std::size_t size = S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : 0;
  std::vector<std::uint8_t> bytes;
  reserve_huge(bytes, size);
  bytes.resize(size);
  std::size_t got = 0;
  for (;;) {
    if (got == bytes.size()) {
      if (bytes.size() > max_bytes) {
        return absl::ResourceExhaustedError(
            absl::StrFormat("%s: file is over the limit of %d bytes", path, max_bytes));
      }
      bytes.resize(std::max<std::size_t>(bytes.size() * 2, 1u << 16));
    }
    const ssize_t n = ::read(f.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, path, "read failed");
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("%s: file is over the limit of %d bytes", path, max_bytes));
  }
  bytes.resize(got);
  return bytes;
}

absl::Status write_file_atomic(const std::string& path, std::string_view bytes) {
  const std::string tmp = absl::StrFormat("%s.tmp.%d", path, static_cast<long>(::getpid()));
  absl::Status status;
  {
    fd_guard f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (f.fd < 0) return errno_status(errno, tmp, "cannot create");
    std::size_t done = 0;
    while (done < bytes.size() && status.ok()) {
      const ssize_t n = ::write(f.fd, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno != EINTR) status = errno_status(errno, tmp, "write failed");
        continue;
      }
      done += static_cast<std::size_t>(n);
    }
    if (status.ok() && ::fsync(f.fd) != 0) status = errno_status(errno, tmp, "fsync failed");
    const int fd = f.fd;
    f.fd = -1;
    if (::close(fd) != 0 && status.ok()) status = errno_status(errno, tmp, "close failed");
  }
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = errno_status(errno, path, "cannot rename temporary file over it");
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  // Make the rename itself durable; a failure here does not undo the write, so it is ignored.
  fd_guard dir{::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd >= 0) (void)::fsync(dir.fd);
  return absl::OkStatus();
}

}  // namespace ctgrad::io::detail
