// Experimental designs: which scenario variants (design points) an experiment
// runs. Each design is a pure function of its size and seed.
//
// Sampling designs work in the unit cube [0, 1]^k; each factor then maps a
// unit value u to a scenario value (a range, linear or logarithmic, real or
// integer; or one of a list of values, by index floor(u·m)).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tegenmacht::experiments {

/// Rows of unit-cube points: [point][factor], values in [0, 1).
using UnitMatrix = std::vector<std::vector<double>>;

/// Latin hypercube sample of n points in [0, 1)^k (McKay, Beckman & Conover
/// 1979): each factor's n strata [i/n, (i+1)/n) hold exactly one point, at a
/// uniform position within the stratum, paired across factors by independent
/// random permutations. Deterministic for a seed.
UnitMatrix latin_hypercube(std::size_t n, std::size_t k, std::uint64_t seed);

/// Points 1..n of the Sobol' sequence in `dims` dimensions (Boost.Random's
/// sobol engine, Joe & Kuo 2008 direction numbers; point 0, the origin, is
/// skipped as in Saltelli 2002). Throws ArgumentError for dims > 3667.
UnitMatrix sobol_sequence(std::size_t n, std::size_t dims);

/// Saltelli's sampling scheme for first-order and total Sobol' indices
/// (Saltelli 2002; Saltelli et al. 2010, Comput. Phys. Commun. 181:259–270,
/// section 3): A and B are the first and last k columns of a 2k-dimensional
/// Sobol' sequence of n points; AB_i is A with column i taken from B. Rows
/// are laid out in blocks of n: A, B, AB_1, ..., AB_k, so N = n·(k + 2).
UnitMatrix saltelli(std::size_t n, std::size_t k);

/// Morris (1991) elementary-effects design: r trajectories of k + 1 points on
/// a p-level grid {0, 1/(p−1), ..., 1}, each step moving one factor (in a
/// random order) by ±Δ, Δ = p / (2(p − 1)). p must be even and >= 2.
struct MorrisDesign {
  UnitMatrix points;                 ///< r·(k + 1) rows; trajectory t is rows t(k+1) ... t(k+1)+k
  std::vector<int> changed;          ///< per row: the factor moved from the previous row (−1 for a trajectory's first row)
  double delta = 0;                  ///< Δ
};
MorrisDesign morris(std::size_t r, std::size_t k, std::size_t p, std::uint64_t seed);

}  // namespace tegenmacht::experiments
