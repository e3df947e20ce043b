#include "schelling/schelling.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "tegenmacht/error.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/state.hpp"

namespace tegenmacht::models {

namespace {
enum : std::uint32_t {
  kPurposePlace = kPurposeModelBase,
  kPurposeOrder,
  kPurposeMove,
};
constexpr std::size_t kBlock = 4096;

/// Cells equal to `value` in the (2R + 1)² window centred on c, a grid row
/// being `pw` cells long. R fixed at compile time for the common radii, so
/// the loops unroll into straight compares.
template <int R>
inline std::uint32_t window_count(const std::uint8_t* c, std::uint32_t pw, std::uint8_t value) noexcept {
  const std::uint8_t* row = c - static_cast<std::ptrdiff_t>(R) * pw - R;
  std::uint32_t n = 0;
  for (int dy = 0; dy <= 2 * R; ++dy, row += pw)
    for (int dx = 0; dx <= 2 * R; ++dx) n += row[dx] == value;
  return n;
}
inline std::uint32_t window_count(const std::uint8_t* c, std::uint32_t pw, std::uint32_t r,
                                  std::uint8_t value) noexcept {
  switch (r) {
    case 1: return window_count<1>(c, pw, value);
    case 2: return window_count<2>(c, pw, value);
    case 3: return window_count<3>(c, pw, value);
    default: break;
  }
  const std::uint8_t* row = c - static_cast<std::ptrdiff_t>(r) * pw - r;
  std::uint32_t n = 0;
  for (std::uint32_t dy = 0; dy <= 2 * r; ++dy, row += pw)
    for (std::uint32_t dx = 0; dx <= 2 * r; ++dx) n += row[dx] == value;
  return n;
}
}  // namespace

void SchellingModel::declare_schema(Schema& s) {
  s.add_int("width", 40, 1, 65535, "grid width (cells); the grid is bounded, not a torus");
  s.add_int("height", 40, 1, 65535, "grid height (cells)");
  s.add_int("agents", 1000, 0, 2147483647.0,
            "number of agents K; floor(K/2) in group 1 and the rest in group 2, on distinct random cells");
  s.add_int("radius", 1, 1, 1000, "r: neighbours are the agents within Chebyshev distance r (cells), own cell excluded");
  s.add_int("wanted", 3, 0, 1e6,
            "an agent is happy if at least this many neighbours are of its own group (a count, not a share; at "
            "most (2r+1)^2 - 1)");
  s.add_bool("recheck_happy", true,
             "true: every agent counts its neighbours at every step (ABMFrameworksComparison's declaration since "
             "2023); false: an agent found happy does nothing in later steps (the declaration before)");
}

void SchellingModel::init(const Config& cfg, const Rng& rng, Parallel& par) {
  par_ = &par;
  w_ = static_cast<std::uint32_t>(cfg.get_int("width"));
  h_ = static_cast<std::uint32_t>(cfg.get_int("height"));
  r_ = static_cast<std::uint32_t>(cfg.get_int("radius"));
  wanted_ = static_cast<std::uint32_t>(cfg.get_int("wanted"));
  recheck_ = cfg.get_bool("recheck_happy");
  pw_ = w_ + 2 * r_;
  const std::uint64_t padded = static_cast<std::uint64_t>(pw_) * (h_ + 2 * r_);
  if (padded >= 0x7FFFFFFFull) cfg.fail("width", "(width + 2 radius) × (height + 2 radius) must be below 2^31 cells");
  const std::uint64_t window = (2ull * r_ + 1) * (2ull * r_ + 1);
  if (wanted_ > window - 1)
    cfg.fail("wanted", "at most " + std::to_string(window - 1) + " neighbours fit within radius " +
                           std::to_string(r_) + "; nobody could ever be happy");
  const auto cells = static_cast<std::uint32_t>(static_cast<std::uint64_t>(w_) * h_);
  const auto k64 = static_cast<std::uint64_t>(cfg.get_int("agents"));
  if (k64 > cells)
    cfg.fail("agents", std::to_string(k64) + " agents do not fit on " + std::to_string(cells) + " cells");
  const auto k = static_cast<std::uint32_t>(k64);

  grid_.assign(static_cast<std::size_t>(padded), 0);
  empty_.resize(cells);
  for (std::uint32_t y = 0, i = 0; y < h_; ++y)
    for (std::uint32_t x = 0; x < w_; ++x) empty_[i++] = pad(x, y);
  x_.resize(k);
  y_.resize(k);
  group_.resize(k);
  happy_.assign(k, 0);
  order_.resize(k);
  // K distinct uniform cells: a partial Fisher–Yates that moves agent i's
  // cell to position cells - 1 - i; what stays in front is the empty list
  auto st = rng.stream(kInitStep, 0, kPurposePlace);
  for (std::uint32_t i = 0; i < k; ++i) {
    const std::uint32_t last = cells - 1 - i;
    std::swap(empty_[st.below(last + 1)], empty_[last]);
    const std::uint32_t p = empty_[last];
    x_[i] = p % pw_ - r_;
    y_[i] = p / pw_ - r_;
    group_[i] = i < k / 2 ? 1 : 2;
    grid_[p] = group_[i];
  }
  empty_.resize(cells - k);
  moves_ = 0;
}

std::uint32_t SchellingModel::count_in_window(std::uint32_t p, std::uint8_t value) const noexcept {
  return window_count(grid_.data() + p, pw_, r_, value);
}

std::uint32_t SchellingModel::count_occupied_in_window(std::uint32_t p) const noexcept {
  const std::uint32_t window = (2 * r_ + 1) * (2 * r_ + 1);
  return window - count_in_window(p, 0);
}

std::uint32_t SchellingModel::similar_neighbours(std::uint32_t a) const noexcept {
  return count_in_window(pad(x_[a], y_[a]), group_[a]) - 1;  // its own cell holds its group
}

std::uint32_t SchellingModel::occupied_neighbours(std::uint32_t a) const noexcept {
  return count_occupied_in_window(pad(x_[a], y_[a])) - 1;
}

void SchellingModel::move_to(std::uint32_t a, std::uint32_t j) noexcept {
  const std::uint32_t p = pad(x_[a], y_[a]);
  const std::uint32_t q = empty_[j];
  empty_[j] = p;  // the cell it leaves takes the place of the one it takes: O(1)
  grid_[q] = grid_[p];
  grid_[p] = 0;
  x_[a] = q % pw_ - r_;
  y_[a] = q / pw_ - r_;
}

bool SchellingModel::activate(std::uint32_t a, Stream& s) noexcept {
  if (similar_neighbours(a) >= wanted_) {
    happy_[a] = 1;
    return false;
  }
  happy_[a] = 0;
  if (empty_.empty()) return false;  // a full grid: nowhere to go
  move_to(a, s.below(static_cast<std::uint32_t>(empty_.size())));
  return true;
}

void SchellingModel::step(const StepContext& ctx) {
  // random activation: every agent once, in an order shuffled afresh every
  // step; one after the other, since each move changes what later agents see
  std::iota(order_.begin(), order_.end(), 0u);
  auto so = ctx.rng.stream(ctx.step, 0, kPurposeOrder);
  shuffle(so, order_.data(), order_.size());
  // the destinations are drawn from one stream per step, in activation order
  auto sm = ctx.rng.stream(ctx.step, 0, kPurposeMove);
  std::uint32_t moved = 0;
  if (recheck_) {
    for (const std::uint32_t a : order_) moved += activate(a, sm) ? 1u : 0u;
  } else {
    for (const std::uint32_t a : order_)
      if (!happy_[a]) moved += activate(a, sm) ? 1u : 0u;
  }
  moves_ = moved;
}

void SchellingModel::declare(Recorder& rec) {
  m_happy_ = rec.scalar("happy", "share",
                        "share of agents with at least `wanted` neighbours of their own group after the step");
  m_moves_ = rec.scalar("moves", "agents", "agents that moved in the step");
  m_similar_ = rec.scalar("similar", "share",
                          "segregation index: mean over agents with at least one neighbour of the share of their "
                          "neighbours that are of their own group (random placement: about 0.5)");
}

void SchellingModel::observe(Recorder& rec) {
  rec.set(m_moves_, moves_);
  if (!rec.enabled(m_happy_) && !rec.enabled(m_similar_)) return;
  // counts do not depend on order: fixed blocks, partials combined in block order
  const std::size_t n = group_.size();
  std::vector<double> part(3 * Parallel::block_count(n, kBlock), 0.0);
  par_->for_blocks(n, kBlock, [&](std::size_t b, std::size_t begin, std::size_t end) {
    std::uint32_t happy = 0, with_neighbours = 0;
    double share = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const auto a = static_cast<std::uint32_t>(i);
      const std::uint32_t same = similar_neighbours(a), occupied = occupied_neighbours(a);
      happy += same >= wanted_ ? 1u : 0u;
      if (occupied > 0) {
        ++with_neighbours;
        share += static_cast<double>(same) / occupied;
      }
    }
    part[3 * b] = happy;
    part[3 * b + 1] = with_neighbours;
    part[3 * b + 2] = share;
  });
  double happy = 0, with_neighbours = 0, share = 0;
  for (std::size_t b = 0; b < part.size(); b += 3) {
    happy += part[b];
    with_neighbours += part[b + 1];
    share += part[b + 2];
  }
  rec.set(m_happy_, n > 0 ? happy / static_cast<double>(n) : 1.0);
  rec.set(m_similar_, with_neighbours > 0 ? share / with_neighbours : 0.0);
}

std::vector<ColumnView> SchellingModel::columns() const {
  const std::size_t n = group_.size();
  return {{"x", ColumnView::Type::U32, x_.data(), n, "column of the agent's cell, 0 .. width - 1"},
          {"y", ColumnView::Type::U32, y_.data(), n, "row of the agent's cell, 0 .. height - 1"},
          {"group", ColumnView::Type::U8, group_.data(), n, "1 or 2"},
          {"happy", ColumnView::Type::U8, happy_.data(), n, "1 if happy at its last activation"}};
}

void SchellingModel::set_layout(std::span<const std::uint32_t> x, std::span<const std::uint32_t> y,
                                std::span<const std::uint8_t> g) {
  const std::size_t k = group_.size();
  if (x.size() != k || y.size() != k || g.size() != k)
    throw ArgumentError("layout", "needs one cell and group for each of the " + std::to_string(k) + " agents");
  std::vector<std::uint8_t> grid(grid_.size(), 0);
  for (std::size_t i = 0; i < k; ++i) {
    if (x[i] >= w_ || y[i] >= h_) throw ArgumentError("layout", "agent " + std::to_string(i) + " is off the grid");
    if (g[i] != 1 && g[i] != 2) throw ArgumentError("layout", "agent " + std::to_string(i) + ": group must be 1 or 2");
    std::uint8_t& c = grid[pad(x[i], y[i])];
    if (c != 0) throw ArgumentError("layout", "agent " + std::to_string(i) + ": its cell is taken");
    c = g[i];
  }
  grid_ = std::move(grid);
  std::copy(x.begin(), x.end(), x_.begin());
  std::copy(y.begin(), y.end(), y_.begin());
  std::copy(g.begin(), g.end(), group_.begin());
  std::fill(happy_.begin(), happy_.end(), 0);
  empty_.clear();
  for (std::uint32_t yy = 0; yy < h_; ++yy)
    for (std::uint32_t xx = 0; xx < w_; ++xx)
      if (grid_[pad(xx, yy)] == 0) empty_.push_back(pad(xx, yy));
}

void SchellingModel::state(State& s) {
  s.add("grid", grid_).add("empty_cells", empty_).add("agents/x", x_).add("agents/y", y_);
  s.add("agents/group", group_).add("agents/happy", happy_).add("moves", moves_);
  s.scratch("order", order_);
}

void register_schelling_model() {
  ModelInfo info{"schelling", "Schelling (1971) segregation, ABMFrameworksComparison variant",
                 SchellingModel::declare_schema, [] { return std::make_unique<SchellingModel>(); }};
  // peak bytes of one replicate: the bordered grid (1 byte a cell), the empty
  // list (4 bytes an empty cell) and 14 bytes an agent (x, y, order: 4 each;
  // group, happy: 1 each)
  info.memory_estimate = [](const Config& c) {
    const double w = static_cast<double>(c.get_int("width")), h = static_cast<double>(c.get_int("height"));
    const double r = static_cast<double>(c.get_int("radius")), k = static_cast<double>(c.get_int("agents"));
    return (w + 2 * r) * (h + 2 * r) + 4.0 * w * h + 14.0 * k;
  };
  Registry::instance().add(std::move(info));
}

}  // namespace tegenmacht::models
