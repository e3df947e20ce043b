// A `network:` section of a scenario, shared by the models that run on a
// generic contact network.
#pragma once

#include <cstdint>
#include <string>

#include "tegenmacht/config.hpp"
#include "tegenmacht/network.hpp"

namespace tegenmacht {

/// Declares type, mean_degree, rewire, width, neighbourhood, radius, path.
void declare_network_schema(Schema& section);
/// Builds the network described at `prefix` (e.g. "network") for n nodes.
/// Inconsistent values (a lattice whose width does not divide n, an odd
/// Watts–Strogatz degree) are reported as ConfigError at their location.
Network network_from_config(const Config& config, const std::string& prefix, std::uint32_t n, const Rng& rng);
/// Peak bytes building that network takes (8 per node per link end: the CSR
/// arrays and the generator's edge list; a complete network is implicit and
/// takes none), before it is built: for ModelInfo::memory_estimate.
double network_bytes_estimate(const Config& config, const std::string& prefix, double n);

}  // namespace tegenmacht
