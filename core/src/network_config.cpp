#include "tegenmacht/network_config.hpp"

#include <filesystem>

#include <cmath>

#include "tegenmacht/rng.hpp"

namespace tegenmacht {

void declare_network_schema(Schema& s) {
  s.add_choice("type", "complete",
               {"complete", "erdos_renyi", "watts_strogatz", "barabasi_albert", "lattice", "edgelist"},
               "network generator");
  s.add_double("mean_degree", 12, 0, 1e6,
               "erdos_renyi: expected degree; watts_strogatz: k (even); barabasi_albert: 2m (even)");
  s.add_double("rewire", 0, 0, 1, "watts_strogatz and lattice: probability that an edge is rewired");
  s.add_int("width", 0, 0, 1e6, "lattice: torus width (0: square, width = sqrt(n)); height = n / width");
  s.add_choice("neighbourhood", "moore", {"von_neumann", "moore"}, "lattice: neighbourhood shape");
  s.add_int("radius", 1, 1, 1000, "lattice: neighbourhood radius");
  s.add_string("path", "", "edgelist: file of 'i j' lines, relative to the scenario file");
}

double network_bytes_estimate(const Config& cfg, const std::string& p, double n) {
  const std::string type = cfg.get_string(p + ".type");
  double degree = cfg.get_double(p + ".mean_degree");
  if (type == "complete") return 0;
  if (type == "lattice") {
    const double r = static_cast<double>(cfg.get_int(p + ".radius"));
    degree = cfg.get_string(p + ".neighbourhood") == "moore" ? (2 * r + 1) * (2 * r + 1) - 1 : 2 * r * (r + 1);
  }
  if (type == "edgelist") {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(cfg.get_string(p + ".path"), ec);
    return ec ? 0.0 : 2.0 * static_cast<double>(bytes);  // a line "a b" per link, two ends of 4 bytes each
  }
  return 8.0 * n * degree + 8.0 * n;
}

Network network_from_config(const Config& cfg, const std::string& p, std::uint32_t n, const Rng& rng) {
  const std::string type = cfg.get_string(p + ".type");
  const double k = cfg.get_double(p + ".mean_degree");
  const double rewire = cfg.get_double(p + ".rewire");
  try {
    if (type == "complete") return Network::complete(n);
    if (type == "erdos_renyi") {
      if (n < 2) return Network::from_edges(n, {});
      if (k > n - 1) cfg.fail(p + ".mean_degree", "exceeds n - 1 = " + std::to_string(n - 1));
      return generators::erdos_renyi(n, k / (n - 1.0), rng);
    }
    if (type == "watts_strogatz") {
      const auto kk = static_cast<std::uint32_t>(k);
      if (kk != k || kk % 2 != 0 || kk >= n)
        cfg.fail(p + ".mean_degree", "watts_strogatz needs an even integer degree below n = " + std::to_string(n));
      return generators::watts_strogatz(n, kk, rewire, rng);
    }
    if (type == "barabasi_albert") {
      // each newcomer brings m links, so the mean degree is 2m: an odd or fractional value
      // cannot be met and is refused rather than rounded
      const auto m = static_cast<std::uint32_t>(k / 2);
      if (2.0 * m != k || m < 1 || m >= n) {
        std::string near = m >= 1 ? std::to_string(2 * m) + " or " + std::to_string(2 * m + 2) : std::string("2");
        cfg.fail(p + ".mean_degree", "barabasi_albert needs an even whole mean degree 2m (each newcomer links to m "
                                     "earlier agents), from 2 to " + std::to_string(2 * (n - 1)) + "; got " +
                                     format_double(k) + (2.0 * m != k ? "; use " + near : std::string()));
      }
      return generators::barabasi_albert(n, m, rng);
    }
    if (type == "lattice") {
      auto w = static_cast<std::uint32_t>(cfg.get_int(p + ".width"));
      if (w == 0) w = static_cast<std::uint32_t>(std::lround(std::sqrt(static_cast<double>(n))));
      if (w == 0 || n % w != 0)
        cfg.fail(p + ".width", "lattice width " + std::to_string(w) + " does not divide n = " + std::to_string(n));
      const auto kind = cfg.get_string(p + ".neighbourhood") == "moore" ? generators::LatticeNeighbourhood::Moore
                                                                       : generators::LatticeNeighbourhood::VonNeumann;
      Network g = generators::torus_lattice(w, n / w, kind, static_cast<std::uint32_t>(cfg.get_int(p + ".radius")));
      return rewire > 0 ? generators::rewire(g, rewire, rng) : g;
    }
    // edgelist: relative paths are taken from the scenario file's folder
    std::string path = cfg.get_string(p + ".path");
    if (path.empty()) cfg.fail(p + ".type", "an edgelist network needs `" + p + ".path`");
    if (path[0] != '/') {
      const auto slash = cfg.source().find_last_of('/');
      if (slash != std::string::npos) path = cfg.source().substr(0, slash + 1) + path;
    }
    try {
      return read_edge_list(path, n);
    } catch (const IoError& e) {
      cfg.fail(p + ".path", e.what());
    }
  } catch (const ArgumentError& e) {
    cfg.fail(p, e.what());
  }
}

}  // namespace tegenmacht
