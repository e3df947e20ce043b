#include "tegenmacht/network.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>
#include <string_view>

#include "tegenmacht/error.hpp"
#include "tegenmacht/parallel.hpp"
#include "tegenmacht/rng.hpp"

namespace tegenmacht {

namespace {

using Edge = std::pair<std::uint32_t, std::uint32_t>;
constexpr std::uint32_t kNoNode = std::numeric_limits<std::uint32_t>::max();

void check_probability(const char* name, double p) {
  // written so that NaN fails too
  if (!(p >= 0.0 && p <= 1.0))
    throw ArgumentError(name, "must be a probability in [0, 1], got " + std::to_string(p));
}

std::uint64_t edge_key(std::uint32_t a, std::uint32_t b) noexcept {
  if (a > b) std::swap(a, b);
  return (static_cast<std::uint64_t>(a) << 32) | b;
}

/// Insert-only open-addressing set of undirected edges. Rewiring only ever
/// adds edges to it (removed originals are flagged elsewhere), so there is no
/// deletion and no tombstones. The empty marker (a, a) can never be an edge.
class EdgeSet {
 public:
  explicit EdgeSet(std::uint64_t expected) {
    std::uint64_t cap = 64;
    while (cap < 2 * expected) cap *= 2;
    slots_.assign(cap, kEmpty);
  }
  bool contains(std::uint64_t key) const noexcept {
    const std::uint64_t mask = slots_.size() - 1;
    for (std::uint64_t h = mix(key) & mask;; h = (h + 1) & mask) {
      if (slots_[h] == key) return true;
      if (slots_[h] == kEmpty) return false;
    }
  }
  void insert(std::uint64_t key) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    place(key);
  }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64 finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }
  void place(std::uint64_t key) noexcept {
    const std::uint64_t mask = slots_.size() - 1;
    for (std::uint64_t h = mix(key) & mask;; h = (h + 1) & mask) {
      if (slots_[h] == key) return;
      if (slots_[h] == kEmpty) {
        slots_[h] = key;
        ++size_;
        return;
      }
    }
  }
  void grow() {
    std::vector<std::uint64_t> old(slots_.size() * 2, kEmpty);
    old.swap(slots_);
    size_ = 0;
    for (const std::uint64_t k : old)
      if (k != kEmpty) place(k);
  }
  std::vector<std::uint64_t> slots_;
  std::uint64_t size_ = 0;
};

/// Uniform in [0, n) for n that may exceed 32 bits.
std::uint64_t below64(Stream& s, std::uint64_t n) noexcept {
  if (n <= std::numeric_limits<std::uint32_t>::max()) return s.below(static_cast<std::uint32_t>(n));
  // 53-bit resolution: the bias is below 2^-20 for any realistic n
  const auto r = static_cast<std::uint64_t>(s.uniform() * static_cast<double>(n));
  return std::min(r, n - 1);
}

/// Uniform node in [0, n) other than `self` (n >= 2).
std::uint32_t other_node(Stream& s, std::uint32_t n, std::uint32_t self) noexcept {
  const std::uint32_t w = s.below(n - 1);
  return w >= self ? w + 1 : w;
}

/// Geometric skipping (Batagelj & Brandes 2005) over candidates lo..hi-1:
/// emits each one independently with probability p, drawing one number per
/// emitted candidate plus one to run off the end. log_q = log(1 - p).
template <class Emit>
void skip_range(Stream& s, double p, double log_q, std::uint32_t lo, std::uint32_t hi, Emit&& emit) {
  if (p <= 0.0 || lo >= hi) return;
  std::int64_t w = static_cast<std::int64_t>(lo) - 1;
  for (;;) {
    // P(skip >= k) = (1-p)^k; for p = 1, log_q = -inf and skip is always 0
    const double skip = std::floor(std::log(s.uniform_pos()) / log_q);
    if (skip >= static_cast<double>(static_cast<std::int64_t>(hi) - 1 - w)) return;
    w += 1 + static_cast<std::int64_t>(skip);
    emit(static_cast<std::uint32_t>(w));
  }
}

std::uint64_t reserve_for(double expected) {
  // mean + 6 sd of a Poisson-like count, so the vector practically never regrows
  return static_cast<std::uint64_t>(expected + 6.0 * std::sqrt(expected) + 16.0);
}

}  // namespace

// ---------------------------------------------------------------- Network

Network Network::complete(std::uint32_t n) {
  Network g;
  g.n_ = n;
  g.complete_ = true;
  return g;
}

Network Network::from_edges(std::uint32_t n, std::vector<std::pair<std::uint32_t, std::uint32_t>> edges) {
  Network g;
  g.n_ = n;
  // Counting sort with the offsets shifted by one slot, so that they double
  // as fill cursors: after the prefix sum off[i+1] is the start of row i, and
  // filling advances it to the end of row i, i.e. the start of row i+1; no
  // separate cursor array competes for cache with the scattered writes.
  auto& off = g.offsets_;
  off.assign(static_cast<std::size_t>(n) + 2, 0);
  for (const auto& [a, b] : edges) {
    if (a >= n || b >= n)
      throw ArgumentError("edges", "node id " + std::to_string(std::max(a, b)) + " is not below n = " +
                                       std::to_string(n));
    if (a == b) continue;
    ++off[a + 2];
    ++off[b + 2];
  }
  std::partial_sum(off.begin(), off.end(), off.begin());
  g.targets_.resize(off[n + 1]);
  for (const auto& [a, b] : edges) {
    if (a == b) continue;
    g.targets_[off[a + 1]++] = b;
    g.targets_[off[b + 1]++] = a;
  }
  off.pop_back();
  // The pair list is as large as the CSR; give it back before compacting.
  std::vector<Edge>().swap(edges);

  // Sort and deduplicate each row, sliding rows down over removed duplicates.
  // Generators that emit edges in (max, min) order already produce sorted
  // rows, so the is_sorted check usually saves the sort.
  std::uint32_t* t = g.targets_.data();
  std::uint64_t write = 0, read_begin = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint64_t read_end = g.offsets_[i + 1];
    std::uint32_t* first = t + read_begin;
    std::uint32_t* last = t + read_end;
    if (!std::is_sorted(first, last)) std::sort(first, last);
    last = std::unique(first, last);
    const auto len = static_cast<std::uint64_t>(last - first);
    if (write != read_begin) std::memmove(t + write, first, len * sizeof(std::uint32_t));
    write += len;
    g.offsets_[i + 1] = write;
    read_begin = read_end;
  }
  if (write != g.targets_.size()) {
    g.targets_.resize(write);
    g.targets_.shrink_to_fit();
  }
  return g;
}

Network Network::from_rows(std::uint32_t n, std::vector<std::uint64_t> offsets, std::vector<std::uint32_t> targets) {
  if (offsets.size() != static_cast<std::size_t>(n) + 1 || offsets.front() != 0 || offsets.back() != targets.size())
    throw ArgumentError("offsets", "expected " + std::to_string(n + 1ull) + " row offsets from 0 to the " +
                                       std::to_string(targets.size()) + " targets");
  Network g;
  g.n_ = n;
  g.offsets_ = std::move(offsets);
  g.targets_ = std::move(targets);
  return g;
}

std::uint64_t Network::edge_count() const noexcept {
  if (complete_) return static_cast<std::uint64_t>(n_) * (n_ > 0 ? n_ - 1 : 0) / 2;
  return targets_.size() / 2;
}

bool Network::has_edge(std::uint32_t i, std::uint32_t j) const noexcept {
  if (i >= n_ || j >= n_ || i == j) return false;
  if (complete_) return true;
  // search the shorter row: hubs can have huge neighbour lists
  if (degree(i) > degree(j)) std::swap(i, j);
  const auto row = neighbours(i);
  return std::binary_search(row.begin(), row.end(), j);
}

Network Network::materialised() const {
  if (!complete_) return *this;
  Network g;
  g.n_ = n_;
  const std::uint64_t d = n_ > 0 ? n_ - 1 : 0;
  g.offsets_.resize(static_cast<std::size_t>(n_) + 1);
  g.targets_.resize(static_cast<std::size_t>(n_) * d);
  std::uint64_t e = 0;
  for (std::uint32_t i = 0; i < n_; ++i) {
    g.offsets_[i] = e;
    for (std::uint32_t j = 0; j < n_; ++j)
      if (j != i) g.targets_[e++] = j;
  }
  g.offsets_[n_] = e;
  return g;
}

// ---------------------------------------------------------------- statistics

NetworkStats network_stats(const Network& g) {
  NetworkStats st;
  const std::uint32_t n = g.size();
  if (n == 0) return st;
  if (g.is_complete()) {
    // Every pair of neighbours is linked, so both clustering measures are 1
    // as soon as there is any pair of neighbours at all.
    st.mean_degree = n - 1.0;
    st.max_degree = n - 1;
    st.average_clustering = st.transitivity = n >= 3 ? 1.0 : 0.0;
    return st;
  }

  double sum = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    sum += g.degree(i);
    st.max_degree = std::max(st.max_degree, g.degree(i));
  }
  st.mean_degree = sum / n;
  double ss = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const double dev = g.degree(i) - st.mean_degree;
    ss += dev * dev;
  }
  st.degree_variance = ss / n;

  // Each triangle i < j < k is found once, from its edge (i, j), by merging
  // the parts of N(i) and N(j) above j; all three corners are credited.
  std::vector<std::uint64_t> tri(n, 0);
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto ni = g.neighbours(i);
    for (auto it = std::upper_bound(ni.begin(), ni.end(), i); it != ni.end(); ++it) {
      const std::uint32_t j = *it;
      const auto nj = g.neighbours(j);
      auto a = it + 1;
      auto b = std::upper_bound(nj.begin(), nj.end(), j);
      while (a != ni.end() && b != nj.end()) {
        if (*a < *b) {
          ++a;
        } else if (*b < *a) {
          ++b;
        } else {
          ++tri[i];
          ++tri[j];
          ++tri[*a];
          ++a;
          ++b;
        }
      }
    }
  }
  double local_sum = 0, closed = 0, triples = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const double d = g.degree(i);
    if (d < 2) continue;
    const double pairs = d * (d - 1) / 2;
    local_sum += static_cast<double>(tri[i]) / pairs;
    closed += static_cast<double>(tri[i]);
    triples += pairs;
  }
  st.average_clustering = local_sum / n;
  // sum of tri[i] is already 3 × triangles
  st.transitivity = triples > 0 ? closed / triples : 0.0;
  return st;
}

std::vector<std::uint32_t> component_sizes(const Network& g) {
  const std::uint32_t n = g.size();
  if (n == 0) return {};
  if (g.is_complete()) return {n};
  // union-find with path halving and union by size
  std::vector<std::uint32_t> parent(n), size(n, 1);
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (std::uint32_t i = 0; i < n; ++i) {
    for (const std::uint32_t j : g.neighbours(i)) {
      if (j < i) continue;
      std::uint32_t a = find(i), b = find(j);
      if (a == b) continue;
      if (size[a] < size[b]) std::swap(a, b);
      parent[b] = a;
      size[a] += size[b];
    }
  }
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = 0; i < n; ++i)
    if (parent[i] == i) out.push_back(size[i]);
  std::sort(out.begin(), out.end(), std::greater<>());
  return out;
}

// ---------------------------------------------------------------- generators

namespace generators {

Network erdos_renyi(std::uint32_t n, double p, const Rng& rng) {
  check_probability("p", p);
  std::vector<Edge> edges;
  if (p > 0.0 && n > 1) {
    const double pairs = 0.5 * n * (n - 1.0);
    edges.reserve(reserve_for(p * pairs));
    const double log_q = std::log1p(-p);
    // One stream per node v covering the candidates w < v, so the graph does
    // not depend on how the rows are scheduled; the same layout as a
    // one-block SBM, which therefore reproduces this graph exactly.
    for (std::uint32_t v = 1; v < n; ++v) {
      Stream s = rng.stream(kInitStep, v, kPurposeNetwork);
      skip_range(s, p, log_q, 0, v, [&](std::uint32_t w) { edges.emplace_back(v, w); });
    }
  }
  return Network::from_edges(n, std::move(edges));
}

Network watts_strogatz(std::uint32_t n, std::uint32_t k, double p, const Rng& rng) {
  check_probability("p", p);
  if (k % 2 != 0) throw ArgumentError("k", "must be even, got " + std::to_string(k));
  if (k >= n) throw ArgumentError("k", "must be below n = " + std::to_string(n) + ", got " + std::to_string(k));
  const std::uint32_t half = k / 2;
  const std::uint64_t m = static_cast<std::uint64_t>(n) * half;
  // lattice edge u*half + (d-1) joins u and u+d (mod n); rewiring keeps u
  std::vector<Edge> edges(m);
  for (std::uint32_t u = 0; u < n; ++u)
    for (std::uint32_t d = 1; d <= half; ++d)
      edges[static_cast<std::uint64_t>(u) * half + d - 1] = {u, static_cast<std::uint32_t>((u + std::uint64_t{d}) % n)};

  if (p > 0.0 && m > 0) {
    // Existence test without an adjacency structure: a lattice edge exists
    // unless it has been rewired away, and rewired edges live in a hash set.
    std::vector<std::uint8_t> removed(m, 0);
    std::vector<std::uint32_t> deg(n, k);
    EdgeSet added(static_cast<std::uint64_t>(p * static_cast<double>(m)) + 16);
    auto exists = [&](std::uint32_t a, std::uint32_t b) {
      const std::uint32_t diff = a > b ? a - b : b - a;
      const std::uint32_t dist = std::min(diff, n - diff);
      if (dist <= half) {
        // k < n makes dist < n/2, so exactly one orientation matches
        const std::uint32_t from = (static_cast<std::uint64_t>(a) + dist) % n == b ? a : b;
        if (!removed[static_cast<std::uint64_t>(from) * half + dist - 1]) return true;
      }
      return added.contains(edge_key(a, b));
    };
    for (std::uint32_t u = 0; u < n; ++u) {
      Stream s = rng.stream(kInitStep, u, kPurposeNetwork);
      for (std::uint32_t d = 1; d <= half; ++d) {
        if (!s.bernoulli(p)) continue;
        if (deg[u] >= n - 1) continue;  // u is linked to everybody: nowhere to go
        std::uint32_t w;
        do w = other_node(s, n, u);
        while (exists(u, w));
        const std::uint64_t e = static_cast<std::uint64_t>(u) * half + d - 1;
        removed[e] = 1;
        --deg[edges[e].second];
        ++deg[w];
        added.insert(edge_key(u, w));
        edges[e].second = w;
      }
    }
  }
  return Network::from_edges(n, std::move(edges));
}

Network barabasi_albert(std::uint32_t n, std::uint32_t m, const Rng& rng) {
  if (m < 1) throw ArgumentError("m", "must be at least 1");
  if (m >= n) throw ArgumentError("m", "must be below n = " + std::to_string(n) + ", got " + std::to_string(m));
  const std::uint32_t m0 = m + 1;
  const std::uint64_t total = static_cast<std::uint64_t>(m0) * m / 2 + static_cast<std::uint64_t>(n - m0) * m;
  // The edge list doubles as the repeated-endpoints array: a uniform endpoint
  // of a uniform edge is a node drawn proportionally to its degree.
  std::vector<Edge> edges;
  edges.reserve(total);
  for (std::uint32_t i = 1; i < m0; ++i)
    for (std::uint32_t j = 0; j < i; ++j) edges.emplace_back(i, j);

  std::vector<std::uint32_t> chosen_by(n, kNoNode);  // last new node that picked this target
  std::vector<std::uint32_t> picks(m);
  for (std::uint32_t t = m0; t < n; ++t) {
    Stream s = rng.stream(kInitStep, t, kPurposeNetwork);
    const std::uint64_t endpoints = 2 * static_cast<std::uint64_t>(edges.size());
    std::uint32_t count = 0;
    while (count < m) {
      const std::uint64_t r = below64(s, endpoints);
      const Edge& e = edges[r / 2];
      const std::uint32_t x = (r & 1) ? e.second : e.first;
      if (chosen_by[x] == t) continue;
      chosen_by[x] = t;
      picks[count++] = x;
    }
    // ascending picks keep the CSR rows sorted as they are filled
    std::sort(picks.begin(), picks.end());
    for (const std::uint32_t x : picks) edges.emplace_back(t, x);
  }
  return Network::from_edges(n, std::move(edges));
}

Network torus_lattice(std::uint32_t width, std::uint32_t height, LatticeNeighbourhood kind, std::uint32_t radius) {
  if (width == 0) throw ArgumentError("width", "must be at least 1");
  if (height == 0) throw ArgumentError("height", "must be at least 1");
  if (radius == 0) throw ArgumentError("radius", "must be at least 1");
  const std::uint64_t n64 = static_cast<std::uint64_t>(width) * height;
  if (n64 > std::numeric_limits<std::uint32_t>::max())
    throw ArgumentError("width", "width × height = " + std::to_string(n64) + " exceeds the 32-bit node id range");
  const auto n = static_cast<std::uint32_t>(n64);

  // The torus is vertex-transitive, so the set of distinct wrapped offsets
  // is the same for every node; deduplicating it once is what keeps small
  // tori free of self-loops and repeated neighbours. Offsets beyond one full
  // turn only repeat residues that a shorter offset already reaches (with
  // more slack left for the other axis), so the loops can stop there.
  const auto r = static_cast<std::int64_t>(radius);
  const std::int64_t w = width, h = height;
  const std::int64_t rx = std::min(r, w);
  std::vector<Edge> offsets;  // (a, b): neighbour at (x + a, y + b) mod (w, h)
  for (std::int64_t dx = -rx; dx <= rx; ++dx) {
    const std::int64_t rem = kind == LatticeNeighbourhood::VonNeumann ? r - (dx < 0 ? -dx : dx) : r;
    const std::int64_t ry = std::min(rem, h);
    for (std::int64_t dy = -ry; dy <= ry; ++dy) {
      const auto a = static_cast<std::uint32_t>(((dx % w) + w) % w);
      const auto b = static_cast<std::uint32_t>(((dy % h) + h) % h);
      if (a != 0 || b != 0) offsets.emplace_back(a, b);
    }
  }
  std::sort(offsets.begin(), offsets.end());
  offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());

  // Each edge once (from its lower id); the neighbourhood is symmetric, so
  // the partner emits the same edge and the i < j filter halves the list.
  std::vector<Edge> edges;
  edges.reserve(n64 * offsets.size() / 2 + 1);
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::uint32_t i = y * width + x;
      for (const auto& [a, b] : offsets) {
        std::uint32_t nx = x + a, ny = y + b;
        if (nx >= width) nx -= width;
        if (ny >= height) ny -= height;
        const std::uint32_t j = ny * width + nx;
        if (i < j) edges.emplace_back(i, j);
      }
    }
  }
  return Network::from_edges(n, std::move(edges));
}

Network rewire(const Network& g, double p, const Rng& rng) {
  check_probability("p", p);
  // a complete graph has no free pair to move an edge to
  if (p == 0.0 || g.is_complete()) return g;
  const std::uint32_t n = g.size();
  const auto& off = g.offsets();
  const auto& tg = g.targets();

  // removed[e] flags the stored position e of (i -> j), i < j, of an original
  // edge that was moved; moved edges go into a hash set.
  std::vector<std::uint8_t> removed(tg.size(), 0);
  std::vector<std::uint32_t> deg(n);
  for (std::uint32_t i = 0; i < n; ++i) deg[i] = g.degree(i);
  EdgeSet added(static_cast<std::uint64_t>(p * static_cast<double>(g.edge_count())) + 16);
  auto exists = [&](std::uint32_t a, std::uint32_t b) {
    if (a > b) std::swap(a, b);
    const auto row = g.neighbours(a);
    const auto it = std::lower_bound(row.begin(), row.end(), b);
    if (it != row.end() && *it == b && !removed[off[a] + static_cast<std::uint64_t>(it - row.begin())]) return true;
    return added.contains(edge_key(a, b));
  };

  std::vector<Edge> edges;
  edges.reserve(g.edge_count());
  for (std::uint32_t i = 0; i < n; ++i) {
    Stream s = rng.stream(kInitStep, i, kPurposeNetwork);
    for (std::uint64_t e = off[i]; e < off[i + 1]; ++e) {
      const std::uint32_t j = tg[e];
      if (j < i) continue;
      if (!s.bernoulli(p)) {
        edges.emplace_back(i, j);
        continue;
      }
      // either endpoint may move, so no node is systematically favoured
      const bool keep_i = s.bernoulli(0.5);
      const std::uint32_t keep = keep_i ? i : j, drop = keep_i ? j : i;
      if (deg[keep] >= n - 1) {
        edges.emplace_back(i, j);
        continue;
      }
      std::uint32_t w;
      do w = other_node(s, n, keep);
      while (exists(keep, w));
      removed[e] = 1;
      --deg[drop];
      ++deg[w];
      added.insert(edge_key(keep, w));
      edges.emplace_back(keep, w);
    }
  }
  return Network::from_edges(n, std::move(edges));
}

namespace {

/// The checked blocks of a stochastic block model: first ids, and log(1 − p).
struct SbmBlocks {
  std::vector<std::uint32_t> start;
  std::vector<std::vector<double>> log_q;
  std::uint32_t n = 0;
  double expected = 0;  // expected number of edges
};

SbmBlocks sbm_blocks(const std::vector<std::uint32_t>& sizes, const std::vector<std::vector<double>>& rates) {
  const std::size_t nb = sizes.size();
  if (rates.size() != nb)
    throw ArgumentError("rates", "expected a " + std::to_string(nb) + "×" + std::to_string(nb) + " matrix, got " +
                                     std::to_string(rates.size()) + " rows");
  for (std::size_t a = 0; a < nb; ++a) {
    if (rates[a].size() != nb)
      throw ArgumentError("rates", "row " + std::to_string(a) + " has " + std::to_string(rates[a].size()) +
                                       " entries, expected " + std::to_string(nb));
    for (std::size_t b = 0; b < nb; ++b) {
      const double p = rates[a][b];
      if (!(p >= 0.0 && p <= 1.0))
        throw ArgumentError("rates", "rates[" + std::to_string(a) + "][" + std::to_string(b) +
                                         "] must be a probability in [0, 1], got " + std::to_string(p));
    }
  }
  for (std::size_t a = 0; a < nb; ++a)
    for (std::size_t b = a + 1; b < nb; ++b)
      if (rates[a][b] != rates[b][a])
        throw ArgumentError("rates", "must be symmetric: rates[" + std::to_string(a) + "][" + std::to_string(b) +
                                         "] != rates[" + std::to_string(b) + "][" + std::to_string(a) + "]");
  std::vector<std::uint32_t> start(nb + 1, 0);
  std::uint64_t total = 0;
  for (std::size_t a = 0; a < nb; ++a) {
    total += sizes[a];
    if (total > std::numeric_limits<std::uint32_t>::max())
      throw ArgumentError("sizes", "total number of nodes exceeds the 32-bit node id range");
    start[a + 1] = static_cast<std::uint32_t>(total);
  }
  const auto n = static_cast<std::uint32_t>(total);

  std::vector<std::vector<double>> log_q(nb, std::vector<double>(nb));
  double expected = 0;
  for (std::size_t a = 0; a < nb; ++a) {
    for (std::size_t b = 0; b < nb; ++b) log_q[a][b] = std::log1p(-rates[a][b]);
    expected += rates[a][a] * 0.5 * sizes[a] * (sizes[a] - 1.0);
    for (std::size_t b = a + 1; b < nb; ++b) expected += rates[a][b] * static_cast<double>(sizes[a]) * sizes[b];
  }

  return {std::move(start), std::move(log_q), n, expected};
}

// Per node i in block a, one stream covers its candidates j < i: all of every
// earlier block, then block a up to i, skipping geometrically with each block
// pair's rate. Every pair is visited once; i's ties to smaller ids come out
// ascending.
template <class Emit>
void sbm_node(std::uint32_t i, std::size_t a, const SbmBlocks& k, const std::vector<std::vector<double>>& rates,
              const Rng& rng, Emit&& emit) {
  Stream s = rng.stream(kInitStep, i, kPurposeNetwork);
  for (std::size_t b = 0; b < a; ++b) skip_range(s, rates[a][b], k.log_q[a][b], k.start[b], k.start[b + 1], emit);
  skip_range(s, rates[a][a], k.log_q[a][a], k.start[a], i, emit);
}

}  // namespace

Network stochastic_block_model(const std::vector<std::uint32_t>& sizes,
                               const std::vector<std::vector<double>>& rates, const Rng& rng) {
  const SbmBlocks k = sbm_blocks(sizes, rates);
  std::vector<Edge> edges;
  edges.reserve(reserve_for(k.expected));
  // edges come out in the same (larger, smaller) order as erdos_renyi, which
  // keeps the CSR rows sorted as they are filled
  for (std::size_t a = 0; a + 1 < k.start.size(); ++a)
    for (std::uint32_t i = k.start[a]; i < k.start[a + 1]; ++i)
      sbm_node(i, a, k, rates, rng, [&](std::uint32_t j) { edges.emplace_back(i, j); });
  return Network::from_edges(k.n, std::move(edges));
}

Network stochastic_block_model(const std::vector<std::uint32_t>& sizes,
                               const std::vector<std::vector<double>>& rates, const Rng& rng, Parallel& par) {
  const SbmBlocks k = sbm_blocks(sizes, rates);
  const std::uint32_t n = k.n;
  constexpr std::size_t kBlock = 1 << 14;
  auto nodes = [&](std::size_t begin, std::size_t end, auto&& per_node) {
    // the block of the first node, then advance
    std::size_t a = static_cast<std::size_t>(std::upper_bound(k.start.begin(), k.start.end(),
                                                              static_cast<std::uint32_t>(begin)) -
                                             k.start.begin()) - 1;
    for (std::size_t ii = begin; ii < end; ++ii) {
      const auto i = static_cast<std::uint32_t>(ii);
      while (i >= k.start[a + 1]) ++a;
      per_node(i, a);
    }
  };
  // 1. each node's ties to smaller ids, from its own stream, ascending: into
  //    one list per block of nodes (4 bytes a tie; the blocks in parallel)
  const std::size_t nblocks = Parallel::block_count(n, kBlock);
  std::vector<std::vector<std::uint32_t>> lists(nblocks);
  std::vector<std::uint32_t> lower(n, 0);
  par.for_blocks(n, kBlock, [&](std::size_t blk, std::size_t begin, std::size_t end) {
    auto& list = lists[blk];
    list.reserve(reserve_for(k.expected * static_cast<double>(end - begin) / std::max(1.0, static_cast<double>(n))));
    nodes(begin, end, [&](std::uint32_t i, std::size_t a) {
      const std::size_t before = list.size();
      sbm_node(i, a, k, rates, rng, [&](std::uint32_t j) { list.push_back(j); });
      lower[i] = static_cast<std::uint32_t>(list.size() - before);
    });
  });
  // 2. row lengths: i's smaller ties, and the larger nodes that tied to i.
  //    Each thread counts for its share of ids (part) and reads all lists.
  const int parts = par.threads();
  auto share = [&](std::size_t part, std::uint32_t& lo, std::uint32_t& hi) {
    lo = static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * part / static_cast<std::uint64_t>(parts));
    hi = static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * (part + 1) / static_cast<std::uint64_t>(parts));
  };
  std::vector<std::uint32_t> upper(n, 0);
  par.for_blocks(static_cast<std::size_t>(parts), 1, [&](std::size_t part, std::size_t, std::size_t) {
    std::uint32_t lo, hi;
    share(part, lo, hi);
    for (const auto& list : lists)
      for (std::uint32_t j : list)
        if (j >= lo && j < hi) ++upper[j];
  });
  std::vector<std::uint64_t> offsets(static_cast<std::size_t>(n) + 1, 0);
  for (std::uint32_t i = 0; i < n; ++i) offsets[i + 1] = offsets[i] + lower[i] + upper[i];
  std::vector<std::uint32_t> targets(offsets[n]);
  // 3. fill: the front of row i is i's own list (ascending); i goes to the back
  //    of each row j it tied to, in ascending i, so every row comes out sorted.
  //    Each thread takes the rows of its share of ids and reads all lists.
  std::vector<std::uint32_t>& cursor = upper;
  std::fill(cursor.begin(), cursor.end(), 0u);
  par.for_blocks(static_cast<std::size_t>(parts), 1, [&](std::size_t part, std::size_t, std::size_t) {
    std::uint32_t lo, hi;
    share(part, lo, hi);
    for (std::size_t blk = 0; blk < nblocks; ++blk) {
      const std::uint32_t* t = lists[blk].data();
      const auto first = static_cast<std::uint32_t>(blk * kBlock);
      const auto last = static_cast<std::uint32_t>(std::min<std::size_t>(n, (blk + 1) * kBlock));
      for (std::uint32_t i = first; i < last; ++i) {
        const std::uint32_t d = lower[i];
        if (i >= lo && i < hi) std::copy(t, t + d, targets.data() + offsets[i]);
        for (std::uint32_t q = 0; q < d; ++q) {
          const std::uint32_t j = t[q];
          if (j >= lo && j < hi) targets[offsets[j] + lower[j] + cursor[j]++] = i;
        }
        t += d;
      }
    }
  });
  std::vector<std::vector<std::uint32_t>>().swap(lists);
  return Network::from_rows(n, std::move(offsets), std::move(targets));
}

}  // namespace generators

// ---------------------------------------------------------------- edge lists

namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// Parses one unsigned id at the front of s and drops it (and following
/// blanks); false if s does not start with one.
bool take_id(std::string_view& s, std::uint64_t& out) noexcept {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr == s.data()) return false;
  if (ptr != s.data() + s.size() && !is_space(*ptr)) return false;  // "12x"
  s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
  s = trim(s);
  return true;
}

}  // namespace

Network read_edge_list(const std::string& path, std::uint32_t n) {
  std::ifstream in(path);
  if (!in) throw IoError(path, "cannot open edge list for reading");
  constexpr std::uint64_t kMaxId = std::numeric_limits<std::uint32_t>::max() - 1;  // n itself must fit
  std::vector<Edge> edges;
  std::uint64_t max_id = 0;
  std::string line;
  std::uint64_t line_no = 0;
  auto fail = [&](const std::string& what) {
    throw IoError(path, "line " + std::to_string(line_no) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view s = line;
    if (const auto hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
    s = trim(s);
    if (s.empty()) continue;
    std::uint64_t a = 0, b = 0;
    if (!take_id(s, a) || !take_id(s, b) || !s.empty())
      fail("expected two non-negative node ids \"i j\", got \"" + std::string(trim(line)) + "\"");
    for (const std::uint64_t id : {a, b}) {
      if (id > kMaxId) fail("node id " + std::to_string(id) + " exceeds the 32-bit node id range");
      if (n != 0 && id >= n) fail("node id " + std::to_string(id) + " is not below n = " + std::to_string(n));
    }
    max_id = std::max({max_id, a, b});
    edges.emplace_back(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b));
  }
  if (in.bad()) throw IoError(path, "read error after line " + std::to_string(line_no));
  if (n == 0 && !edges.empty()) n = static_cast<std::uint32_t>(max_id + 1);
  return Network::from_edges(n, std::move(edges));
}

void write_edge_list(const Network& g, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw IoError(path, "cannot open edge list for writing");
  out << "# tegenmacht edge list: " << g.size() << " nodes, " << g.edge_count() << " undirected edges, one per line as \"i j\" with i < j\n";
  std::string buf;
  buf.reserve(1 << 16);
  char num[16];
  auto append = [&](std::uint32_t v) {
    const auto res = std::to_chars(num, num + sizeof num, v);
    buf.append(num, res.ptr);
  };
  for (std::uint32_t i = 0; i < g.size(); ++i) {
    g.for_each_neighbour(i, [&](std::uint32_t j) {
      if (j <= i) return;
      append(i);
      buf.push_back(' ');
      append(j);
      buf.push_back('\n');
      if (buf.size() > (1 << 16) - 32) {
        out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
        buf.clear();
      }
    });
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  out.close();
  if (!out) throw IoError(path, "write failed");
}

}  // namespace tegenmacht
