// Which vector instructions the hand-vectorised loops may use.
#pragma once

namespace tegenmacht {

/// The widest vector instructions the processor offers that tegenmacht's
/// vectorised loops use (Philox for many agents, the organizing model's
/// feedback). Read once per process. The environment variable
/// TEGENMACHT_SIMD=sse2 caps it at SSE2 (the x86-64 baseline), =avx2 at AVX2:
/// results are bitwise the same at every level, and the tests compare them.
enum class Simd { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };
Simd simd_level() noexcept;

}  // namespace tegenmacht
