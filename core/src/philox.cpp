// Philox4x32-10 for many agents at once (see philox.hpp). The vector forms
// compute the same integer operations lane by lane, so every word equals the
// scalar one; tests/core compares them.
#include "tegenmacht/philox.hpp"

#include <cstdlib>
#include <cstring>

#include "tegenmacht/simd.hpp"

#if defined(__x86_64__) || defined(__i386__)
// GCC 12 warns about the undefined vectors inside its own AVX-512 headers
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#define TEGENMACHT_PHILOX_X86 1
#endif

namespace tegenmacht {

void philox4x32_agents_scalar(PhiloxKey key, std::uint32_t step, std::uint32_t tag, std::uint32_t first,
                              std::size_t n, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                              std::uint32_t* w3) noexcept {
  for (std::size_t q = 0; q < n; ++q) {
    const PhiloxCounter b = philox4x32({0u, first + static_cast<std::uint32_t>(q), step, tag}, key);
    w0[q] = b[0];
    w1[q] = b[1];
    w2[q] = b[2];
    w3[q] = b[3];
  }
}

#ifdef TEGENMACHT_PHILOX_X86
namespace {

// 8 lanes: the 32x32 -> 64-bit products of even and odd lanes, their low and
// high halves put back in lane order.
__attribute__((target("avx2"))) inline void mul_lo_hi8(__m256i c, __m256i m, __m256i& lo, __m256i& hi) noexcept {
  const __m256i pe = _mm256_mul_epu32(c, m);
  const __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(c, 32), m);
  lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
}

__attribute__((target("avx2"))) void agents_avx2(PhiloxKey key, std::uint32_t step, std::uint32_t tag,
                                                 std::uint32_t first, std::size_t n, std::uint32_t* w0,
                                                 std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3) noexcept {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  std::size_t q = 0;
  for (; q + 8 <= n; q += 8) {
    __m256i c0 = _mm256_setzero_si256();
    __m256i c1 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(first + static_cast<std::uint32_t>(q))), lane);
    __m256i c2 = _mm256_set1_epi32(static_cast<int>(step));
    __m256i c3 = _mm256_set1_epi32(static_cast<int>(tag));
    std::uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; ++r) {
      if (r > 0) {
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
      }
      __m256i lo0, hi0, lo1, hi1;
      mul_lo_hi8(c0, m0, lo0, hi0);
      mul_lo_hi8(c2, m1, lo1, hi1);
      const __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
      const __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
      c0 = n0;
      c1 = lo1;
      c2 = n2;
      c3 = lo0;
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w0 + q), c0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w1 + q), c1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w2 + q), c2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w3 + q), c3);
  }
  philox4x32_agents_scalar(key, step, tag, first + static_cast<std::uint32_t>(q), n - q, w0 + q, w1 + q, w2 + q,
                           w3 + q);
}

__attribute__((target("avx512f"))) inline void mul_lo_hi16(__m512i c, __m512i m, __m512i& lo, __m512i& hi) noexcept {
  const __m512i pe = _mm512_mul_epu32(c, m);
  const __m512i po = _mm512_mul_epu32(_mm512_srli_epi64(c, 32), m);
  lo = _mm512_mask_blend_epi32(0xAAAA, pe, _mm512_slli_epi64(po, 32));
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 32), po);
}

__attribute__((target("avx512f"))) void agents_avx512(PhiloxKey key, std::uint32_t step, std::uint32_t tag,
                                                      std::uint32_t first, std::size_t n, std::uint32_t* w0,
                                                      std::uint32_t* w1, std::uint32_t* w2,
                                                      std::uint32_t* w3) noexcept {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(0xCD9E8D57u));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  std::size_t q = 0;
  for (; q + 16 <= n; q += 16) {
    __m512i c0 = _mm512_setzero_si512();
    __m512i c1 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(first + static_cast<std::uint32_t>(q))), lane);
    __m512i c2 = _mm512_set1_epi32(static_cast<int>(step));
    __m512i c3 = _mm512_set1_epi32(static_cast<int>(tag));
    std::uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; ++r) {
      if (r > 0) {
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
      }
      __m512i lo0, hi0, lo1, hi1;
      mul_lo_hi16(c0, m0, lo0, hi0);
      mul_lo_hi16(c2, m1, lo1, hi1);
      const __m512i n0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c1), _mm512_set1_epi32(static_cast<int>(k0)));
      const __m512i n2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c3), _mm512_set1_epi32(static_cast<int>(k1)));
      c0 = n0;
      c1 = lo1;
      c2 = n2;
      c3 = lo0;
    }
    _mm512_storeu_si512(w0 + q, c0);
    _mm512_storeu_si512(w1 + q, c1);
    _mm512_storeu_si512(w2 + q, c2);
    _mm512_storeu_si512(w3 + q, c3);
  }
  agents_avx2(key, step, tag, first + static_cast<std::uint32_t>(q), n - q, w0 + q, w1 + q, w2 + q, w3 + q);
}

}  // namespace
#endif

void philox4x32_agents(PhiloxKey key, std::uint32_t step, std::uint32_t tag, std::uint32_t first, std::size_t n,
                       std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3) noexcept {
#ifdef TEGENMACHT_PHILOX_X86
  static const Simd level = simd_level();
  if (level == Simd::kAvx512) return agents_avx512(key, step, tag, first, n, w0, w1, w2, w3);
  if (level == Simd::kAvx2) return agents_avx2(key, step, tag, first, n, w0, w1, w2, w3);
#endif
  philox4x32_agents_scalar(key, step, tag, first, n, w0, w1, w2, w3);
}

Simd simd_level() noexcept {
  static const Simd level = [] {
    Simd cpu = Simd::kBaseline;
#ifdef TEGENMACHT_PHILOX_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) cpu = Simd::kAvx512;
    else if (__builtin_cpu_supports("avx2")) cpu = Simd::kAvx2;
#endif
    if (const char* cap = std::getenv("TEGENMACHT_SIMD")) {
      if (std::strcmp(cap, "sse2") == 0 || std::strcmp(cap, "baseline") == 0) cpu = Simd::kBaseline;
      else if (std::strcmp(cap, "avx2") == 0 && cpu == Simd::kAvx512) cpu = Simd::kAvx2;
    }
    return cpu;
  }();
  return level;
}

}  // namespace tegenmacht
