// Schelling's (1971) segregation model in the variant that the
// ABMFrameworksComparison benchmark declares: two equal groups on a bounded,
// non-periodic grid; each step every agent, in an order shuffled afresh,
// counts the agents of its own group within Chebyshev radius r and moves to a
// uniformly random empty cell if there are fewer than `wanted`. See
// models/schelling/README.md for the rules as implemented and their sources.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tegenmacht/model.hpp"

namespace tegenmacht::models {

class SchellingModel final : public Model {
 public:
  static void declare_schema(Schema& s);

  void init(const Config& config, const Rng& rng, Parallel& parallel) override;
  void declare(Recorder& recorder) override;
  void step(const StepContext& ctx) override;
  void observe(Recorder& recorder) override;
  std::vector<ColumnView> columns() const override;
  void state(State& s) override;

  std::uint32_t width() const noexcept { return w_; }
  std::uint32_t height() const noexcept { return h_; }
  std::uint32_t radius() const noexcept { return r_; }
  std::uint32_t wanted() const noexcept { return wanted_; }
  std::uint32_t agents() const noexcept { return static_cast<std::uint32_t>(group_.size()); }
  /// Column x of every agent's cell, 0 <= x < width.
  const std::vector<std::uint32_t>& x() const noexcept { return x_; }
  /// Row y of every agent's cell, 0 <= y < height.
  const std::vector<std::uint32_t>& y() const noexcept { return y_; }
  /// Group of every agent: 1 or 2.
  const std::vector<std::uint8_t>& group() const noexcept { return group_; }
  /// 1 if the agent was happy at its last activation (0 before its first).
  const std::vector<std::uint8_t>& happy() const noexcept { return happy_; }
  /// The group on cell (x, y): 0 empty, 1 or 2.
  std::uint8_t cell(std::uint32_t x, std::uint32_t y) const noexcept { return grid_[pad(x, y)]; }
  /// Number of empty cells (width × height − agents).
  std::uint32_t empty_cells() const noexcept { return static_cast<std::uint32_t>(empty_.size()); }
  /// Agents that moved in the last step.
  std::uint32_t moves() const noexcept { return moves_; }

  /// Agents of a's own group within Chebyshev distance r of a's cell, a excluded.
  std::uint32_t similar_neighbours(std::uint32_t a) const noexcept;
  /// Agents of either group within Chebyshev distance r of a's cell, a excluded.
  std::uint32_t occupied_neighbours(std::uint32_t a) const noexcept;

  /// One activation of agent a (the rule of a step, for one agent): happy if
  /// similar_neighbours(a) >= wanted, else a moves to empty cell number
  /// s.below(empty_cells()) of the empty-cell list. Returns true if it moved.
  bool activate(std::uint32_t a, Stream& s) noexcept;

  /// Replaces the layout: agent i on cell (x[i], y[i]) with group g[i] (1 or
  /// 2); the empty-cell list becomes the remaining cells in row-major order.
  /// For hand-made test cases; throws ArgumentError if the sizes differ from
  /// agents(), a cell is outside the grid or taken twice, or a group is not 1 or 2.
  void set_layout(std::span<const std::uint32_t> x, std::span<const std::uint32_t> y,
                  std::span<const std::uint8_t> g);

 private:
  // The grid carries a border of r empty cells on every side that no agent
  // ever enters, so a neighbourhood is always the full (2r + 1)² window: no
  // clipping and no wrapping in the inner loop, and border cells of the grid
  // proper see fewer neighbours because the border holds nobody.
  std::uint32_t pad(std::uint32_t x, std::uint32_t y) const noexcept { return (y + r_) * pw_ + x + r_; }
  std::uint32_t count_in_window(std::uint32_t p, std::uint8_t value) const noexcept;
  std::uint32_t count_occupied_in_window(std::uint32_t p) const noexcept;
  void move_to(std::uint32_t a, std::uint32_t j) noexcept;

  Parallel* par_ = nullptr;
  std::uint32_t w_ = 0, h_ = 0, r_ = 1, pw_ = 0, wanted_ = 3;
  bool recheck_ = true;
  std::vector<std::uint8_t> grid_;     // (w + 2r) × (h + 2r), row-major: 0 empty, 1 or 2 a group
  std::vector<std::uint32_t> empty_;   // padded index of every empty cell, in no particular order
  std::vector<std::uint32_t> x_, y_;   // agent columns
  std::vector<std::uint8_t> group_, happy_;
  std::vector<std::uint32_t> order_;   // activation order of the step (scratch)
  std::uint32_t moves_ = 0;
  Recorder::Id m_happy_ = 0, m_moves_ = 0, m_similar_ = 0;
};

void register_schelling_model();

}  // namespace tegenmacht::models
