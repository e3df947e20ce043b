// Epstein (2002) civil violence, Model I ("generalized rebellion against
// central authority"): citizens and cops on a torus, random asynchronous
// activation, arrests and jail terms, legitimacy and cop schedules. See
// models/civil_violence/README.md for the rules as implemented.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tegenmacht/model.hpp"

namespace tegenmacht::models {

/// How the cop-to-active ratio C/A enters the arrest probability
/// P = 1 - exp(-k · ratio).
enum class ArrestRatio { Exact, Floor, Round };
/// The ratio as implemented: exact C/A, floor(C/A) (NetLogo Rebellion) or
/// C/A rounded half to even (Python's round, as Mesa's example).
double arrest_ratio(ArrestRatio mode, std::uint32_t cops, std::uint32_t actives) noexcept;

enum class VisionShape { VonNeumann, Moore, Euclidean, Cross };
/// Order of the rules within one activation: move (rule M) then decide or
/// arrest (rules A, C), as NetLogo's Rebellion; or decide or arrest first and
/// move after, as Mesa's example.
enum class RuleOrder { MoveThenAct, ActThenMove };
/// Jail terms: uniform on {0, ..., J_max} (Mesa's randint(0, J_max)) or on
/// {0, ..., J_max - 1} (NetLogo's random J_max).
enum class JailTerms { Inclusive, Exclusive };
/// The lattice offsets (dx, dy) an agent at (0, 0) sees with vision radius v
/// (r = floor(v)), its own site excluded: von Neumann |dx| + |dy| <= r, Moore
/// max(|dx|, |dy|) <= r, Euclidean dx² + dy² <= v² (NetLogo's in-radius),
/// cross dx = 0 or dy = 0 with |dx|, |dy| <= r. Offsets that wrap onto the
/// same site of a width × height torus are kept once; row by row, dx ascending.
std::vector<std::pair<int, int>> vision_offsets(VisionShape shape, double v, std::uint32_t width,
                                                std::uint32_t height);

/// A value that is constant, drops suddenly at `start`, or moves linearly
/// from `initial` (at step `start`) to `final` (at step `end`).
struct Schedule {
  enum class Kind { Constant, Gradual, Sudden };
  Kind kind = Kind::Constant;
  double initial = 0, final = 0;
  std::uint32_t start = 0, end = 0;
  double at(std::uint32_t step) const noexcept;
};

/// Outbursts of a series of active counts: maximal runs of steps with more
/// than `threshold` actives (Epstein: 50).
struct Outbursts {
  std::uint32_t count = 0;
  std::vector<std::size_t> start, end;  ///< first step of each outburst, and one past its last
  std::vector<double> activation;       ///< sum of the active counts over each outburst's steps
  std::vector<double> peak;             ///< largest active count in each outburst
  std::vector<double> waiting;          ///< steps from the start of one outburst to the start of the next
  std::vector<double> trough;           ///< fewest actives between one outburst and the next
};
Outbursts find_outbursts(std::span<const double> active, double threshold, std::size_t from = 0);

/// The documented reading of the rules whose Run 2 outbursts come closest to
/// Epstein's (waiting 60 ± 55, activation 708 ± 230; study in
/// models/civil_violence/README.md): NetLogo's Rebellion with Mesa's round(C/A),
/// as scenario overrides `key=value`. scenarios/reference/epstein_run2_closest.yaml
/// is Run 2 with them.
std::vector<std::string> epstein_closest_rules();

/// The sites (x + lo .. x + hi, y + dy) of an agent's vision at (x, y), wrapped.
struct VisionRun {
  int dy, lo, hi;
};

/// Sites x + lo .. x + lo + len - 1 of row y + dy of an agent's vision
/// (wrapped), as the len low bits of `mask`; len <= 56. row_offset: dy times
/// the words per row of the site bitmaps.
struct VisionPiece {
  int dy, lo;
  std::uint64_t mask;
  std::ptrdiff_t row_offset = 0;
};

class CivilViolenceModel final : public Model {
 public:
  enum State : std::uint8_t { Quiet = 0, Active = 1, Jailed = 2 };
  static constexpr std::uint32_t kLife = 0xFFFFFFFFu;  ///< a jail term that never ends

  static void declare_schema(Schema& s);

  void init(const Config& config, const Rng& rng, Parallel& parallel) override;
  void declare(Recorder& recorder) override;
  void step(const StepContext& ctx) override;
  void observe(Recorder& recorder) override;
  std::vector<ColumnView> columns() const override;
  void state(tegenmacht::State& s) override;

  std::uint32_t citizens() const noexcept { return nc_; }
  std::uint32_t cops_total() const noexcept { return nk_; }
  std::uint32_t cops_on_duty() const noexcept { return duty_; }
  double legitimacy() const noexcept { return legitimacy_; }
  const std::vector<std::uint8_t>& state() const noexcept { return state_; }
  const std::vector<std::uint32_t>& jail_term() const noexcept { return jail_; }
  const std::vector<double>& hardship() const noexcept { return hardship_; }
  const std::vector<double>& risk_aversion() const noexcept { return risk_; }
  /// Site of every agent (citizens first, then cops); for a jailed citizen the site of its arrest.
  const std::vector<std::uint32_t>& position() const noexcept { return pos_; }
  /// Agent on each site (-1: empty); retired cops occupy none, jailed citizens
  /// none unless jail.keep_site (then the site of their arrest).
  const std::vector<std::int32_t>& occupant() const noexcept { return occ_; }
  std::uint32_t width() const noexcept { return w_; }
  std::uint32_t height() const noexcept { return h_; }

  /// The decision rule A for a citizen at its current site, given L: active iff
  /// G - R·P > T with G = H(1 - L), P = 1 - exp(-k·ratio(C, 1 + actives seen)).
  bool would_be_active(std::uint32_t citizen) const;

 private:
  enum Code : std::uint8_t { kEmpty = 0, kQuiet = 1, kActive = 2, kCop = 3, kJailed = 4 };
  struct Vision {
    using Run = VisionRun;
    std::vector<Run> runs;                                      // row by row, dx ascending
    std::vector<std::pair<std::uint32_t, std::uint32_t>> wrap;  // (dx mod w, dy mod h), one per site
    bool use_runs = true;  // false on a torus so small that vision wraps onto itself
    int reach = 0;         // max |dx|, |dy|
    // the runs cut into pieces of at most 56 sites, read from the site bitmaps
    // (row by row, dx ascending, as runs)
    std::vector<VisionPiece> pieces;
  };
  Vision make_vision(double v) const;
  /// Calls f(first, length) for runs of consecutive sites in vision of
  /// `site`, in a fixed order (row by row, dx ascending).
  template <class F>
  void for_each_run(const Vision& v, std::uint32_t site, F&& f) const;
  template <class F>
  void for_each_run(const Vision& v, std::uint32_t x, std::uint32_t y, F&& f) const;
  /// Sites in vision of `site` holding `code`, into scratch_[0..n); returns n.
  std::uint32_t collect(const Vision& v, std::uint32_t site, std::uint8_t code);
  /// A uniformly random site in vision `v` of `site` holding `code` (kEmpty or
  /// kActive): n = their number, then the s.below(n)-th of them in the order of
  /// collect; kNone (and no draw) if n = 0. Reads the site bitmaps when the
  /// vision has runs, else collects.
  std::uint32_t pick(const Vision& v, std::uint32_t site, std::uint8_t code, Stream& s);
  /// The number of sites in vision `v` of `site` set in `bits`; keeps the
  /// pieces' masks and the running counts in piece_mask_, piece_count_ for select_bit.
  std::uint32_t count_bits(const Vision& v, const std::uint64_t* bits, std::uint32_t x, std::uint32_t y);
  /// The k-th of the sites counted by the last count_bits.
  std::uint32_t select_bit(const Vision& v, std::uint32_t x, std::uint32_t y, std::uint32_t k) const;
  /// Flips the bit of (x, y) and of its copies in the padding.
  void flip_bit(std::uint64_t* bits, std::uint32_t x, std::uint32_t y) const noexcept;
  std::uint32_t div_w(std::uint32_t site) const noexcept {  // site / w_, for w_ >= 2 (inv_w_ set in init)
    __extension__ using U128 = unsigned __int128;
    return static_cast<std::uint32_t>((static_cast<U128>(inv_w_) * site) >> 64);
  }
  void activate_citizen(std::uint32_t c, Stream& s);
  void activate_cop(std::uint32_t k, Stream& s);
  /// Rule M: agent `a` moves to a uniformly random empty site in vision `v`
  /// (stays if there is none); returns its site.
  std::uint32_t move(std::uint32_t a, const Vision& v, Code code, Stream& s);
  /// Rule A for citizen c at its site: sets its state and the site's code.
  void decide(std::uint32_t c);
  /// Rule C for a cop at `site`: arrests a random active citizen in vision;
  /// returns the site of the arrest (kNone: no arrest).
  std::uint32_t arrest(std::uint32_t site, Stream& s);
  std::uint32_t draw_term(Stream& s) const;
  void place(std::uint32_t agent, std::uint32_t site, Code code);
  void vacate(std::uint32_t site);
  /// The one place a site's code changes: keeps seen_cops_ and seen_actives_
  /// of every site that sees it up to date (vision is symmetric: the sites that
  /// see `site` are those it sees).
  void set_code(std::uint32_t site, std::uint8_t code);
  /// The part of set_code for a site at (x, y) that turns into or from a cop
  /// or an active citizen: the counts of the sites that see it.
  void add_seen(std::uint32_t x, std::uint32_t y, std::uint8_t old, std::uint8_t code);

  Parallel* par_ = nullptr;
  std::uint32_t w_ = 0, h_ = 0, nc_ = 0, nk_ = 0, duty_ = 0;
  double threshold_ = 0.1, k_ = 2.3, legitimacy_ = 0;
  ArrestRatio ratio_ = ArrestRatio::Floor;
  VisionShape shape_ = VisionShape::Euclidean;
  bool movement_ = true, move_to_arrest_ = true, keep_site_ = false;
  RuleOrder rule_order_ = RuleOrder::MoveThenAct;
  // per site: cops and active citizens within citizen vision (own site excluded),
  // kept up to date by set_code, so that rule A reads them instead of scanning
  std::vector<std::uint32_t> seen_cops_, seen_actives_;
  JailTerms terms_ = JailTerms::Inclusive;
  double max_term_ = 30;  // +inf: life
  Schedule legit_, cops_;
  Vision cit_vision_, cop_vision_;
  // citizens 0..nc_-1, cops nc_..nc_+nk_-1
  std::vector<double> hardship_, risk_;
  std::vector<std::uint8_t> state_;
  std::vector<std::uint32_t> jail_;
  std::vector<std::uint32_t> pos_;
  std::vector<std::int32_t> occ_;
  std::vector<std::uint8_t> code_;
  std::vector<std::uint32_t> order_;
  std::vector<std::uint32_t> scratch_;
  std::vector<std::uint32_t> block_words_;  // the first Philox block of every agent's stream of the step (4 arrays)
  // Bitmaps of the sites whose code is kEmpty and kActive: rows y = -pad ..
  // h + pad - 1, each as bits 0 .. w + 2·pad - 1 for x = -pad .. w + pad - 1
  // (wrapped), so that every run of a vision is contiguous bits of one row;
  // row_words_ 64-bit words per row (one more than the bits need unless they
  // fit in one, one_word_). Kept by set_code; used for visions with runs.
  std::uint32_t pad_ = 0, row_words_ = 0;
  bool one_word_ = false;
  bool bitmaps_ = false;
  bool same_vision_ = false;  // cops see what citizens see: seen_actives_ is what a cop can arrest
  std::vector<std::uint64_t> empty_bits_, active_bits_;
  std::vector<std::uint64_t> piece_mask_;
  std::vector<std::uint32_t> piece_count_;  // sites counted in the pieces before each (np + 1)
  std::uint64_t inv_w_ = 0;  // ceil(2^64 / w_): site / w_ as the high word of a product (exact for 32-bit sites)
  // P = 1 - exp(-k q) for whole ratios q (floor and round), the same doubles
  std::vector<double> arrest_p_;
  std::uint32_t arrests_ = 0;
  Recorder::Id m_active_ = 0, m_quiet_ = 0, m_jailed_ = 0, m_arrests_ = 0, m_legit_ = 0, m_cops_ = 0;
};

void register_civil_violence_model();

}  // namespace tegenmacht::models
