// Undirected networks in compressed sparse row form, and their generators.
//
// Node ids are 32-bit; the neighbours of node i are
// targets[offsets[i] .. offsets[i+1]), sorted ascending, without self-loops
// or duplicates, and every edge is stored in both directions. A complete
// graph is implicit (no arrays): ask is_complete() or use
// for_each_neighbour(), which handles both.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace tegenmacht {
class Parallel;
}

namespace tegenmacht {

class Rng;

class Network {
 public:
  Network() = default;

  /// The complete graph on n nodes, not materialised.
  static Network complete(std::uint32_t n);
  /// From an undirected edge list: both directions are stored, self-loops and
  /// duplicates are dropped. Every id must be < n.
  static Network from_edges(std::uint32_t n, std::vector<std::pair<std::uint32_t, std::uint32_t>> edges);

  std::uint32_t size() const noexcept { return n_; }
  bool is_complete() const noexcept { return complete_; }
  /// Number of undirected edges.
  std::uint64_t edge_count() const noexcept;
  std::uint32_t degree(std::uint32_t i) const noexcept {
    return complete_ ? n_ - 1 : static_cast<std::uint32_t>(offsets_[i + 1] - offsets_[i]);
  }
  /// Sorted neighbours of i. Not available for an implicit complete graph.
  std::span<const std::uint32_t> neighbours(std::uint32_t i) const noexcept {
    return {targets_.data() + offsets_[i], targets_.data() + offsets_[i + 1]};
  }
  /// j-th neighbour of i (0 <= j < degree(i)); works for complete graphs too.
  std::uint32_t neighbour(std::uint32_t i, std::uint32_t j) const noexcept {
    return complete_ ? (j < i ? j : j + 1) : targets_[offsets_[i] + j];
  }
  template <class F>
  void for_each_neighbour(std::uint32_t i, F&& f) const {
    if (complete_) {
      for (std::uint32_t j = 0; j < n_; ++j)
        if (j != i) f(j);
    } else {
      for (std::uint64_t e = offsets_[i]; e < offsets_[i + 1]; ++e) f(targets_[e]);
    }
  }
  bool has_edge(std::uint32_t i, std::uint32_t j) const noexcept;

  const std::vector<std::uint64_t>& offsets() const noexcept { return offsets_; }
  const std::vector<std::uint32_t>& targets() const noexcept { return targets_; }

  /// Builds the CSR arrays for an implicit complete graph (for export/plots).
  Network materialised() const;

  /// From compressed rows: offsets (n + 1 entries, offsets[0] = 0, not
  /// decreasing) and targets (offsets[n] entries). Each row must be sorted
  /// ascending without repeats or i itself, and every tie stored in both rows;
  /// generators that build their rows that way use it. Throws ArgumentError
  /// ("offsets") when the sizes disagree.
  static Network from_rows(std::uint32_t n, std::vector<std::uint64_t> offsets, std::vector<std::uint32_t> targets);

 private:
  std::uint32_t n_ = 0;
  bool complete_ = false;
  std::vector<std::uint64_t> offsets_{0};
  std::vector<std::uint32_t> targets_;
};

/// Degree statistics and clustering, used by tests and reported by tools.
struct NetworkStats {
  double mean_degree = 0;
  double degree_variance = 0;
  std::uint32_t max_degree = 0;
  double average_clustering = 0;  ///< mean of local clustering coefficients (degree < 2 counts 0)
  double transitivity = 0;        ///< 3 × triangles / connected triples
};
NetworkStats network_stats(const Network& g);
/// Sizes of connected components, largest first.
std::vector<std::uint32_t> component_sizes(const Network& g);

namespace generators {

/// G(n, p): each pair is an edge independently with probability p. Geometric
/// skipping (Batagelj & Brandes 2005) makes it O(n + m).
Network erdos_renyi(std::uint32_t n, double p, const Rng& rng);
/// Ring lattice where each node links to its k nearest neighbours (k even),
/// each edge rewired with probability p to a uniform non-duplicate target
/// (Watts & Strogatz 1998).
Network watts_strogatz(std::uint32_t n, std::uint32_t k, double p, const Rng& rng);
/// Preferential attachment (Barabási & Albert 1999): start from a complete
/// graph on m+1 nodes; each new node links to m distinct existing nodes
/// chosen with probability proportional to degree.
Network barabasi_albert(std::uint32_t n, std::uint32_t m, const Rng& rng);

enum class LatticeNeighbourhood { VonNeumann, Moore };
/// width × height torus; node id = y * width + x. Von Neumann: |dx|+|dy| <= r;
/// Moore: max(|dx|,|dy|) <= r. Wrap-around never creates duplicates.
Network torus_lattice(std::uint32_t width, std::uint32_t height, LatticeNeighbourhood kind, std::uint32_t radius);
/// Lattice with each edge rewired with probability p (Centola & Macy 2007's
/// rewired lattices), keeping degree sequence approximately.
Network rewire(const Network& g, double p, const Rng& rng);

/// Stochastic block model. Node ids are assigned to blocks contiguously in
/// order (block 0 gets ids 0..sizes[0]-1, …). rates[a][b] is the probability
/// of an edge between a node of block a and one of block b (symmetric).
Network stochastic_block_model(const std::vector<std::uint32_t>& sizes,
                               const std::vector<std::vector<double>>& rates, const Rng& rng);
/// The same network, built on `par`'s threads: the same arrays whatever the
/// thread count (each node's ties come from its own stream). It holds each
/// tie once (4 bytes) besides the rows, where the edge-list build holds a
/// pair (8 bytes).
Network stochastic_block_model(const std::vector<std::uint32_t>& sizes,
                               const std::vector<std::vector<double>>& rates, const Rng& rng, Parallel& par);

}  // namespace generators

/// Reads "i j" lines (0-based ids; '#' comments and blank lines skipped).
/// n = 0 infers n from the largest id. Throws IoError naming file and line.
Network read_edge_list(const std::string& path, std::uint32_t n = 0);
/// Writes each undirected edge once as "i j" with i < j, with a header comment.
void write_edge_list(const Network& g, const std::string& path);

}  // namespace tegenmacht
