#include "bounded_confidence/bounded_confidence.hpp"

#include <algorithm>
#include <cmath>

#include "tegenmacht/network_config.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/state.hpp"

namespace tegenmacht::models {

namespace {
enum : std::uint32_t { kPurposeOpinion = kPurposeModelBase, kPurposePair };
constexpr std::size_t kBlock = 8192;
/// Meetings drawn from one keyed stream: stream c draws meetings
/// [c·kChunk, (c+1)·kChunk) of a step, whatever the thread count.
constexpr std::uint64_t kChunk = 1u << 14;
/// Meetings drawn ahead of the sequential updates (8 MiB of pairs).
constexpr std::uint64_t kAhead = 1u << 20;
static_assert(kAhead % kChunk == 0);

/// Maximum over blocks, combined in block order.
template <class F>
double max_over(Parallel& par, std::size_t n, F&& fn) {
  std::vector<double> partial(Parallel::block_count(n, kBlock), 0.0);
  par.for_blocks(n, kBlock, [&](std::size_t b, std::size_t begin, std::size_t end) { partial[b] = fn(begin, end); });
  double m = 0.0;
  for (double p : partial) m = std::max(m, p);
  return m;
}
}  // namespace

Clusters find_clusters(std::span<const double> x, double tolerance, double major_share) {
  Clusters c;
  if (x.empty()) return c;
  std::vector<double> s(x.begin(), x.end());
  std::sort(s.begin(), s.end());
  double sum = s[0];
  std::uint32_t size = 1;
  auto close = [&] {
    c.centres.push_back(sum / size);
    c.sizes.push_back(size);
  };
  for (std::size_t k = 1; k < s.size(); ++k) {
    if (s[k] - s[k - 1] > tolerance) {
      close();
      sum = 0;
      size = 0;
    }
    sum += s[k];
    ++size;
  }
  close();
  c.count = static_cast<std::uint32_t>(c.sizes.size());
  const double n = static_cast<double>(s.size());
  std::uint32_t largest = 0;
  for (auto z : c.sizes) {
    largest = std::max(largest, z);
    if (z >= major_share * n) ++c.major;
  }
  c.largest_share = largest / n;
  return c;
}

void BoundedConfidenceModel::declare_schema(Schema& s) {
  s.add_int("population", 1000, 2, 4294967295.0, "number of agents");
  s.add_choice("rule", "deffuant", {"deffuant", "hegselmann_krause"},
               "deffuant: random pairs meet and move towards each other (Deffuant et al. 2000); hegselmann_krause: "
               "everyone moves to the mean of the opinions within epsilon, at once (Hegselmann & Krause 2002)");
  s.add_double("epsilon", 0.2, 0, 1e6,
               "confidence bound: deffuant pairs move when abs(x_i - x_j) < epsilon (strict); hegselmann_krause "
               "averages the opinions with abs(x_j - x_i) <= epsilon, its own included");
  s.add_double("mu", 0.5, 0, 0.5, "deffuant: share of the difference each side moves in a meeting (0 would move nobody)")
      .min_exclusive = true;
  s.add_int("meetings", 0, 0, 1e12, "deffuant: pair meetings per step (0: population, so a step is one time unit)");
  declare_network_schema(s.section("network", "who can meet: complete (the papers) or any network (a random edge)"));
  auto& init = s.section("initial", "initial opinions");
  init.add_choice("distribution", "uniform", {"uniform", "evenly_spaced", "empirical"},
                  "uniform: independent U[0, 1) draws (the papers); evenly_spaced: agent i gets (i + 0.5) / N; "
                  "empirical: `values`");
  init.add_doubles("values", {}, -1e12, 1e12, "empirical: one opinion per agent, in agent order");
  auto& cl = s.section("clusters", "how clusters are counted in the metrics");
  cl.add_double("tolerance", 1e-3, 0, 1e6,
                "sorted opinions further apart than this start a new cluster (keep it well below epsilon: stable "
                "clusters are at least epsilon apart)");
  cl.add_double("major_share", 0.05, 0, 1, "a cluster is major when it holds at least this share of the agents");
}

void BoundedConfidenceModel::init(const Config& cfg, const Rng& rng, Parallel& par) {
  par_ = &par;
  n_ = static_cast<std::uint32_t>(cfg.get_int("population"));
  rule_ = cfg.get_string("rule") == "deffuant" ? Rule::Deffuant : Rule::HegselmannKrause;
  eps_ = cfg.get_double("epsilon");
  mu_ = cfg.get_double("mu");
  meetings_ = static_cast<std::uint64_t>(cfg.get_int("meetings"));
  if (meetings_ == 0) meetings_ = n_;
  tolerance_ = cfg.get_double("clusters.tolerance");
  major_share_ = cfg.get_double("clusters.major_share");
  net_ = network_from_config(cfg, "network", n_, rng);
  if (!net_.is_complete() && net_.targets().size() > 0xFFFFFFFFull)
    cfg.fail("network", "more than 2^32 directed edges: too many for the pair sampler");

  auto& x = x_.cur();  // the second buffer is filled below for HK only
  x.assign(n_, 0.0);
  const std::string dist = cfg.get_string("initial.distribution");
  if (dist == "empirical") {
    const auto v = cfg.get_doubles("initial.values");
    if (v.size() != n_)
      cfg.fail("initial.values",
               "has " + std::to_string(v.size()) + " values but population is " + std::to_string(n_));
    x = v;
  } else if (dist == "evenly_spaced") {
    for (std::uint32_t i = 0; i < n_; ++i) x[i] = (i + 0.5) / n_;
  } else {
    par.for_each(n_, kBlock, [&](std::size_t i) {
      auto st = rng.stream(kInitStep, static_cast<std::uint32_t>(i), kPurposeOpinion);
      x[i] = st.uniform();
    });
  }
  if (rule_ == Rule::HegselmannKrause) {
    x_.nxt() = x;
  }  // Deffuant updates in place: no second buffer (80 MB saved at 10^7 agents)
}

void BoundedConfidenceModel::declare(Recorder& rec) {
  m_mean_ = rec.scalar("mean", "opinion", "mean opinion");
  m_sd_ = rec.scalar("sd", "opinion", "standard deviation of opinions");
  m_changes_ = rec.scalar("changes", "count",
                          "deffuant: meetings closer than epsilon (both moved); hegselmann_krause: agents whose opinion changed");
  m_max_change_ = rec.scalar("max_change", "opinion", "largest change of one agent's opinion in the step");
  m_clusters_ = rec.scalar("clusters", "count", "opinion clusters (gaps above clusters.tolerance), any size");
  m_major_ = rec.scalar("major_clusters", "count", "clusters holding at least clusters.major_share of the agents");
  m_largest_ = rec.scalar("largest_cluster", "share", "share of agents in the largest cluster");
}

void BoundedConfidenceModel::step(const StepContext& ctx) {
  if (rule_ == Rule::Deffuant)
    step_deffuant(ctx);
  else
    step_hk(ctx);
}

void BoundedConfidenceModel::step_deffuant(const StepContext& ctx) {
  // Meetings are sequential by nature: a meeting reads what the previous one
  // wrote. The pairs, though, are drawn ahead from keyed streams (stream c
  // draws meetings c·kChunk … of the step), so the sequence of pairs, and
  // hence every opinion, is the same for any thread count. Batches of kAhead
  // meetings are pipelined: while one thread applies batch i, the others
  // draw batch i + 1 into the other half of the buffer.
  auto& x = x_.cur();
  const bool complete = net_.is_complete();
  const auto& off = net_.offsets();
  const auto& tg = net_.targets();
  const auto directed = static_cast<std::uint32_t>(complete ? 0 : tg.size());
  changes_ = 0;
  max_change_ = 0;
  if (n_ < 2 || (!complete && directed == 0)) return;
  const std::uint64_t per = std::min(meetings_, kAhead);
  pairs_.resize(4 * per);  // two halves of `per` pairs
  std::uint64_t moved = 0;
  double max_change = 0;
  auto draw_chunk = [&](std::uint64_t first, std::uint64_t count, std::uint64_t chunk, std::uint32_t* out) {
    const std::uint64_t b = chunk * kChunk, e = std::min(count, b + kChunk);
    Stream s = ctx.rng.stream(ctx.step, static_cast<std::uint32_t>((first + b) / kChunk), kPurposePair);
    for (std::uint64_t k = b; k < e; ++k) {
      std::uint32_t i, j;
      if (complete) {
        i = s.below(n_);
        j = s.below(n_ - 1);
        j += j >= i ? 1 : 0;
      } else {
        const std::uint32_t edge = s.below(directed);
        i = static_cast<std::uint32_t>(std::upper_bound(off.begin(), off.end(), std::uint64_t{edge}) - off.begin() - 1);
        j = tg[edge];
      }
      out[2 * k] = i;
      out[2 * k + 1] = j;
    }
  };
  auto apply = [&](const std::uint32_t* p, std::uint64_t count) {
    constexpr std::uint64_t kLookAhead = 16;
    for (std::uint64_t k = 0; k < count; ++k) {
      if (k + kLookAhead < count) {
        __builtin_prefetch(&x[p[2 * (k + kLookAhead)]], 1);
        __builtin_prefetch(&x[p[2 * (k + kLookAhead) + 1]], 1);
      }
      const std::uint32_t i = p[2 * k], j = p[2 * k + 1];
      const double xi = x[i], xj = x[j];
      const double d = xj - xi;
      if (std::abs(d) < eps_) {  // strict, as in Deffuant et al.'s code
        x[i] = xi + mu_ * d;     // both move, from the old values
        x[j] = xj - mu_ * d;
        ++moved;
        max_change = std::max(max_change, mu_ * std::abs(d));
      }
    }
  };
  const std::uint64_t batches = (meetings_ + kAhead - 1) / kAhead;
  auto half = [&](std::uint64_t batch) { return pairs_.data() + (batch % 2) * 2 * per; };
  auto size = [&](std::uint64_t batch) { return std::min(kAhead, meetings_ - batch * kAhead); };
  auto chunks = [&](std::uint64_t batch) { return (size(batch) + kChunk - 1) / kChunk; };
  ctx.parallel.for_blocks(chunks(0), 1, [&](std::size_t c, std::size_t, std::size_t) {
    draw_chunk(0, size(0), c, half(0));
  });
  for (std::uint64_t batch = 0; batch < batches; ++batch) {
    if (batch + 1 == batches) {
      apply(half(batch), size(batch));
      break;
    }
    // block 0 applies this batch; blocks 1.. draw the next one
    const std::uint64_t next = batch + 1;
    ctx.parallel.for_blocks(1 + chunks(next), 1, [&](std::size_t b, std::size_t, std::size_t) {
      if (b == 0)
        apply(half(batch), size(batch));
      else
        draw_chunk(next * kAhead, size(next), b - 1, half(next));
    });
  }
  changes_ = static_cast<double>(moved);
  max_change_ = max_change;
}

void BoundedConfidenceModel::step_hk(const StepContext& ctx) {
  const auto& x = x_.cur();
  auto& y = x_.nxt();
  const double eps = eps_;
  if (net_.is_complete()) {
    // On a complete graph the opinions within epsilon of x_i are a
    // contiguous run [lo, hi) of the sorted opinions, and lo, hi only move
    // forward as x_i grows: after one sort, two pointers and a difference of
    // prefix sums (long double, ~1e-12 relative accuracy for 10^7 opinions)
    // give every mean in O(N). Each block of sorted positions finds its
    // first run by binary search, so blocks run in parallel.
    ranked_.resize(n_);
    for (std::uint32_t i = 0; i < n_; ++i) ranked_[i] = {x[i], i};
    std::sort(ranked_.begin(), ranked_.end());
    sorted_.resize(n_);
    prefix_.resize(n_ + 1);
    prefix_[0] = 0;
    for (std::uint32_t k = 0; k < n_; ++k) {
      sorted_[k] = ranked_[k].first;
      prefix_[k + 1] = prefix_[k] + sorted_[k];
    }
    const double* v = sorted_.data();
    ctx.parallel.for_blocks(n_, kBlock, [&](std::size_t, std::size_t b, std::size_t e) {
      // fl(a - b) = -fl(b - a), so these are exactly |x_j - x_i| <= eps
      const double x0 = v[b];
      std::size_t lo = static_cast<std::size_t>(
          std::partition_point(v, v + n_, [&](double u) { return x0 - u > eps; }) - v);
      std::size_t hi = static_cast<std::size_t>(
          std::partition_point(v + lo, v + n_, [&](double u) { return !(u - x0 > eps); }) - v);
      for (std::size_t k = b; k < e; ++k) {
        const double xi = v[k];
        while (xi - v[lo] > eps) ++lo;
        while (hi < n_ && !(v[hi] - xi > eps)) ++hi;
        y[ranked_[k].second] =
            static_cast<double>((prefix_[hi] - prefix_[lo]) / static_cast<long double>(hi - lo));
      }
    });
  } else {
    ctx.parallel.for_each(n_, kBlock, [&](std::size_t i) {
      const double xi = x[i];
      double sum = xi;
      std::uint32_t c = 1;
      for (std::uint32_t j : net_.neighbours(static_cast<std::uint32_t>(i))) {
        const double d = x[j] - xi;
        if (std::abs(d) <= eps) {
          sum += x[j];
          ++c;
        }
      }
      y[i] = sum / c;
    });
  }
  changes_ = ctx.parallel.sum(n_, kBlock, [&](std::size_t b, std::size_t e) {
    double c = 0;
    for (std::size_t i = b; i < e; ++i) c += y[i] != x[i] ? 1.0 : 0.0;
    return c;
  });
  max_change_ = max_over(ctx.parallel, n_, [&](std::size_t b, std::size_t e) {
    double m = 0;
    for (std::size_t i = b; i < e; ++i) m = std::max(m, std::abs(y[i] - x[i]));
    return m;
  });
  x_.swap();
}

void BoundedConfidenceModel::observe(Recorder& rec) {
  const auto& x = x_.cur();
  // block sums combined in block order: identical for any thread count
  const double mean = par_->sum(n_, kBlock, [&](std::size_t b, std::size_t e) {
    double part = 0;
    for (std::size_t i = b; i < e; ++i) part += x[i];
    return part;
  }) / n_;
  const double ss = par_->sum(n_, kBlock, [&](std::size_t b, std::size_t e) {
    double part = 0;
    for (std::size_t i = b; i < e; ++i) part += (x[i] - mean) * (x[i] - mean);
    return part;
  });
  rec.set(m_mean_, mean);
  rec.set(m_sd_, std::sqrt(ss / n_));
  rec.set(m_changes_, changes_);
  rec.set(m_max_change_, max_change_);
  if (rec.enabled(m_clusters_) || rec.enabled(m_major_) || rec.enabled(m_largest_)) {
    const Clusters c = clusters();  // sorts: skipped when none of these is recorded
    rec.set(m_clusters_, c.count);
    rec.set(m_major_, c.major);
    rec.set(m_largest_, c.largest_share);
  }
}

std::vector<ColumnView> BoundedConfidenceModel::columns() const {
  return {{"opinion", ColumnView::Type::F64, x_.cur().data(), n_, "opinion"}};
}

void register_bounded_confidence_model() {
  ModelInfo info{"bounded_confidence", "Deffuant / Hegselmann–Krause bounded-confidence opinion dynamics",
                 BoundedConfidenceModel::declare_schema,
                 [] { return std::make_unique<BoundedConfidenceModel>(); }};
  // peak bytes to build and step one replicate: about 20 per agent for Deffuant's
  // columns, 64 for Hegselmann–Krause (which also keeps the next opinions and a sorted
  // copy), and the network (8 per link end; tests/cli/test_bad_input.cpp checks it)
  info.memory_estimate = [](const Config& c) {
    const double n = static_cast<double>(c.get_int("population"));
    const double per = c.get_string("rule") == "hegselmann_krause" ? 64.0 : 20.0;
    return per * n + network_bytes_estimate(c, "network", n);
  };
  Registry::instance().add(std::move(info));
}

void BoundedConfidenceModel::state(State& s) {
  s.add("opinions", x_).add("epsilon", eps_).add("mu", mu_).add("meetings", meetings_).add("changes", changes_);
  s.add("max_change", max_change_);
  // rewritten before they are read, every step
  s.scratch("scratch/pairs", pairs_).scratch("scratch/sorted", sorted_).scratch("scratch/ranked", ranked_);
  s.scratch("scratch/prefix", prefix_);
}

}  // namespace tegenmacht::models
