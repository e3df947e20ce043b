// Network generators checked against theory: degree moments, clustering of
// lattices, block densities and power-law tails come from their closed forms,
// not from recorded output.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tegenmacht/error.hpp"
#include "tegenmacht/network.hpp"
#include "tegenmacht/parallel.hpp"
#include "tegenmacht/rng.hpp"

using namespace tegenmacht;
namespace gen = tegenmacht::generators;
using Edges = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

namespace {

/// CSR invariants: sorted rows, no self-loops or duplicates, ids in range,
/// every edge stored in both directions.
::testing::AssertionResult is_simple_symmetric(const Network& g) {
  if (g.is_complete()) return ::testing::AssertionSuccess();
  const std::uint32_t n = g.size();
  const auto& off = g.offsets();
  const auto& tg = g.targets();
  if (off.size() != static_cast<std::size_t>(n) + 1) return ::testing::AssertionFailure() << "offsets size";
  if (off.front() != 0 || off.back() != tg.size()) return ::testing::AssertionFailure() << "offsets ends";
  if (tg.size() % 2 != 0) return ::testing::AssertionFailure() << "odd number of stored endpoints";
  for (std::uint32_t i = 0; i < n; ++i) {
    if (off[i] > off[i + 1]) return ::testing::AssertionFailure() << "offsets decrease at " << i;
    const auto row = g.neighbours(i);
    for (std::size_t k = 0; k < row.size(); ++k) {
      const std::uint32_t j = row[k];
      if (j >= n) return ::testing::AssertionFailure() << "id " << j << " out of range in row " << i;
      if (j == i) return ::testing::AssertionFailure() << "self-loop at " << i;
      if (k > 0 && row[k - 1] >= j)
        return ::testing::AssertionFailure() << "row " << i << " not strictly increasing at " << k;
      const auto back = g.neighbours(j);
      if (!std::binary_search(back.begin(), back.end(), i))
        return ::testing::AssertionFailure() << "edge " << i << "-" << j << " stored one way only";
    }
  }
  return ::testing::AssertionSuccess();
}

bool same_arrays(const Network& a, const Network& b) {
  return a.size() == b.size() && a.offsets() == b.offsets() && a.targets() == b.targets();
}

std::uint32_t min_degree(const Network& g) {
  std::uint32_t m = std::numeric_limits<std::uint32_t>::max();
  for (std::uint32_t i = 0; i < g.size(); ++i) m = std::min(m, g.degree(i));
  return m;
}

/// Standard error of a sample variance of n Poisson-like degrees:
/// (μ4 - σ⁴)/n with μ4 ≈ σ² + 3σ⁴.
double variance_se(double var, double n) { return std::sqrt((var + 2 * var * var) / n); }

/// A scratch directory private to this process and test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("tegenmacht_network_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

// ------------------------------------------------------------ Network basics

TEST(Network, CompleteGraphIsImplicit) {
  const Network g = Network::complete(5);
  EXPECT_TRUE(g.is_complete());
  EXPECT_EQ(g.size(), 5u);
  EXPECT_EQ(g.edge_count(), 10u);
  EXPECT_TRUE(g.targets().empty());
  for (std::uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(g.degree(i), 4u);
    std::vector<std::uint32_t> expected, via_index, via_each;
    for (std::uint32_t j = 0; j < 5; ++j)
      if (j != i) expected.push_back(j);
    for (std::uint32_t j = 0; j < g.degree(i); ++j) via_index.push_back(g.neighbour(i, j));
    g.for_each_neighbour(i, [&](std::uint32_t j) { via_each.push_back(j); });
    EXPECT_EQ(via_index, expected);
    EXPECT_EQ(via_each, expected);
    EXPECT_FALSE(g.has_edge(i, i));
  }
  EXPECT_TRUE(g.has_edge(0, 4));
  EXPECT_FALSE(g.has_edge(0, 5));
  EXPECT_EQ(component_sizes(g), std::vector<std::uint32_t>{5});
}

TEST(Network, MaterialisedCompleteGraphMatchesExplicitOne) {
  const std::uint32_t n = 7;
  Edges all;
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t j = i + 1; j < n; ++j) all.emplace_back(i, j);
  const Network m = Network::complete(n).materialised();
  EXPECT_FALSE(m.is_complete());
  EXPECT_TRUE(is_simple_symmetric(m));
  EXPECT_TRUE(same_arrays(m, Network::from_edges(n, all)));
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t j = 0; j < m.degree(i); ++j) EXPECT_EQ(m.neighbour(i, j), Network::complete(n).neighbour(i, j));
  // a materialised explicit graph is itself
  EXPECT_TRUE(same_arrays(m.materialised(), m));
}

TEST(Network, FromEdgesSymmetrisesAndDropsLoopsAndDuplicates) {
  const Network g = Network::from_edges(5, {{3, 1}, {1, 3}, {1, 3}, {2, 2}, {0, 4}, {4, 1}, {0, 1}});
  EXPECT_TRUE(is_simple_symmetric(g));
  EXPECT_EQ(g.edge_count(), 4u);
  EXPECT_EQ(g.offsets(), (std::vector<std::uint64_t>{0, 2, 5, 5, 6, 8}));
  EXPECT_EQ(g.targets(), (std::vector<std::uint32_t>{1, 4, 0, 3, 4, 1, 0, 1}));
  EXPECT_EQ(g.degree(2), 0u);
  EXPECT_TRUE(g.has_edge(4, 1));
  EXPECT_TRUE(g.has_edge(1, 4));
  EXPECT_FALSE(g.has_edge(2, 2));
  EXPECT_FALSE(g.has_edge(3, 4));
  EXPECT_FALSE(g.has_edge(1, 99));
}

TEST(Network, FromEdgesRejectsIdsOutOfRange) {
  EXPECT_THROW(Network::from_edges(3, {{0, 3}}), ArgumentError);
  const Network empty = Network::from_edges(0, {});
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.edge_count(), 0u);
}

// ------------------------------------------------------------ statistics

TEST(NetworkStats, TriangleWithPendantByHand) {
  // triangle 0-1-2 plus 3 hanging off 0: degrees 3,2,2,1
  const Network g = Network::from_edges(4, {{0, 1}, {1, 2}, {2, 0}, {0, 3}});
  const NetworkStats st = network_stats(g);
  EXPECT_DOUBLE_EQ(st.mean_degree, 2.0);
  EXPECT_DOUBLE_EQ(st.degree_variance, 0.5);  // (1 + 0 + 0 + 1) / 4
  EXPECT_EQ(st.max_degree, 3u);
  // local: node 0 closes 1 of its 3 pairs, nodes 1 and 2 close 1 of 1, node 3 has none
  EXPECT_DOUBLE_EQ(st.average_clustering, (1.0 / 3 + 1 + 1 + 0) / 4);
  // 3 × 1 triangle over 3 + 1 + 1 connected triples
  EXPECT_DOUBLE_EQ(st.transitivity, 3.0 / 5.0);
}

TEST(NetworkStats, CompleteGraphAnalyticMatchesMaterialised) {
  for (std::uint32_t n : {1u, 2u, 3u, 9u}) {
    const NetworkStats a = network_stats(Network::complete(n));
    const NetworkStats b = network_stats(Network::complete(n).materialised());
    EXPECT_DOUBLE_EQ(a.mean_degree, n - 1.0);
    EXPECT_DOUBLE_EQ(a.degree_variance, 0.0);
    EXPECT_EQ(a.max_degree, n - 1);
    EXPECT_DOUBLE_EQ(a.average_clustering, n >= 3 ? 1.0 : 0.0);
    EXPECT_DOUBLE_EQ(a.transitivity, n >= 3 ? 1.0 : 0.0);
    EXPECT_DOUBLE_EQ(a.mean_degree, b.mean_degree);
    EXPECT_DOUBLE_EQ(a.degree_variance, b.degree_variance);
    EXPECT_EQ(a.max_degree, b.max_degree);
    EXPECT_DOUBLE_EQ(a.average_clustering, b.average_clustering);
    EXPECT_DOUBLE_EQ(a.transitivity, b.transitivity);
  }
  // a big implicit complete graph must not be materialised
  const NetworkStats big = network_stats(Network::complete(1u << 30));
  EXPECT_DOUBLE_EQ(big.average_clustering, 1.0);
}

TEST(ComponentSizes, DisjointPiecesLargestFirst) {
  // two triangles, a path of 4 and an isolated node
  const Network g =
      Network::from_edges(11, {{0, 1}, {1, 2}, {2, 0}, {3, 4}, {4, 5}, {5, 3}, {6, 7}, {7, 8}, {8, 9}});
  EXPECT_EQ(component_sizes(g), (std::vector<std::uint32_t>{4, 3, 3, 1}));
  EXPECT_TRUE(component_sizes(Network()).empty());
}

TEST(ComponentSizes, ErdosRenyiGiantComponentMatchesTheory) {
  // mean degree c = 2: the giant component's share S solves S = 1 - exp(-c S)
  const std::uint32_t n = 100000;
  const double c = 2.0;
  double s = 0.5;
  for (int it = 0; it < 200; ++it) s = 1.0 - std::exp(-c * s);
  const Network g = gen::erdos_renyi(n, c / (n - 1), Rng(7, 0));
  const auto sizes = component_sizes(g);
  std::uint64_t total = 0;
  for (auto x : sizes) total += x;
  EXPECT_EQ(total, n);
  EXPECT_NEAR(static_cast<double>(sizes[0]) / n, s, 0.01);
  // everything else is O(log n)
  EXPECT_LT(sizes[1], 200u);
}

// ------------------------------------------------------------ Erdős–Rényi

TEST(ErdosRenyi, DegreeMomentsMatchBinomial) {
  const std::uint32_t n = 20000;
  const double p = 10.0 / (n - 1);
  const Network g = gen::erdos_renyi(n, p, Rng(11, 0));
  ASSERT_TRUE(is_simple_symmetric(g));
  const NetworkStats st = network_stats(g);
  const double mean = (n - 1) * p, var = (n - 1) * p * (1 - p);
  // mean degree = 2M/n with M ~ Binomial(n(n-1)/2, p)
  const double se_mean = 2.0 * std::sqrt(0.5 * n * (n - 1.0) * p * (1 - p)) / n;
  // sample variance of ~Poisson(λ) data: Var(s²) ≈ (μ4 - σ⁴)/n = (λ + 2λ²)/n
  const double se_var = variance_se(mean, n);
  EXPECT_NEAR(st.mean_degree, mean, 5 * se_mean);
  EXPECT_NEAR(st.degree_variance, var, 5 * se_var);
  // clustering of G(n, p) is p
  EXPECT_LT(st.transitivity, 10 * p);
}

TEST(ErdosRenyi, ExtremeProbabilities) {
  EXPECT_EQ(gen::erdos_renyi(500, 0.0, Rng(1, 0)).edge_count(), 0u);
  const Network full = gen::erdos_renyi(60, 1.0, Rng(1, 0));
  EXPECT_TRUE(same_arrays(full, Network::complete(60).materialised()));
  EXPECT_EQ(gen::erdos_renyi(0, 0.5, Rng(1, 0)).size(), 0u);
  EXPECT_EQ(gen::erdos_renyi(1, 0.5, Rng(1, 0)).edge_count(), 0u);
}

TEST(ErdosRenyi, EdgeCountIsBinomial) {
  // small dense case, where skipping arithmetic is most exercised
  const std::uint32_t n = 300;
  const double p = 0.3, pairs = n * (n - 1) / 2.0;
  const Network g = gen::erdos_renyi(n, p, Rng(3, 0));
  ASSERT_TRUE(is_simple_symmetric(g));
  EXPECT_NEAR(static_cast<double>(g.edge_count()), p * pairs, 5 * std::sqrt(pairs * p * (1 - p)));
}

TEST(ErdosRenyi, IsAOneBlockStochasticBlockModel) {
  const Rng rng(5, 2);
  EXPECT_TRUE(same_arrays(gen::erdos_renyi(3000, 0.004, rng), gen::stochastic_block_model({3000}, {{0.004}}, rng)));
}

// ------------------------------------------------------------ Watts–Strogatz

TEST(WattsStrogatz, RingLatticeHasExactClustering) {
  for (std::uint32_t k : {2u, 4u, 6u, 10u}) {
    const Network g = gen::watts_strogatz(1000, k, 0.0, Rng(1, 0));
    ASSERT_TRUE(is_simple_symmetric(g));
    EXPECT_EQ(g.edge_count(), 1000u * k / 2);
    for (std::uint32_t i = 0; i < g.size(); ++i) ASSERT_EQ(g.degree(i), k);
    const double c0 = 3.0 * (k - 2.0) / (4.0 * (k - 1.0));
    const NetworkStats st = network_stats(g);
    EXPECT_NEAR(st.average_clustering, c0, 1e-12) << "k = " << k;
    EXPECT_NEAR(st.transitivity, c0, 1e-12) << "k = " << k;
    EXPECT_DOUBLE_EQ(st.degree_variance, 0.0);
  }
}

namespace {

/// Transitivity after rewiring each edge of a k-regular lattice with
/// clustering c0 with probability p: a triangle survives if none of its three
/// edges moved (Barrat & Weigt 2000: c0 (1-p)³), and the connected triples
/// per node grow from k(k-1)/2 to E[d(d-1)]/2 = (k(k-1) + Var d)/2 because
/// degrees spread out. New triangles are O(k/n) and ignored.
double rewired_transitivity(double c0, double k, double p, double degree_variance) {
  return c0 * std::pow(1 - p, 3) * k * (k - 1) / (k * (k - 1) + degree_variance);
}

}  // namespace

TEST(WattsStrogatz, ClusteringFollowsBarratWeigt) {
  const std::uint32_t n = 20000, k = 10;
  const double c0 = 3.0 * (k - 2.0) / (4.0 * (k - 1.0));
  for (double p : {0.05, 0.2}) {
    const Network g = gen::watts_strogatz(n, k, p, Rng(9, 0));
    ASSERT_TRUE(is_simple_symmetric(g));
    EXPECT_EQ(g.edge_count(), std::uint64_t{n} * k / 2);
    // the rewired endpoint always keeps its k/2 forward edges
    EXPECT_GE(min_degree(g), k / 2);
    // d = k/2 + Binomial(k/2, 1-p) + ~Poisson(kp/2) rewired edges arriving
    const double var_d = k / 2.0 * p * (1 - p) + k / 2.0 * p;
    const NetworkStats st = network_stats(g);
    EXPECT_NEAR(st.degree_variance, var_d, 5 * variance_se(var_d, n)) << "p = " << p;
    EXPECT_NEAR(st.transitivity, rewired_transitivity(c0, k, p, var_d), 0.005) << "p = " << p;
  }
}

TEST(WattsStrogatz, FullRewiringLeavesLittleClustering) {
  const std::uint32_t n = 5000, k = 8;
  const Network g = gen::watts_strogatz(n, k, 1.0, Rng(2, 0));
  ASSERT_TRUE(is_simple_symmetric(g));
  EXPECT_EQ(g.edge_count(), std::uint64_t{n} * k / 2);
  const NetworkStats st = network_stats(g);
  // random-graph level is about k/n = 0.0016
  EXPECT_LT(st.average_clustering, 0.01);
  EXPECT_NEAR(st.mean_degree, k, 1e-12);
}

TEST(WattsStrogatz, DenseSmallRingStaysSimple) {
  // k = n - 2: the rejection loop has very few free targets
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const Network g = gen::watts_strogatz(12, 10, 1.0, Rng(seed, 0));
    ASSERT_TRUE(is_simple_symmetric(g));
    EXPECT_EQ(g.edge_count(), 60u);
  }
}

// ------------------------------------------------------------ Barabási–Albert

TEST(BarabasiAlbert, DegreesAndPowerLawTail) {
  const std::uint32_t n = 100000, m = 3;
  const Network g = gen::barabasi_albert(n, m, Rng(21, 0));
  ASSERT_TRUE(is_simple_symmetric(g));
  // seed clique on m+1 nodes, then m edges per later node
  const std::uint64_t edges = std::uint64_t{m} * (m + 1) / 2 + std::uint64_t{n - m - 1} * m;
  EXPECT_EQ(g.edge_count(), edges);
  const NetworkStats st = network_stats(g);
  EXPECT_NEAR(st.mean_degree, 2.0 * m, 0.01);
  EXPECT_EQ(min_degree(g), m);
  // Discrete power-law MLE (Clauset, Shalizi & Newman 2009, eq. 3.7) above
  // k_min; the BA degree law 2m(m+1)/(k(k+1)(k+2)) has exponent 3.
  const double kmin = 10;
  double n_tail = 0, log_sum = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (g.degree(i) < kmin) continue;
    n_tail += 1;
    log_sum += std::log(g.degree(i) / (kmin - 0.5));
  }
  // P(k >= k_min) = m(m+1) / (k_min(k_min+1)) exactly (the sum telescopes)
  const double tail_share = m * (m + 1.0) / (kmin * (kmin + 1));
  EXPECT_NEAR(n_tail, n * tail_share, 5 * std::sqrt(n * tail_share * (1 - tail_share)));
  const double alpha = 1.0 + n_tail / log_sum;
  EXPECT_NEAR(alpha, 3.0, 0.5);
  // Sharper: the estimator's limit under the exact law (≈ 2.87 at k_min = 10,
  // the k(k+1)(k+2) curvature pulls it below 3); its s.e. is (α-1)/√n_tail.
  double z = 0, e_log = 0;
  for (double k = kmin; k < 1e6; k += 1) {
    const double w = 1.0 / (k * (k + 1) * (k + 2));
    z += w;
    e_log += w * std::log(k / (kmin - 0.5));
  }
  const double alpha_exact = 1.0 + z / e_log;
  EXPECT_NEAR(alpha, alpha_exact, 4 * (alpha_exact - 1) / std::sqrt(n_tail));
  // hubs: the largest degree grows like m·sqrt(n) ≈ 950
  EXPECT_GT(st.max_degree, 300u);
}

TEST(BarabasiAlbert, SmallestCases) {
  // n = m + 1 is just the seed clique
  EXPECT_TRUE(same_arrays(gen::barabasi_albert(5, 4, Rng(1, 0)), Network::complete(5).materialised()));
  const Network tree = gen::barabasi_albert(1000, 1, Rng(1, 0));
  ASSERT_TRUE(is_simple_symmetric(tree));
  EXPECT_EQ(tree.edge_count(), 999u);
  EXPECT_EQ(component_sizes(tree), std::vector<std::uint32_t>{1000});  // m = 1 grows a tree
}

// ------------------------------------------------------------ torus

TEST(Torus, DegreesOfLargeTorusMatchNeighbourhoodSize) {
  using K = gen::LatticeNeighbourhood;
  struct Case {
    K kind;
    std::uint32_t r, degree;
  };
  // von Neumann: 2r(r+1); Moore: (2r+1)² - 1
  for (const Case c : {Case{K::VonNeumann, 1, 4}, Case{K::Moore, 1, 8}, Case{K::Moore, 2, 24},
                       Case{K::VonNeumann, 2, 12}, Case{K::VonNeumann, 3, 24}, Case{K::Moore, 3, 48}}) {
    const Network g = gen::torus_lattice(20, 15, c.kind, c.r);
    ASSERT_TRUE(is_simple_symmetric(g));
    EXPECT_EQ(g.size(), 300u);
    for (std::uint32_t i = 0; i < g.size(); ++i) ASSERT_EQ(g.degree(i), c.degree) << "r = " << c.r;
    EXPECT_EQ(g.edge_count(), 300u * c.degree / 2);
  }
}

TEST(Torus, NeighboursWrapAroundWithRowMajorIds) {
  // 5 wide, 4 high, id = y*5 + x: node (0,0) sees (1,0), (4,0), (0,1), (0,3)
  const Network g = gen::torus_lattice(5, 4, gen::LatticeNeighbourhood::VonNeumann, 1);
  const auto row = g.neighbours(0);
  EXPECT_EQ(std::vector<std::uint32_t>(row.begin(), row.end()), (std::vector<std::uint32_t>{1, 4, 5, 15}));
  // node (4,3) = 19 sees (3,3)=18, (0,3)=15, (4,2)=14, (4,0)=4
  const auto last = g.neighbours(19);
  EXPECT_EQ(std::vector<std::uint32_t>(last.begin(), last.end()), (std::vector<std::uint32_t>{4, 14, 15, 18}));
}

TEST(Torus, SmallToriCollapseWrappedDuplicates) {
  using K = gen::LatticeNeighbourhood;
  struct Case {
    std::uint32_t w, h;
    K kind;
    std::uint32_t r, degree;
  };
  for (const Case c : {
           Case{3, 3, K::Moore, 1, 8},       // everybody else
           Case{2, 2, K::Moore, 1, 3},       // ±1 coincide on a side of 2
           Case{2, 2, K::VonNeumann, 1, 2},  //
           Case{4, 4, K::VonNeumann, 2, 10}, // (±2, 0) and (0, ±2) coincide: 12 - 2
           Case{3, 3, K::VonNeumann, 2, 8},  // every residue reachable
           Case{1, 5, K::VonNeumann, 1, 2},  // a ring
           Case{1, 5, K::Moore, 1, 2},       //
           Case{1, 1, K::Moore, 3, 0},       // a single node never neighbours itself
           Case{6, 6, K::Moore, 100, 35},    // radius beyond the torus: complete
       }) {
    const Network g = gen::torus_lattice(c.w, c.h, c.kind, c.r);
    ASSERT_TRUE(is_simple_symmetric(g));
    for (std::uint32_t i = 0; i < g.size(); ++i)
      ASSERT_EQ(g.degree(i), c.degree) << c.w << "x" << c.h << " r=" << c.r;
  }
}

TEST(Torus, RingLatticeClusteringOfMooreNeighbourhood) {
  // Moore r=1: each node's 8 neighbours share 12 edges among 28 pairs
  const NetworkStats st = network_stats(gen::torus_lattice(30, 30, gen::LatticeNeighbourhood::Moore, 1));
  EXPECT_NEAR(st.average_clustering, 12.0 / 28.0, 1e-12);
  EXPECT_NEAR(st.transitivity, 12.0 / 28.0, 1e-12);
}

// ------------------------------------------------------------ rewire

TEST(Rewire, KeepsEdgeCountAndRemovesClustering) {
  const Network lattice = gen::torus_lattice(100, 100, gen::LatticeNeighbourhood::Moore, 1);
  EXPECT_TRUE(same_arrays(gen::rewire(lattice, 0.0, Rng(1, 0)), lattice));
  const double c0 = 12.0 / 28.0, k = 8;
  for (double p : {0.1, 1.0}) {
    const Network g = gen::rewire(lattice, p, Rng(4, 0));
    ASSERT_TRUE(is_simple_symmetric(g));
    EXPECT_EQ(g.edge_count(), lattice.edge_count());
    // each of a node's k edges leaves it with probability p/2 (a random
    // endpoint moves); ~Poisson(kp/2) moved edges arrive
    const double var_d = k * (p / 2) * (1 - p / 2) + k * p / 2;
    const NetworkStats st = network_stats(g);
    EXPECT_NEAR(st.degree_variance, var_d, 5 * variance_se(var_d, lattice.size())) << "p = " << p;
    EXPECT_NEAR(st.transitivity, rewired_transitivity(c0, k, p, var_d), 0.005) << "p = " << p;
  }
}

TEST(Rewire, CompleteGraphHasNowhereToGo) {
  const Network g = gen::rewire(Network::complete(10), 0.5, Rng(1, 0));
  EXPECT_TRUE(g.is_complete());
  // a materialised one is saturated too and comes back unchanged
  const Network m = Network::complete(10).materialised();
  EXPECT_TRUE(same_arrays(gen::rewire(m, 1.0, Rng(1, 0)), m));
}

// ------------------------------------------------------------ block model

TEST(StochasticBlockModel, BlockEdgeCountsMatchExpectation) {
  const std::vector<std::uint32_t> sizes{4000, 3000, 2000};
  const std::vector<std::vector<double>> rates{{0.004, 0.001, 0.0005}, {0.001, 0.006, 0.0}, {0.0005, 0.0, 0.02}};
  const Network g = gen::stochastic_block_model(sizes, rates, Rng(13, 0));
  ASSERT_TRUE(is_simple_symmetric(g));
  ASSERT_EQ(g.size(), 9000u);
  auto block = [](std::uint32_t i) { return i < 4000 ? 0 : i < 7000 ? 1 : 2; };
  double count[3][3] = {};
  for (std::uint32_t i = 0; i < g.size(); ++i)
    for (std::uint32_t j : g.neighbours(i))
      if (i < j) count[block(i)][block(j)] += 1;
  for (int a = 0; a < 3; ++a) {
    for (int b = a; b < 3; ++b) {
      const double pairs = a == b ? sizes[a] * (sizes[a] - 1.0) / 2 : 1.0 * sizes[a] * sizes[b];
      const double p = rates[a][b], expected = p * pairs;
      EXPECT_NEAR(count[a][b], expected, 5 * std::sqrt(pairs * p * (1 - p)) + 1e-9) << a << "," << b;
    }
  }
  EXPECT_EQ(count[1][2], 0.0);
}

// The two-pass parallel build gives the arrays of the edge-list build, bit for
// bit, on 1, 2 and 3 threads: blocks of every kind (empty, single node, full,
// zero rate between blocks) and more nodes than one parallel block (2^14).
TEST(StochasticBlockModel, ParallelBuildEqualsSequentialOnAnyThreadCount) {
  const std::vector<std::uint32_t> sizes{9000, 0, 1, 30, 12000, 5};
  const std::vector<std::vector<double>> rates{
      {0.001, 0.2, 0.01, 0.002, 0.0003, 0.0}, {0.2, 0.5, 0.5, 0.5, 0.5, 0.5}, {0.01, 0.5, 0.0, 0.3, 0.001, 1.0},
      {0.002, 0.5, 0.3, 1.0, 0.0, 0.1},      {0.0003, 0.5, 0.001, 0.0, 0.0008, 0.02}, {0.0, 0.5, 1.0, 0.1, 0.02, 0.4}};
  const Rng rng(21, 2);
  const Network ref = gen::stochastic_block_model(sizes, rates, rng);
  ASSERT_GT(ref.edge_count(), 50000u);
  for (const int threads : {1, 2, 3}) {
    Parallel par(threads);
    EXPECT_TRUE(same_arrays(ref, gen::stochastic_block_model(sizes, rates, rng, par))) << threads << " threads";
  }
  Parallel par(2);
  EXPECT_EQ(gen::stochastic_block_model({}, {}, rng, par).size(), 0u);
  EXPECT_THROW(gen::stochastic_block_model({2, 2}, {{0.1, 0.2}}, rng, par), ArgumentError);
}

TEST(StochasticBlockModel, EmptyAndFullBlocks) {
  // rate 1 inside, 0 across: disjoint cliques; an empty block is allowed
  const Network g = gen::stochastic_block_model({4, 0, 6}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, Rng(1, 0));
  ASSERT_TRUE(is_simple_symmetric(g));
  EXPECT_EQ(g.edge_count(), 6u + 15u);
  EXPECT_EQ(component_sizes(g), (std::vector<std::uint32_t>{6, 4}));
}

// ------------------------------------------------------------ all generators

namespace {

struct NamedGenerator {
  const char* name;
  std::function<Network(const Rng&)> make;
};

std::vector<NamedGenerator> all_generators() {
  return {
      {"erdos_renyi", [](const Rng& r) { return gen::erdos_renyi(2000, 0.005, r); }},
      {"watts_strogatz", [](const Rng& r) { return gen::watts_strogatz(2000, 8, 0.2, r); }},
      {"barabasi_albert", [](const Rng& r) { return gen::barabasi_albert(2000, 4, r); }},
      {"rewire", [](const Rng& r) {
         return gen::rewire(gen::torus_lattice(40, 50, gen::LatticeNeighbourhood::VonNeumann, 2), 0.3, r);
       }},
      {"stochastic_block_model", [](const Rng& r) {
         return gen::stochastic_block_model({500, 700, 800}, {{0.02, 0.002, 0.001}, {0.002, 0.01, 0.003},
                                                              {0.001, 0.003, 0.015}}, r);
       }},
  };
}

}  // namespace

TEST(Generators, ProduceSimpleSymmetricSortedGraphs) {
  for (const auto& g : all_generators()) {
    const Network net = g.make(Rng(17, 1));
    EXPECT_TRUE(is_simple_symmetric(net)) << g.name;
    EXPECT_GT(net.edge_count(), 0u) << g.name;
  }
}

TEST(Generators, DeterministicPerSeedAndReplicate) {
  for (const auto& g : all_generators()) {
    const Network a = g.make(Rng(99, 0));
    EXPECT_TRUE(same_arrays(a, g.make(Rng(99, 0)))) << g.name;
    EXPECT_FALSE(same_arrays(a, g.make(Rng(100, 0)))) << g.name;
    EXPECT_FALSE(same_arrays(a, g.make(Rng(99, 1)))) << g.name;
  }
}

TEST(Generators, InvalidArgumentsAreArgumentErrors) {
  const Rng rng(1, 0);
  auto argument_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const ArgumentError& e) {
      return e.argument();
    }
    return "<no ArgumentError>";
  };
  using K = gen::LatticeNeighbourhood;
  EXPECT_EQ(argument_of([&] { gen::erdos_renyi(10, -0.1, rng); }), "p");
  EXPECT_EQ(argument_of([&] { gen::erdos_renyi(10, 1.5, rng); }), "p");
  EXPECT_EQ(argument_of([&] { gen::erdos_renyi(10, std::nan(""), rng); }), "p");
  EXPECT_EQ(argument_of([&] { gen::watts_strogatz(10, 3, 0.1, rng); }), "k");
  EXPECT_EQ(argument_of([&] { gen::watts_strogatz(10, 10, 0.1, rng); }), "k");
  EXPECT_EQ(argument_of([&] { gen::watts_strogatz(10, 4, 2.0, rng); }), "p");
  EXPECT_EQ(argument_of([&] { gen::barabasi_albert(10, 0, rng); }), "m");
  EXPECT_EQ(argument_of([&] { gen::barabasi_albert(10, 10, rng); }), "m");
  EXPECT_EQ(argument_of([&] { gen::torus_lattice(0, 10, K::Moore, 1); }), "width");
  EXPECT_EQ(argument_of([&] { gen::torus_lattice(10, 0, K::Moore, 1); }), "height");
  EXPECT_EQ(argument_of([&] { gen::torus_lattice(70000, 70000, K::Moore, 1); }), "width");
  EXPECT_EQ(argument_of([&] { gen::rewire(Network::complete(3), -1.0, rng); }), "p");
  EXPECT_EQ(argument_of([&] { gen::stochastic_block_model({2, 2}, {{0.1, 0.2}}, rng); }), "rates");
  EXPECT_EQ(argument_of([&] { gen::stochastic_block_model({2, 2}, {{0.1, 0.2}, {0.2}}, rng); }), "rates");
  EXPECT_EQ(argument_of([&] { gen::stochastic_block_model({2, 2}, {{0.1, 0.2}, {0.3, 0.1}}, rng); }), "rates");
  EXPECT_EQ(argument_of([&] { gen::stochastic_block_model({2, 2}, {{0.1, 1.2}, {1.2, 0.1}}, rng); }), "rates");
  EXPECT_EQ(argument_of([&] { gen::stochastic_block_model({4000000000u, 4000000000u}, {{0, 0}, {0, 0}}, rng); }),
            "sizes");
}

// ------------------------------------------------------------ edge lists

TEST(EdgeList, RoundTripGivesIdenticalArrays) {
  TempDir dir;
  const std::string path = dir.file("g.edges");
  // ER may leave the last nodes isolated, so n is passed back in
  const Network er = gen::erdos_renyi(3000, 0.002, Rng(8, 0));
  write_edge_list(er, path);
  EXPECT_TRUE(same_arrays(read_edge_list(path, er.size()), er));
  // in a BA graph every node has an edge, so n can be inferred
  const Network ba = gen::barabasi_albert(2000, 2, Rng(8, 0));
  write_edge_list(ba, path);  // overwrites
  EXPECT_TRUE(same_arrays(read_edge_list(path), ba));
  // the implicit complete graph is written out edge by edge
  write_edge_list(Network::complete(6), path);
  EXPECT_TRUE(same_arrays(read_edge_list(path), Network::complete(6).materialised()));
}

TEST(EdgeList, WrittenFileHasHeaderAndEachEdgeOnceLowerFirst) {
  TempDir dir;
  const std::string path = dir.file("tri.edges");
  write_edge_list(Network::from_edges(3, {{2, 0}, {1, 2}, {0, 1}}), path);
  std::ifstream in(path);
  std::string first, rest, line;
  std::getline(in, first);
  EXPECT_EQ(first.rfind("#", 0), 0u);
  while (std::getline(in, line)) rest += line + "\n";
  EXPECT_EQ(rest, "0 1\n0 2\n1 2\n");
}

TEST(EdgeList, SkipsCommentsAndBlankLines) {
  TempDir dir;
  const std::string path = dir.file("c.edges");
  write_text(path, "# header\n\n0 1\n  \t\n1\t2   # trailing comment\r\n2 0\r\n   # indented comment\n1 0\n3 3\n");
  const Network g = read_edge_list(path);
  EXPECT_EQ(g.size(), 4u);  // the self-loop 3 3 still names node 3
  EXPECT_EQ(g.edge_count(), 3u);
  EXPECT_TRUE(same_arrays(g, Network::from_edges(4, {{0, 1}, {1, 2}, {0, 2}})));
}

TEST(EdgeList, MissingFileNamesThePath) {
  TempDir dir;
  const std::string path = dir.file("does_not_exist.edges");
  try {
    read_edge_list(path);
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(e.path(), path);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(EdgeList, MalformedLineNamesPathAndLine) {
  TempDir dir;
  const std::string path = dir.file("bad.edges");
  for (const std::string bad : {"7", "1 2 3", "a b", "1 -2", "12x 3", "1,2", "99999999999 1"}) {
    // line 4 is the bad one, after a comment, a blank line and a good edge
    write_text(path, "# comment\n\n0 1\n" + bad + "\n2 3\n");
    try {
      read_edge_list(path);
      ADD_FAILURE() << "no IoError for \"" << bad << "\"";
    } catch (const IoError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      EXPECT_NE(what.find("line 4"), std::string::npos) << what;
    }
  }
}

TEST(EdgeList, IdBeyondGivenSizeNamesLine) {
  TempDir dir;
  const std::string path = dir.file("big.edges");
  write_text(path, "0 1\n1 2\n2 5\n");
  EXPECT_EQ(read_edge_list(path, 6).size(), 6u);
  try {
    read_edge_list(path, 5);
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("line 3"), std::string::npos) << what;
  }
}

TEST(EdgeList, UnwritablePathIsAnIoError) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/g.edges");
  EXPECT_THROW(write_edge_list(Network::complete(3), path), IoError);
}
