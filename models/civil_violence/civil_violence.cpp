#include "civil_violence/civil_violence.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "tegenmacht/registry.hpp"
#include "tegenmacht/state.hpp"

namespace tegenmacht::models {

namespace {
enum : std::uint32_t {
  kPurposePlace = kPurposeModelBase,
  kPurposeTraits,
  kPurposeOrder,
  kPurposeAct,
  kPurposeRelease,
  kPurposeDuty,
};
constexpr std::size_t kBlock = 16384;
constexpr std::uint32_t kOffDuty = 0xFFFFFFFFu;
constexpr std::uint32_t kNone = 0xFFFFFFFFu;  // no arrest

Schedule read_schedule(const Config& cfg, const std::string& p, const std::string& initial_key,
                       const std::string& final_key) {
  Schedule s;
  const std::string kind = cfg.get_string(p + ".schedule");
  s.kind = kind == "gradual" ? Schedule::Kind::Gradual
                             : kind == "sudden" ? Schedule::Kind::Sudden : Schedule::Kind::Constant;
  s.initial = cfg.get_double(p + "." + initial_key);
  s.final = s.kind == Schedule::Kind::Constant ? s.initial : cfg.get_double(p + "." + final_key);
  s.start = static_cast<std::uint32_t>(cfg.get_int(p + ".start"));
  s.end = static_cast<std::uint32_t>(cfg.get_int(p + ".end"));
  if (s.kind == Schedule::Kind::Gradual && s.end <= s.start)
    cfg.fail(p + ".end", "a gradual change needs end > start (" + std::to_string(s.start) + ")");
  return s;
}
}  // namespace

double arrest_ratio(ArrestRatio mode, std::uint32_t cops, std::uint32_t actives) noexcept {
  switch (mode) {
    case ArrestRatio::Exact:
      return static_cast<double>(cops) / actives;
    case ArrestRatio::Floor:
      return cops / actives;
    case ArrestRatio::Round: {
      // half to even, in integers: C/A = q + rem/A
      const std::uint32_t q = cops / actives, rem = cops % actives;
      const std::uint64_t twice = 2ull * rem;
      if (twice > actives) return q + 1.0;
      if (twice < actives) return q;
      return q % 2 == 0 ? q : q + 1.0;
    }
  }
  return 0;
}

double Schedule::at(std::uint32_t step) const noexcept {
  switch (kind) {
    case Kind::Constant:
      return initial;
    case Kind::Sudden:
      return step >= start ? final : initial;
    case Kind::Gradual:
      if (step <= start) return initial;
      if (step >= end) return final;
      return initial + (final - initial) * (static_cast<double>(step - start) / (end - start));
  }
  return initial;
}

std::vector<std::pair<int, int>> vision_offsets(VisionShape shape, double v, std::uint32_t width,
                                                std::uint32_t height) {
  const int r = static_cast<int>(std::floor(v));
  std::vector<std::pair<int, int>> out;
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  const auto w = static_cast<std::int64_t>(width), h = static_cast<std::int64_t>(height);
  for (int dy = -r; dy <= r; ++dy) {
    for (int dx = -r; dx <= r; ++dx) {
      bool in = false;
      switch (shape) {
        case VisionShape::VonNeumann: in = std::abs(dx) + std::abs(dy) <= r; break;
        case VisionShape::Moore: in = true; break;
        case VisionShape::Cross: in = dx == 0 || dy == 0; break;
        case VisionShape::Euclidean: in = static_cast<double>(dx * dx + dy * dy) <= v * v; break;
      }
      if (!in) continue;
      const auto a = static_cast<std::uint32_t>(((dx % w) + w) % w);
      const auto b = static_cast<std::uint32_t>(((dy % h) + h) % h);
      if (a == 0 && b == 0) continue;  // the own site (or a wrap onto it)
      if (!seen.insert({a, b}).second) continue;
      out.emplace_back(dx, dy);
    }
  }
  return out;
}

Outbursts find_outbursts(std::span<const double> active, double threshold, std::size_t from) {
  Outbursts o;
  for (std::size_t t = from; t < active.size();) {
    if (!(active[t] > threshold)) {
      ++t;
      continue;
    }
    const std::size_t first = t;
    double sum = 0, peak = 0;
    for (; t < active.size() && active[t] > threshold; ++t) {
      sum += active[t];
      peak = std::max(peak, active[t]);
    }
    if (!o.start.empty()) {
      o.waiting.push_back(static_cast<double>(first - o.start.back()));
      o.trough.push_back(*std::min_element(active.begin() + static_cast<std::ptrdiff_t>(o.end.back()),
                                           active.begin() + static_cast<std::ptrdiff_t>(first)));
    }
    o.start.push_back(first);
    o.end.push_back(t);  // an outburst still going at the end counts; its total is a lower bound
    o.activation.push_back(sum);
    o.peak.push_back(peak);
  }
  o.count = static_cast<std::uint32_t>(o.start.size());
  return o;
}

std::vector<std::string> epstein_closest_rules() {
  return {"arrest_ratio=round", "jail.terms=exclusive", "rule_order=move_then_act", "jail.keep_site=false",
          "cops.move_to_arrest=true", "vision.shape=euclidean"};
}

void CivilViolenceModel::declare_schema(Schema& s) {
  s.add_int("width", 40, 1, 65535, "torus width (sites)");
  s.add_int("height", 40, 1, 65535, "torus height (sites)");
  s.add_double("citizen_density", 0.7, 0, 1, "citizens per site");
  s.add_double("threshold", 0.1, -1e6, 1e6, "T: a citizen is active iff G - N > T");
  s.add_double("k", 2.3, 0, 1e6, "arrest constant: P = 1 - exp(-k ratio)");
  s.add_choice("arrest_ratio", "floor", {"floor", "round", "exact"},
               "ratio in P: floor(C/A) (NetLogo Rebellion), round(C/A) half to even (Mesa), or exact C/A "
               "(the printed formula)");
  s.add_bool("movement", true, "citizens move to a random empty site in vision (cops always move)");
  s.add_choice("rule_order", "move_then_act", {"move_then_act", "act_then_move"},
               "order of the rules within one activation: move_then_act: move (rule M), then decide (A) or arrest "
               "(C) from the new site (NetLogo Rebellion); act_then_move: decide or arrest from the old site, then "
               "move (Mesa)");
  auto& v = s.section("vision", "what agents see");
  v.add_double("citizen", 7, 0, 1e4, "citizen vision radius v (sites)");
  v.add_double("cop", 7, 0, 1e4, "cop vision radius v* (sites)");
  v.add_choice("shape", "euclidean", {"euclidean", "moore", "von_neumann", "cross"},
               "euclidean: dx^2 + dy^2 <= v^2 (NetLogo); moore: max(abs(dx), abs(dy)) <= v (Mesa until 2024); "
               "von_neumann: abs(dx) + abs(dy) <= v (Mesa since 2024); cross: the v sites north, south, east and west "
               "(Epstein's wording read literally, as in Sugarscape)");
  auto& l = s.section("legitimacy", "regime legitimacy L over time");
  l.add_double("initial", 0.82, 0, 1, "L at step 0");
  l.add_choice("schedule", "constant", {"constant", "gradual", "sudden"},
               "constant; gradual: linear from initial (step start) to final (step end); sudden: final from step start");
  l.add_double("final", 0.7, 0, 1, "L after the change");
  l.add_int("start", 0, 0, 1e9, "step at which the change starts");
  l.add_int("end", 0, 0, 1e9, "gradual: step at which L reaches final");
  auto& c = s.section("cops", "cops: density and its changes");
  c.add_double("density", 0.04, 0, 1, "cops per site at step 0");
  c.add_choice("schedule", "constant", {"constant", "gradual", "sudden"},
               "constant; gradual: density moves linearly to final_density between start and end; sudden: at start");
  c.add_double("final_density", 0.04, 0, 1, "cop density after the change (withdrawn cops leave the lattice)");
  c.add_int("start", 0, 0, 1e9, "step at which the change starts");
  c.add_int("end", 0, 0, 1e9, "gradual: step at which the density reaches final_density");
  c.add_bool("move_to_arrest", true,
             "a cop moves to the site of the citizen it arrests (NetLogo); with act_then_move this is its move of "
             "the step. false: cops move only by rule M (Mesa)");
  auto& j = s.section("jail", "jail terms");
  j.add_double("max_term", 30, 0, std::numeric_limits<double>::infinity(),
               "J_max: jail terms are drawn up to J_max steps (see terms); .inf jails for life");
  j.add_choice("terms", "inclusive", {"inclusive", "exclusive"},
               "jail terms are uniform integers: inclusive: 0..J_max (Mesa's randint(0, J_max); mean J_max/2 as "
               "U(0, J_max)); exclusive: 0..J_max - 1 (NetLogo's random J_max)");
  j.add_bool("keep_site", false,
             "jailed citizens keep occupying the site of their arrest, where they return (Mesa); false: they "
             "leave the lattice and free the site (NetLogo). true needs cops.move_to_arrest: false");
}

CivilViolenceModel::Vision CivilViolenceModel::make_vision(double v) const {
  Vision out;
  int& reach = out.reach;
  for (const auto& [dx, dy] : vision_offsets(shape_, v, w_, h_)) {
    const int w = static_cast<int>(w_), h = static_cast<int>(h_);
    out.wrap.emplace_back(static_cast<std::uint32_t>(((dx % w) + w) % w), static_cast<std::uint32_t>(((dy % h) + h) % h));
    reach = std::max({reach, std::abs(dx), std::abs(dy)});
    if (!out.runs.empty() && out.runs.back().dy == dy && out.runs.back().hi + 1 == dx)
      ++out.runs.back().hi;
    else
      out.runs.push_back({dy, dx, dx});
  }
  // runs need every site of the window to be distinct
  out.use_runs = 2 * static_cast<std::int64_t>(reach) + 1 <= static_cast<std::int64_t>(std::min(w_, h_));
  for (const auto& r : out.runs)
    for (int lo = r.lo; lo <= r.hi; lo += 56) {
      const int len = std::min(56, r.hi - lo + 1);
      out.pieces.push_back({r.dy, lo, (std::uint64_t{1} << len) - 1});
    }
  return out;
}

template <class F>
void CivilViolenceModel::for_each_run(const Vision& v, std::uint32_t site, F&& f) const {
  const std::uint32_t y = w_ >= 2 ? div_w(site) : site, x = site - y * w_;
  for_each_run(v, x, y, f);
}

template <class F>
void CivilViolenceModel::for_each_run(const Vision& v, std::uint32_t x, std::uint32_t y, F&& f) const {
  if (!v.use_runs) {
    for (const auto& [a, b] : v.wrap) {
      std::uint32_t nx = x + a, ny = y + b;
      if (nx >= w_) nx -= w_;
      if (ny >= h_) ny -= h_;
      f(ny * w_ + nx, 1u);
    }
    return;
  }
  const auto w = static_cast<std::int64_t>(w_), h = static_cast<std::int64_t>(h_);
  for (const auto& r : v.runs) {
    std::int64_t ny = static_cast<std::int64_t>(y) + r.dy;
    ny += h & -static_cast<std::int64_t>(ny < 0);
    ny -= h & -static_cast<std::int64_t>(ny >= h);
    const auto row = static_cast<std::uint32_t>(ny * w);
    const std::int64_t a = static_cast<std::int64_t>(x) + r.lo, b = static_cast<std::int64_t>(x) + r.hi;
    if (a < 0) {  // [a + w, w) then [0, b]
      f(row + static_cast<std::uint32_t>(a + w), static_cast<std::uint32_t>(-a));
      f(row, static_cast<std::uint32_t>(b + 1));
    } else if (b >= w) {  // [a, w) then [0, b - w]
      f(row + static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(w - a));
      f(row, static_cast<std::uint32_t>(b - w + 1));
    } else {
      f(row + static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b - a + 1));
    }
  }
}

void CivilViolenceModel::init(const Config& cfg, const Rng& rng, Parallel& par) {
  par_ = &par;
  w_ = static_cast<std::uint32_t>(cfg.get_int("width"));
  h_ = static_cast<std::uint32_t>(cfg.get_int("height"));
  if (w_ >= 2) inv_w_ = ~std::uint64_t{0} / w_ + 1;
  const std::uint64_t cells64 = static_cast<std::uint64_t>(w_) * h_;
  if (cells64 >= 0x7FFFFFFFull) cfg.fail("width", "width × height must be below 2^31 sites");
  const auto cells = static_cast<std::uint32_t>(cells64);
  threshold_ = cfg.get_double("threshold");
  k_ = cfg.get_double("k");
  const std::string ratio = cfg.get_string("arrest_ratio");
  ratio_ = ratio == "exact" ? ArrestRatio::Exact : ratio == "round" ? ArrestRatio::Round : ArrestRatio::Floor;
  movement_ = cfg.get_bool("movement");
  move_to_arrest_ = cfg.get_bool("cops.move_to_arrest");
  rule_order_ = cfg.get_string("rule_order") == "act_then_move" ? RuleOrder::ActThenMove : RuleOrder::MoveThenAct;
  terms_ = cfg.get_string("jail.terms") == "exclusive" ? JailTerms::Exclusive : JailTerms::Inclusive;
  keep_site_ = cfg.get_bool("jail.keep_site");
  if (keep_site_ && move_to_arrest_)
    cfg.fail("jail.keep_site",
             "a jailed citizen that keeps its site leaves no room for the arresting cop: set cops.move_to_arrest: "
             "false (as Mesa)");
  const std::string shape = cfg.get_string("vision.shape");
  shape_ = shape == "cross"         ? VisionShape::Cross
           : shape == "moore"       ? VisionShape::Moore
           : shape == "von_neumann" ? VisionShape::VonNeumann
                                    : VisionShape::Euclidean;
  cit_vision_ = make_vision(cfg.get_double("vision.citizen"));
  cop_vision_ = make_vision(cfg.get_double("vision.cop"));
  same_vision_ = cit_vision_.wrap == cop_vision_.wrap;
  max_term_ = cfg.get_double("jail.max_term");
  if (std::isfinite(max_term_) && (max_term_ != std::floor(max_term_) || max_term_ > 4e9))
    cfg.fail("jail.max_term", "must be a whole number of steps below 4e9, or .inf");
  legit_ = read_schedule(cfg, "legitimacy", "initial", "final");
  cops_ = read_schedule(cfg, "cops", "density", "final_density");

  nc_ = static_cast<std::uint32_t>(std::llround(cfg.get_double("citizen_density") * cells));
  duty_ = static_cast<std::uint32_t>(std::llround(cops_.initial * cells));
  nk_ = std::max(duty_, static_cast<std::uint32_t>(std::llround(cops_.final * cells)));
  if (static_cast<std::uint64_t>(nc_) + nk_ > cells)
    cfg.fail("citizen_density", "citizens (" + std::to_string(nc_) + ") and cops (" + std::to_string(nk_) +
                                    ") do not fit on " + std::to_string(cells) + " sites");
  const std::uint32_t agents = nc_ + nk_;

  hardship_.resize(nc_);
  risk_.resize(nc_);
  par.for_each(nc_, kBlock, [&](std::size_t i) {
    auto st = rng.stream(kInitStep, static_cast<std::uint32_t>(i), kPurposeTraits);
    hardship_[i] = st.uniform();
    risk_[i] = st.uniform();
  });
  state_.assign(nc_, Quiet);
  jail_.assign(nc_, 0);
  pos_.assign(agents, kOffDuty);
  occ_.assign(cells, -1);
  code_.assign(cells, kEmpty);
  seen_cops_.assign(cells, 0);
  seen_actives_.assign(cells, 0);
  bitmaps_ = w_ >= 2 && (cit_vision_.use_runs || cop_vision_.use_runs);
  if (bitmaps_) {
    pad_ = static_cast<std::uint32_t>(std::max(cit_vision_.use_runs ? cit_vision_.reach : 0,
                                               cop_vision_.use_runs ? cop_vision_.reach : 0));
    one_word_ = w_ + 2 * pad_ <= 64;
    row_words_ = (w_ + 2 * pad_ + 63) / 64 + (one_word_ ? 0 : 1);  // a spare word: a piece may end in the next
    const std::size_t words = static_cast<std::size_t>(row_words_) * (h_ + 2 * pad_);
    for (Vision* v : {&cit_vision_, &cop_vision_})
      for (auto& pc : v->pieces) pc.row_offset = static_cast<std::ptrdiff_t>(pc.dy) * row_words_;
    empty_bits_.assign(words, 0);
    active_bits_.assign(words, 0);
    for (std::uint32_t y = 0; y < h_; ++y)  // every site is empty
      for (std::uint32_t x = 0; x < w_; ++x) flip_bit(empty_bits_.data(), x, y);
    piece_mask_.assign(std::max(cit_vision_.pieces.size(), cop_vision_.pieces.size()), 0);
    piece_count_.assign(piece_mask_.size() + 1, 0);
  }
  // distinct random sites: the first nc_ + duty_ entries of a shuffled list of sites
  std::vector<std::uint32_t> sites(cells);
  std::iota(sites.begin(), sites.end(), 0u);
  auto st = rng.stream(kInitStep, 0, kPurposePlace);
  const std::uint32_t placed = nc_ + duty_;
  for (std::uint32_t i = 0; i < placed; ++i) {  // partial Fisher–Yates
    const std::uint32_t j = i + st.below(cells - i);
    std::swap(sites[i], sites[j]);
  }
  for (std::uint32_t c = 0; c < nc_; ++c) place(c, sites[c], kQuiet);
  for (std::uint32_t k = 0; k < duty_; ++k) place(nc_ + k, sites[nc_ + k], kCop);
  legitimacy_ = legit_.at(0);
  order_.resize(agents);
  block_words_.assign(4 * static_cast<std::size_t>(agents), 0);
  scratch_.assign(std::max(cit_vision_.wrap.size(), cop_vision_.wrap.size()) + 1, 0);
  if (ratio_ != ArrestRatio::Exact) {  // whole ratios q <= C <= the sites in vision
    arrest_p_.resize(std::min<std::size_t>(cit_vision_.wrap.size() + 1, 1u << 16));
    for (std::size_t q = 0; q < arrest_p_.size(); ++q) arrest_p_[q] = 1.0 - std::exp(-k_ * static_cast<double>(q));
  }
}

void CivilViolenceModel::place(std::uint32_t agent, std::uint32_t site, Code code) {
  pos_[agent] = site;
  occ_[site] = static_cast<std::int32_t>(agent);
  set_code(site, code);
}

void CivilViolenceModel::vacate(std::uint32_t site) {
  occ_[site] = -1;
  set_code(site, kEmpty);
}

inline void CivilViolenceModel::flip_bit(std::uint64_t* bits, std::uint32_t x, std::uint32_t y) const noexcept {
  // the site and its copies in the padding: at most one more column and one
  // more row, since 2 pad + 1 <= min(w, h)
  const std::size_t rw = row_words_;
  const std::uint32_t pad = pad_, w = w_, h = h_;
  std::uint64_t* r0 = bits + static_cast<std::size_t>(y + pad) * rw;
  const std::uint32_t p0 = x + pad;
  const std::uint32_t p1 = x < pad ? p0 + w : x + pad >= w ? p0 - w : p0;
  const std::uint64_t b0 = std::uint64_t{1} << (p0 & 63);
  const std::uint64_t b1 = p1 != p0 ? std::uint64_t{1} << (p1 & 63) : 0;
  r0[p0 >> 6] ^= b0;
  r0[p1 >> 6] ^= b1;
  if (y < pad || y + pad >= h) {
    std::uint64_t* r1 = y < pad ? r0 + static_cast<std::size_t>(h) * rw : r0 - static_cast<std::size_t>(h) * rw;
    r1[p0 >> 6] ^= b0;
    r1[p1 >> 6] ^= b1;
  }
}

namespace {
#if defined(__x86_64__) && defined(__GNUC__)
// The k-th counted site by AVX-512 comparisons and pdep where the processor
// has AVX-512 and BMI2 (chosen at run time; the same result as the portable
// code; pdep is slow on processors with BMI2 but without AVX-512, such as
// AMD's before Zen 4).
#define TEGENMACHT_CV_AVX512 1
#define TEGENMACHT_CV_AVX512_TARGET __attribute__((target("bmi,bmi2,popcnt,avx512f,avx512vl,avx512bw,avx512dq")))
const bool kAvx512 = [] {
  __builtin_cpu_init();  // a static initialiser may run before the one that fills in the processor's features
  return __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
}();

#endif
}  // namespace

inline void CivilViolenceModel::set_code(std::uint32_t site, std::uint8_t code) {
  const std::uint8_t old = code_[site];
  code_[site] = code;
  const bool de = (code == kEmpty) != (old == kEmpty), da = (code == kActive) != (old == kActive),
             dc = (code == kCop) != (old == kCop);
  if (!(de | da | dc)) return;
  const std::uint32_t y = w_ >= 2 ? div_w(site) : site, x = site - y * w_;
  if (bitmaps_) {  // the site's bit flips
    if (de) flip_bit(empty_bits_.data(), x, y);
    if (da) flip_bit(active_bits_.data(), x, y);
  }
  if (da | dc) add_seen(x, y, old, code);
}

void CivilViolenceModel::add_seen(std::uint32_t x, std::uint32_t y, std::uint8_t old, std::uint8_t code) {
  // +1, -1 (as 2^32 - 1: unsigned sums wrap) or 0 for each count
  const auto dc = static_cast<std::uint32_t>((code == kCop) - (old == kCop));
  const auto da = static_cast<std::uint32_t>((code == kActive) - (old == kActive));
  // one count at a time: a cop's move changes only the cops in sight
  auto add = [&](std::uint32_t* count, std::uint32_t d) {
    for_each_run(cit_vision_, x, y, [&](std::uint32_t first, std::uint32_t len) {
      std::uint32_t* c = count + first;
      for (std::uint32_t i = 0; i < len; ++i) c[i] += d;
    });
  };
  if (dc != 0) add(seen_cops_.data(), dc);
  if (da != 0) add(seen_actives_.data(), da);
}

namespace {
// (not under ThreadSanitizer: an ifunc resolver runs before its runtime is set
// up, and the program crashes while it loads)
#if defined(__x86_64__) && !defined(__POPCNT__) && defined(__has_attribute) && !defined(__SANITIZE_THREAD__)
#if __has_attribute(target_clones)
// the baseline x86-64 instruction set has no popcnt: a second version of the
// hot loop for processors that have it, chosen when the program loads
#define TEGENMACHT_CV_POPCNT __attribute__((target_clones("popcnt", "default")))
#endif
#endif
#ifndef TEGENMACHT_CV_POPCNT
#define TEGENMACHT_CV_POPCNT
#endif

/// Counts the sites set in the pieces of a vision of (x, y): `row` is the
/// bitmap row of y, base = x + pad (the bit of x); one_word: rows of one word
/// (no piece reaches into a second). Keeps each piece's bits in masks[i] and
/// the sites in the pieces before piece i in before[i] (before[np] the total,
/// returned). Loads whole words, as flip_bit stores them, so that a load finds
/// a recent store to its word in the store buffer.
TEGENMACHT_CV_POPCNT
std::uint32_t count_pieces(const VisionPiece* pieces, std::size_t np, const std::uint64_t* row, std::uint32_t base,
                           bool one_word, std::uint64_t* masks, std::uint32_t* before) noexcept {
  std::uint32_t n = 0;
  if (one_word) {
    for (std::size_t i = 0; i < np; ++i) {
      const VisionPiece& pc = pieces[i];
      const std::uint32_t p = base + static_cast<std::uint32_t>(pc.lo);  // >= 0: lo >= -reach >= -pad
      const std::uint64_t m = (row[pc.row_offset] >> p) & pc.mask;
      masks[i] = m;
      before[i] = n;
      n += static_cast<std::uint32_t>(__builtin_popcountll(m));
    }
  } else {
    for (std::size_t i = 0; i < np; ++i) {
      const VisionPiece& pc = pieces[i];
      const std::uint32_t p = base + static_cast<std::uint32_t>(pc.lo);
      const std::uint64_t* wd = row + pc.row_offset + (p >> 6);
      const std::uint32_t sh = p & 63;
      const std::uint64_t m = ((wd[0] >> sh) | ((wd[1] << 1) << (63 - sh))) & pc.mask;
      masks[i] = m;
      before[i] = n;
      n += static_cast<std::uint32_t>(__builtin_popcountll(m));
    }
  }
  before[np] = n;
  return n;
}

/// The position of the k-th set bit of m (k < its number of set bits), without
/// branches: bytes by their running counts, then a table within the byte.
constexpr auto kSelectInByte = [] {
  std::array<std::array<std::uint8_t, 8>, 256> t{};
  for (unsigned b = 0; b < 256; ++b)
    for (unsigned bit = 0, r = 0; bit < 8; ++bit)
      if ((b >> bit) & 1) t[b][r++] = static_cast<std::uint8_t>(bit);
  return t;
}();
inline std::uint32_t select_in_word(std::uint64_t m, std::uint32_t k) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  std::uint64_t c = m - ((m >> 1) & 0x5555555555555555ull);
  c = (c & 0x3333333333333333ull) + ((c >> 2) & 0x3333333333333333ull);
  c = (c + (c >> 4)) & 0x0F0F0F0F0F0F0F0Full;  // bits set in each byte
  const std::uint64_t upto = c * kOnes;         // byte i: bits set in bytes 0 .. i
  // bytes whose running count is <= k (a prefix of the bytes): the k-th bit lies after them
  const std::uint64_t le = (((k * kOnes) | kHigh) - upto) & kHigh;
  const auto b = static_cast<std::uint32_t>(((le >> 7) * kOnes) >> 56);
  const auto below = static_cast<std::uint32_t>(((upto << 8) >> (8 * b)) & 0xFF);
  return 8 * b + kSelectInByte[(m >> (8 * b)) & 0xFF][k - below];
}

/// The piece i holding the k-th counted site (before[i] <= k < before[i + 1])
/// and the position of that site's bit in masks[i].
inline std::uint32_t select_piece_default(const std::uint32_t* before, std::size_t np, const std::uint64_t* masks,
                                          std::uint32_t k, std::size_t& piece) noexcept {
  std::size_t i = 0;  // the pieces 1 .. np - 1 that have at most k sites before them
  for (std::size_t j = 1; j < np; ++j) i += before[j] <= k;
  piece = i;
  return select_in_word(masks[i], k - before[i]);
}
#ifdef TEGENMACHT_CV_AVX512
TEGENMACHT_CV_AVX512_TARGET
std::uint32_t select_piece_avx512(const std::uint32_t* before, std::size_t np, const std::uint64_t* masks,
                                  std::uint32_t k, std::size_t& piece) noexcept {
  std::uint32_t i = 0;
  const __m512i kk = _mm512_set1_epi32(static_cast<int>(k));
  for (std::size_t j = 1; j < np; j += 16) {
    const __mmask16 valid = np - j >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1u << (np - j)) - 1);
    const __m512i b = _mm512_maskz_loadu_epi32(valid, before + j);
    i += static_cast<std::uint32_t>(__builtin_popcount(_mm512_mask_cmple_epu32_mask(valid, b, kk)));
  }
  piece = i;
  return static_cast<std::uint32_t>(__builtin_ctzll(_pdep_u64(std::uint64_t{1} << (k - before[i]), masks[i])));
}
#endif
inline std::uint32_t select_piece(const std::uint32_t* before, std::size_t np, const std::uint64_t* masks,
                                  std::uint32_t k, std::size_t& piece) noexcept {
#ifdef TEGENMACHT_CV_AVX512
  if (kAvx512) return select_piece_avx512(before, np, masks, k, piece);
#endif
  return select_piece_default(before, np, masks, k, piece);
}
}  // namespace

std::uint32_t CivilViolenceModel::count_bits(const Vision& v, const std::uint64_t* bits, std::uint32_t x,
                                             std::uint32_t y) {
  return count_pieces(v.pieces.data(), v.pieces.size(), bits + static_cast<std::size_t>(y + pad_) * row_words_,
                      x + pad_, one_word_, piece_mask_.data(), piece_count_.data());
}

std::uint32_t CivilViolenceModel::select_bit(const Vision& v, std::uint32_t x, std::uint32_t y,
                                             std::uint32_t k) const {
  std::size_t i = 0;  // the piece holding the k-th site
  const std::uint32_t bit = select_piece(piece_count_.data(), v.pieces.size(), piece_mask_.data(), k, i);
  const VisionPiece& pc = v.pieces[i];
  const int h = static_cast<int>(h_), w = static_cast<int>(w_);
  int ny = static_cast<int>(y) + pc.dy;
  ny += h & -static_cast<int>(ny < 0);  // wrapped without branches (they would be mispredicted)
  ny -= h & -static_cast<int>(ny >= h);
  int nx = static_cast<int>(x) + pc.lo + static_cast<int>(bit);
  nx += w & -static_cast<int>(nx < 0);
  nx -= w & -static_cast<int>(nx >= w);
  return static_cast<std::uint32_t>(ny) * w_ + static_cast<std::uint32_t>(nx);
}

std::uint32_t CivilViolenceModel::pick(const Vision& v, std::uint32_t site, std::uint8_t code, Stream& s) {
  if (bitmaps_ && v.use_runs) {
    const std::uint32_t y = div_w(site), x = site - y * w_;
    const std::uint32_t n = count_bits(v, code == kEmpty ? empty_bits_.data() : active_bits_.data(), x, y);
    if (n == 0) return kNone;
    return select_bit(v, x, y, s.below(n));
  }
  const std::uint32_t n = collect(v, site, code);
  if (n == 0) return kNone;
  return scratch_[s.below(n)];
}

bool CivilViolenceModel::would_be_active(std::uint32_t c) const {
  const std::uint32_t cops = seen_cops_[pos_[c]], actives = seen_actives_[pos_[c]];
  double p;
  if (ratio_ == ArrestRatio::Exact) {
    p = 1.0 - std::exp(-k_ * arrest_ratio(ratio_, cops, 1 + actives));
  } else {  // a whole ratio q (arrest_ratio in integers): the table holds the same doubles
    const std::uint32_t a = 1 + actives;
    std::uint32_t q = cops;
    if (a != 1) {
      q = cops / a;
      if (ratio_ == ArrestRatio::Round) {
        const std::uint64_t twice = 2ull * (cops - q * a);
        q += twice > a || (twice == a && q % 2 != 0);
      }
    }
    p = q < arrest_p_.size() ? arrest_p_[q] : 1.0 - std::exp(-k_ * static_cast<double>(q));
  }
  return hardship_[c] * (1.0 - legitimacy_) - risk_[c] * p > threshold_;
}

std::uint32_t CivilViolenceModel::draw_term(Stream& s) const {
  if (!std::isfinite(max_term_)) return kLife;
  const auto j = static_cast<std::uint32_t>(max_term_);
  if (terms_ == JailTerms::Exclusive) return j == 0 ? 0 : s.below(j);  // NetLogo: random 0 is 0
  return s.below(j + 1);
}

std::uint32_t CivilViolenceModel::collect(const Vision& v, std::uint32_t site, std::uint8_t code) {
  // branch-free: every site is written, the count only advances on a match
  std::uint32_t* out = scratch_.data();
  std::uint32_t n = 0;
  for_each_run(v, site, [&](std::uint32_t first, std::uint32_t len) {
    const std::uint8_t* p = code_.data() + first;
    for (std::uint32_t i = 0; i < len; ++i) {
      out[n] = first + i;
      n += p[i] == code;
    }
  });
  return n;
}

std::uint32_t CivilViolenceModel::move(std::uint32_t a, const Vision& v, Code code, Stream& s) {
  const std::uint32_t site = pos_[a];
  const std::uint32_t q = pick(v, site, kEmpty, s);
  if (q == kNone) return site;
  vacate(site);
  place(a, q, code);
  return q;
}

void CivilViolenceModel::decide(std::uint32_t c) {
  const bool active = would_be_active(c);
  state_[c] = active ? Active : Quiet;
  set_code(pos_[c], active ? kActive : kQuiet);
}

std::uint32_t CivilViolenceModel::arrest(std::uint32_t site, Stream& s) {
  if (same_vision_ && seen_actives_[site] == 0) return kNone;  // nobody to arrest (the usual case)
  const std::uint32_t q = pick(cop_vision_, site, kActive, s);
  if (q == kNone) return kNone;
  const auto c = static_cast<std::uint32_t>(occ_[q]);
  state_[c] = Jailed;
  jail_[c] = draw_term(s);
  if (keep_site_)
    set_code(q, kJailed);  // Mesa: the site stays taken, nobody sees the prisoner
  else
    vacate(q);  // the jailed citizen leaves the lattice; pos_[c] keeps the site of the arrest
  ++arrests_;
  return q;
}

void CivilViolenceModel::activate_citizen(std::uint32_t c, Stream& s) {
  if (rule_order_ == RuleOrder::ActThenMove) {  // Mesa: decide, then move
    decide(c);
    if (movement_) move(c, cit_vision_, state_[c] == Active ? kActive : kQuiet, s);
    return;
  }
  if (movement_) move(c, cit_vision_, state_[c] == Active ? kActive : kQuiet, s);  // rule M
  decide(c);                                                                          // rule A
}

void CivilViolenceModel::activate_cop(std::uint32_t k, Stream& s) {
  if (rule_order_ == RuleOrder::ActThenMove) {  // arrest from the old site, then move
    const std::uint32_t q = arrest(pos_[k], s);
    if (q != kNone && move_to_arrest_) {  // the move to the arrest is the cop's move of the step
      vacate(pos_[k]);
      place(k, q, kCop);
    } else {
      move(k, cop_vision_, kCop, s);
    }
    return;
  }
  const std::uint32_t site = move(k, cop_vision_, kCop, s);  // rule M: cops always move
  const std::uint32_t q = arrest(site, s);                   // rule C: a random active citizen in vision
  if (q != kNone && move_to_arrest_) {
    vacate(site);
    place(k, q, kCop);
  }
}

void CivilViolenceModel::step(const StepContext& ctx) {
  const std::uint32_t t = ctx.step;
  const std::uint32_t cells = w_ * h_;
  legitimacy_ = legit_.at(t);
  arrests_ = 0;

  // cops withdrawn (highest ids first) or returned to random empty sites
  const auto duty = std::min<std::uint32_t>(nk_, static_cast<std::uint32_t>(std::llround(cops_.at(t) * cells)));
  while (duty_ > duty) {
    --duty_;
    vacate(pos_[nc_ + duty_]);
    pos_[nc_ + duty_] = kOffDuty;
  }
  if (duty_ < duty) {
    auto s = ctx.rng.stream(t, 0, kPurposeDuty);
    while (duty_ < duty) {
      std::uint32_t q = s.below(cells), tries = 0;
      while (code_[q] != kEmpty && ++tries < 64) q = s.below(cells);
      if (code_[q] != kEmpty) {  // a crowded lattice: take the first empty site after q
        const std::uint32_t q0 = q;
        do q = q + 1 == cells ? 0 : q + 1;
        while (code_[q] != kEmpty && q != q0);
        if (code_[q] != kEmpty) break;  // no room at all
      }
      place(nc_ + duty_, q, kCop);
      ++duty_;
    }
  }

  // jail terms count down; a citizen whose term is over returns to the site
  // of its arrest, or to a random empty site in its vision of it (or waits).
  for (std::uint32_t c = 0; c < nc_; ++c) {
    if (state_[c] != Jailed) continue;
    if (jail_[c] == kLife) continue;
    if (jail_[c] > 0) {
      --jail_[c];
      continue;
    }
    std::uint32_t q = pos_[c];
    if (keep_site_) {  // back on its own site, which it never left
      state_[c] = Quiet;
      set_code(q, kQuiet);
      continue;
    }
    if (code_[q] != kEmpty) {
      auto s = ctx.rng.stream(t, c, kPurposeRelease);
      q = pick(cit_vision_, q, kEmpty, s);
      if (q == kNone) continue;
    }
    state_[c] = Quiet;
    place(c, q, kQuiet);
  }

  // random asynchronous activation: everyone once, in an order shuffled
  // afresh every step from a keyed stream, one agent after the other
  std::iota(order_.begin(), order_.end(), 0u);
  auto so = ctx.rng.stream(t, 0, kPurposeOrder);
  shuffle(so, order_.data(), order_.size());
  // the first Philox block of every agent's stream, computed for all agents
  // at once (vectorised where the processor allows; a citizen jailed during
  // the step leaves its block unused)
  const std::uint32_t active_agents = nc_ + duty_;
  std::uint32_t* w0 = block_words_.data();
  std::uint32_t *w1 = w0 + active_agents, *w2 = w1 + active_agents, *w3 = w2 + active_agents;
  ctx.rng.first_blocks(t, 0, active_agents, kPurposeAct, w0, w1, w2, w3);
  for (const std::uint32_t a : order_) {
    if (a < nc_) {
      if (state_[a] == Jailed) continue;
      auto s = ctx.rng.stream(t, a, kPurposeAct, {w0[a], w1[a], w2[a], w3[a]});
      activate_citizen(a, s);
    } else if (a - nc_ < duty_) {
      auto s = ctx.rng.stream(t, a, kPurposeAct, {w0[a], w1[a], w2[a], w3[a]});
      activate_cop(a, s);
    }
  }
}

void CivilViolenceModel::declare(Recorder& rec) {
  m_active_ = rec.scalar("active", "citizens", "citizens actively rebelling");
  m_quiet_ = rec.scalar("quiet", "citizens", "citizens on the lattice and quiet");
  m_jailed_ = rec.scalar("jailed", "citizens", "citizens in jail");
  m_arrests_ = rec.scalar("arrests", "citizens", "arrests made in the step");
  m_legit_ = rec.scalar("legitimacy", "share", "regime legitimacy L");
  m_cops_ = rec.scalar("cops", "cops", "cops on duty");
}

void CivilViolenceModel::observe(Recorder& rec) {
  // counting is the part that does not depend on order: parallel, fixed blocks
  auto count = [&](std::uint8_t which) {
    return par_->sum(nc_, kBlock, [&](std::size_t b, std::size_t e) {
      std::uint32_t n = 0;
      for (std::size_t i = b; i < e; ++i) n += state_[i] == which ? 1u : 0u;
      return static_cast<double>(n);
    });
  };
  rec.set(m_active_, count(Active));
  rec.set(m_quiet_, count(Quiet));
  rec.set(m_jailed_, count(Jailed));
  rec.set(m_arrests_, arrests_);
  rec.set(m_legit_, legitimacy_);
  rec.set(m_cops_, duty_);
}

std::vector<ColumnView> CivilViolenceModel::columns() const {
  return {{"hardship", ColumnView::Type::F64, hardship_.data(), nc_, "H ~ U(0, 1)"},
          {"risk_aversion", ColumnView::Type::F64, risk_.data(), nc_, "R ~ U(0, 1)"},
          {"state", ColumnView::Type::U8, state_.data(), nc_, "0 quiet, 1 active, 2 jailed"},
          {"jail_term", ColumnView::Type::U32, jail_.data(), nc_, "remaining jail steps (4294967295: life)"},
          {"site", ColumnView::Type::U32, pos_.data(), nc_, "site y·width + x (jailed: site of the arrest)"}};
}

namespace {
/// A schedule that does nothing or does not finish within the run (the change
/// after the last step, a gradual change cut short, keys a constant schedule
/// ignores).
std::vector<Warning> civil_violence_warnings(const Config& c) {
  std::vector<Warning> out;
  const std::int64_t steps = c.get_int("steps");
  for (const char* section : {"legitimacy", "cops"}) {
    const std::string p = section;
    const std::string schedule = c.get_string(p + ".schedule");
    auto warn = [&](const std::string& key, const std::string& msg) { out.push_back({c.location(key), key, msg}); };
    if (schedule == "constant") {
      const std::string final_key = p == "cops" ? p + ".final_density" : p + ".final";
      for (const std::string& key : {final_key, p + ".start", p + ".end"})
        if (c.location(key).file != "<default>")
          warn(key, "has no effect while " + p + ".schedule is constant (give schedule: sudden or gradual)");
      continue;
    }
    const std::int64_t start = c.get_int(p + ".start"), end = c.get_int(p + ".end");
    if (start > steps)
      warn(p + ".start", "step " + std::to_string(start) + " is after the last step (" + std::to_string(steps) +
                             "): the change never happens");
    else if (schedule == "gradual" && end > steps)
      warn(p + ".end", "step " + std::to_string(end) + " is after the last step (" + std::to_string(steps) +
                           "): the run ends before the change is complete");
  }
  return out;
}
}  // namespace

void register_civil_violence_model() {
  ModelInfo info{"civil_violence", "Epstein (2002) civil violence, Model I", CivilViolenceModel::declare_schema,
                 [] { return std::make_unique<CivilViolenceModel>(); }};
  // peak bytes to run one replicate: about 32 per grid cell (occupant, code, the counts
  // of cops and actives in sight, the bitmaps, and the agents' columns) and 16 per agent
  // (the first Philox block of each agent's stream, computed for all at once each step);
  // tests/cli/test_bad_input.cpp checks the estimate against the measured peak
  info.memory_estimate = [](const Config& c) {
    const double sites = static_cast<double>(c.get_int("width")) * static_cast<double>(c.get_int("height"));
    const double cops = std::max(c.get_double("cops.density"), c.get_double("cops.final_density"));
    const double agents = sites * std::min(1.0, c.get_double("citizen_density") + cops);
    return 32.0 * sites + 16.0 * agents;
  };
  info.warnings = civil_violence_warnings;
  Registry::instance().add(std::move(info));
}

void CivilViolenceModel::state(tegenmacht::State& s) {
  s.add("citizens/hardship", hardship_).add("citizens/risk_aversion", risk_).add("agents/state", state_);
  s.add("agents/jail_term", jail_).add("agents/position", pos_).add("grid/occupant", occ_).add("grid/code", code_);
  s.add("grid/seen_cops", seen_cops_).add("grid/seen_actives", seen_actives_);
  s.add("grid/empty_bits", empty_bits_).add("grid/active_bits", active_bits_);
  s.scratch("scratch/block_words", block_words_);
  s.add("order", order_).add("cops_on_duty", duty_).add("legitimacy", legitimacy_).add("arrests", arrests_);
  s.scratch("scratch/sites", scratch_).scratch("scratch/piece_mask", piece_mask_);
  s.scratch("scratch/piece_count", piece_count_);
}

}  // namespace tegenmacht::models
