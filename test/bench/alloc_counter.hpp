// Counts heap allocations in a benchmark binary (W7 of issue 7): link alloc_counter.cpp into the
// executable; it replaces the global operator new/delete (all forms) with counting versions over
// malloc / aligned_alloc. Benchmark support only, not part of the library.
#pragma once

#include <atomic>

namespace ctgrad_bench {
/// Calls of any global operator new since the program started.
extern std::atomic<long> heap_allocations;
}  // namespace ctgrad_bench
