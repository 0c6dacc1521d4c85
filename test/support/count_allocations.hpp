// test/support/count_allocations.hpp — counts the heap allocations of a whole test program: replaces
// the global operator new and delete (plain, array, aligned; malloc/free based) with versions that
// count every new in `ctgrad_test::heap_allocations`. Include it in exactly one file of a test
// program (it defines the replacements, which must exist once).
// Not under ThreadSanitizer: its runtime defines operator new and delete itself (a link error with
// these); there CTGRAD_TEST_COUNTS_ALLOCATIONS is 0 and a test that needs the count is skipped.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_THREAD__)
#define CTGRAD_TEST_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CTGRAD_TEST_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef CTGRAD_TEST_COUNTS_ALLOCATIONS
#define CTGRAD_TEST_COUNTS_ALLOCATIONS 1
#endif

namespace ctgrad_test {
/// Calls of a global operator new since the program started (always 0 under ThreadSanitizer).
inline std::atomic<long> heap_allocations{0};
}  // namespace ctgrad_test

#if CTGRAD_TEST_COUNTS_ALLOCATIONS
// g++ cannot see that the replaced new and delete match.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  ctgrad_test::heap_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t al) {
  ctgrad_test::heap_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t a = static_cast<std::size_t>(al);
  if (void* p = std::aligned_alloc(a, (n + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new[](std::size_t n, std::align_val_t al) { return ::operator new(n, al); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#endif
