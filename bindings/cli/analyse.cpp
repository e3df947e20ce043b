#include "analyse.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tegenmacht/error.hpp"
#include "tegenmacht/results.hpp"

namespace tegenmacht::cli {

namespace ex = experiments;

namespace {

/// Rows of a long-format CSV: analysis, outcome, arm, baseline, point, factor, statistic, value.
struct Csv {
  std::ostringstream out;
  bool on = false;
  void row(const std::string& analysis, const std::string& outcome, const std::string& arm, const std::string& base,
           long point, const std::string& factor, const std::string& stat, double value) {
    if (!on) return;
    auto q = [](const std::string& s) {
      if (s.find_first_of(",\"\n") == std::string::npos) return s;
      std::string r = "\"";
      for (char c : s) r += c == '"' ? std::string("\"\"") : std::string(1, c);
      return r + "\"";
    };
    out << analysis << ',' << q(outcome) << ',' << q(arm) << ',' << q(base) << ',';
    if (point >= 0) out << point;
    out << ',' << q(factor) << ',' << stat << ',';
    if (std::isfinite(value)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", value);
      out << buf;
    } else if (!std::isnan(value)) {
      out << (value > 0 ? "inf" : "-inf");
    }
    out << '\n';
  }
};

std::string num(double v, const char* fmt = "%.3g") {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, fmt, v);
  std::string s = buf;
  // "-0.000": a tiny negative number rounded away is 0
  if (s.find_first_of("123456789") == std::string::npos && !s.empty() && s[0] == '-') s.erase(0, 1);
  return s;
}

std::string pval(double p) {
  if (std::isnan(p)) return "n/a";
  if (p < 0.001) return "<0.001";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.3f", p);
  return buf;
}

std::string interval(double m, double lo, double hi) {
  if (std::isnan(lo)) return num(m, "%+.3g");
  return num(m, "%+.3g") + " [" + num(lo, "%+.2g") + ", " + num(hi, "%+.2g") + "]";
}

/// A factor value for a table: numbers to 4 significant digits, text as it is.
std::string short_value(const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') return v;
  return num(x, "%.4g");
}

std::size_t width_of(const std::vector<std::string>& names, std::size_t at_least) {
  for (const auto& n : names) at_least = std::max(at_least, n.size());
  return at_least;
}

void paired(const ex::Outcomes& o, std::size_t base, double level, Csv& csv) {
  if (o.arms < 2) {
    std::printf("paired comparison: the experiment has one arm\n\n");
    return;
  }
  const auto rows = ex::paired_table(o, base, level);
  const int w = static_cast<int>(width_of(o.names, 7));
  std::printf("paired comparison with %s (replicate r of every arm shares its random numbers%s)\n",
              o.arm_names[base].c_str(), o.points > 1 ? "; each replicate's mean over the design points" : "");
  std::printf("%-*s  %-12s  %10s  %10s  %-30s  %6s  %7s  %7s  %7s  %7s\n", w, "outcome", "arm", "baseline", "arm",
              "difference [95% interval]", "d_z", "better", "sign p", "Wilc. p", "Holm p");
  for (const auto& r : rows) {
    const auto& c = r.c;
    std::printf("%-*s  %-12s  %10s  %10s  %-30s  %6s  %6s%%  %7s  %7s  %7s\n", w, o.names[r.outcome].c_str(),
                o.arm_names[r.arm].c_str(), num(c.mean_baseline, "%.4g").c_str(), num(c.mean_arm, "%.4g").c_str(),
                interval(c.mean, c.lo, c.hi).c_str(), num(c.effect_size, "%+.2f").c_str(),
                num(100 * c.share_better, "%.0f").c_str(), pval(c.sign_p).c_str(), pval(c.wilcoxon_p).c_str(),
                pval(c.p_holm).c_str());
    const std::string& on = o.names[r.outcome];
    const std::string& an = o.arm_names[r.arm];
    const std::string& bn = o.arm_names[base];
    const double v[] = {static_cast<double>(c.n), c.mean_baseline, c.mean_arm, c.mean, c.sd, c.lo, c.hi,
                        c.effect_size, c.share_better, c.sign_p, c.wilcoxon_p, c.p_holm};
    const char* names[] = {"n", "mean_baseline", "mean_arm", "mean_diff", "sd", "lo", "hi",
                           "effect_size", "share_better", "sign_p", "wilcoxon_p", "p_holm"};
    for (int i = 0; i < 12; ++i) csv.row("paired", on, an, bn, -1, "", names[i], v[i]);
  }
  std::printf("(%.0f%% Student-t interval over replicates; d_z = mean / sd of the differences; better = share of\n"
              " replicates in which the arm does better (by each outcome's direction); Holm adjusts the Wilcoxon p\n"
              " over the outcomes of each arm)\n\n",
              100 * level);
}

void sobol(const std::string& file, const ex::Outcomes& o, std::size_t k, const std::vector<std::size_t>& arms, std::size_t minus,
           std::size_t bootstrap, double level, Csv& csv) {
  const int w = static_cast<int>(width_of(o.factor_names, 6));
  for (auto a : arms) {
    if (a == minus) continue;
    ex::SobolIndices s;
    try {
      s = ex::sobol(o, k, a, minus, bootstrap, level);
    } catch (const ArgumentError& e) {
      throw ArgumentError("--sobol", o.names[k] + " in " + file + ": " + e.what());
    }
    const std::string what = o.arm_names[a] + (minus == SIZE_MAX ? "" : " − " + o.arm_names[minus]);
    std::printf("Sobol' indices of %s, %s (n = %zu base samples, Var = %s, %zu bootstrap resamples)\n",
                o.names[k].c_str(), what.c_str(), s.n, num(s.variance).c_str(), s.bootstrap);
    std::printf("%-*s  %-24s  %-24s\n", w, "factor", "first order S1 [CI]", "total ST [CI]");
    for (std::size_t f = 0; f < s.factors.size(); ++f) {
      auto ci = [](double m, double lo, double hi) {
        return num(m, "%.3f") + " [" + num(lo, "%.2f") + ", " + num(hi, "%.2f") + "]";
      };
      std::printf("%-*s  %-24s  %-24s\n", w, s.factors[f].c_str(), ci(s.S1[f], s.S1_lo[f], s.S1_hi[f]).c_str(),
                  ci(s.ST[f], s.ST_lo[f], s.ST_hi[f]).c_str());
      const std::string mn = minus == SIZE_MAX ? "" : o.arm_names[minus];
      const double v[] = {s.S1[f], s.S1_lo[f], s.S1_hi[f], s.ST[f], s.ST_lo[f], s.ST_hi[f]};
      const char* names[] = {"S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"};
      for (int i = 0; i < 6; ++i) csv.row("sobol", o.names[k], o.arm_names[a], mn, -1, s.factors[f], names[i], v[i]);
    }
    std::printf("(S1: share of the variance of the mean over replicates due to the factor alone; ST: including its\n"
                " interactions; %.0f%% bootstrap percentile intervals)\n\n", 100 * level);
  }
}

void morris(const std::string& file, const ex::Outcomes& o, std::size_t k, const std::vector<std::size_t>& arms, std::size_t minus, Csv& csv) {
  const int w = static_cast<int>(width_of(o.factor_names, 6));
  for (auto a : arms) {
    if (a == minus) continue;
    ex::MorrisIndices m;
    try {
      m = ex::morris(o, k, a, minus);
    } catch (const ArgumentError& e) {
      throw ArgumentError("--morris", o.names[k] + " in " + file + ": " + e.what());
    }
    const std::string what = o.arm_names[a] + (minus == SIZE_MAX ? "" : " − " + o.arm_names[minus]);
    std::printf("Morris elementary effects of %s, %s\n", o.names[k].c_str(), what.c_str());
    std::printf("%-*s  %10s  %10s  %10s  %4s\n", w, "factor", "mu*", "mu", "sigma", "r");
    for (std::size_t f = 0; f < m.factors.size(); ++f) {
      std::printf("%-*s  %10s  %10s  %10s  %4zu\n", w, m.factors[f].c_str(), num(m.mu_star[f]).c_str(),
                  num(m.mu[f]).c_str(), num(m.sigma[f]).c_str(), m.r[f]);
      const std::string mn = minus == SIZE_MAX ? "" : o.arm_names[minus];
      const double v[] = {m.mu[f], m.mu_star[f], m.sigma[f], static_cast<double>(m.r[f])};
      const char* names[] = {"mu", "mu_star", "sigma", "r"};
      for (int i = 0; i < 4; ++i) csv.row("morris", o.names[k], o.arm_names[a], mn, -1, m.factors[f], names[i], v[i]);
    }
    std::printf("(effects per unit of each factor's range; mu*: importance, sigma: non-linearity or interaction;\n"
                " Campolongo et al. 2007)\n\n");
  }
}

void regime(const ex::Outcomes& o, std::size_t k, double level, Csv& csv) {
  if (o.arms < 2) throw ArgumentError("--regime", "a regime map needs an experiment with two or more arms");
  const auto m = ex::regime_map(o, k, level);
  std::printf("regime map of %s (%s is better): the best arm per design point, and whether its paired %.0f%% interval\n"
              "against the runner-up excludes 0 (win) or not (tie)\n",
              o.names[k].c_str(), o.better[k] < 0 ? "lower" : "higher", 100 * level);
  std::printf("%-6s", "point");
  for (const auto& f : o.factor_names) std::printf("  %12s", f.c_str());
  std::printf("  %-12s  %-12s  %-28s  %s\n", "best", "runner-up", "margin [interval]", "status");
  const char* status[] = {"unknown", "tie", "win"};
  for (std::size_t p = 0; p < o.points; ++p) {
    std::printf("%-6zu", p);
    for (const auto& v : o.factor_values) std::printf("  %12s", short_value(v[p]).c_str());
    const std::string best = m.best[p] >= 0 ? o.arm_names[static_cast<std::size_t>(m.best[p])] : "n/a";
    const std::string ru = m.runner_up[p] >= 0 ? o.arm_names[static_cast<std::size_t>(m.runner_up[p])] : "n/a";
    std::printf("  %-12s  %-12s  %-28s  %s\n", best.c_str(), ru.c_str(), interval(m.margin[p], m.lo[p], m.hi[p]).c_str(),
                status[m.status[p] + 1]);
    csv.row("regime", o.names[k], best, ru, static_cast<long>(p), "", "margin", m.margin[p]);
    csv.row("regime", o.names[k], best, ru, static_cast<long>(p), "", "lo", m.lo[p]);
    csv.row("regime", o.names[k], best, ru, static_cast<long>(p), "", "hi", m.hi[p]);
    csv.row("regime", o.names[k], best, ru, static_cast<long>(p), "", "status", m.status[p]);
  }
  std::printf("\n");
}

/// The CSV file must be a new or existing .csv file that is not the results file itself.
void check_csv(const std::string& csv, const std::string& results) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (csv.empty()) throw ArgumentError("--csv", "give the CSV file's name, e.g. tables.csv");
  if (fs::is_directory(csv, ec))
    throw ArgumentError("--csv", csv + " is a folder; give the CSV file's name, e.g. " +
                                     (fs::path(csv) / "tables.csv").string());
  if (fs::path(csv).extension() != ".csv")
    throw ArgumentError("--csv", "the CSV file's name must end in .csv (got " + csv + "), so no other file is replaced");
  if (fs::exists(csv, ec) && fs::equivalent(csv, results, ec))
    throw ArgumentError("--csv", csv + " is the results file itself");
  if (fs::exists(csv, ec) && !fs::is_regular_file(csv, ec))
    throw ArgumentError("--csv", csv + " is not a regular file");
  const auto parent = fs::path(csv).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw ArgumentError("--csv", "no folder " + parent.string() + " for " + csv);
}

}  // namespace

void print_adequacy(const ex::Outcomes& o, double half_width, bool relative, double level) {
  Csv none;
  const auto rows = ex::adequacy_table(o, half_width, relative, level);
  const int w = static_cast<int>(width_of(o.names, 7));
  if (relative)
    std::printf("replication adequacy: replicates needed for a %.0f%% interval of ± %g × |mean|", 100 * level, half_width);
  else
    std::printf("replication adequacy: replicates needed for a %.0f%% interval of ± %g", 100 * level, half_width);
  std::printf("%s\n", o.points > 1 ? " (the design point that needs most)" : "");
  std::printf("%-*s  %-12s  %5s  %10s  %10s  %12s  %8s\n", w, "outcome", "arm", "run", "cv", "half-width", "target",
              "needed");
  for (std::size_t k = 0; k < o.names.size(); ++k)
    for (std::size_t a = 0; a < o.arms; ++a) {
      const ex::Adequacy* worst = nullptr;
      for (const auto& r : rows) {
        if (r.outcome != k || r.arm != a) continue;
        // the point that needs most among those with an estimate (an interrupted file has empty points)
        const bool est = r.a.n >= 2, worst_est = worst && worst->n >= 2;
        if (!worst || (est && !worst_est) || (est == worst_est && !(r.a.needed <= worst->needed))) worst = &r.a;
      }
      if (!worst) continue;
      std::string need = num(worst->needed, "%.0f");
      if (std::isfinite(worst->needed)) need += worst->adequate ? "  ok" : "  MORE";
      std::printf("%-*s  %-12s  %5zu  %10s  %10s  %12s  %8s\n", w, o.names[k].c_str(), o.arm_names[a].c_str(),
                  worst->n, num(worst->cv).c_str(), num(worst->half_width).c_str(), num(worst->target).c_str(),
                  need.c_str());
    }
  std::printf("(from the sd over the replicates run (Lorscheid, Heine & Meyer 2012); a relative target is "
              "infinite for a mean of 0)\n\n");
}

int analyse(const AnalyseOptions& opt) {
  const ex::Outcomes o = ex::read_outcomes(opt.file);
  std::size_t done = 0;
  for (auto d : o.done) done += d ? 1 : 0;
  Csv csv;
  csv.on = opt.csv_given;
  if (csv.on) csv.out << "analysis,outcome,arm,baseline,point,factor,statistic,value\n";
  const bool none = !opt.paired && opt.sobol.empty() && opt.morris.empty() && opt.regime.empty() && opt.adequacy <= 0;
  auto find = [&](const std::vector<std::string>& names, const std::string& name, const char* flag, const char* what) {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return i;
    std::string msg = std::string("no ") + what + " '" + name + "' in " + opt.file + " (it has: ";
    for (std::size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : "") + names[i];
    throw ArgumentError(flag, msg + ")");
  };
  auto outcome = [&](const std::string& name, const char* flag) { return find(o.names, name, flag, "outcome"); };
  auto arm = [&](const std::string& name, const char* flag) { return find(o.arm_names, name, flag, "arm"); };
  // check every name before printing anything
  const std::size_t base = opt.baseline.empty() ? o.baseline_index() : arm(opt.baseline, "--paired");
  const std::size_t minus = opt.minus.empty() ? SIZE_MAX : arm(opt.minus, "--minus");
  std::vector<std::size_t> arms;
  if (!opt.arm.empty()) arms.push_back(arm(opt.arm, "--arm"));
  else
    for (std::size_t a = 0; a < o.arms; ++a) arms.push_back(a);
  const std::size_t ks = opt.sobol.empty() ? 0 : outcome(opt.sobol, "--sobol");
  const std::size_t km = opt.morris.empty() ? 0 : outcome(opt.morris, "--morris");
  const std::size_t kr = opt.regime.empty() ? 0 : outcome(opt.regime, "--regime");
  if (!opt.sobol.empty() && o.design != "sobol")
    throw ArgumentError("--sobol", "needs an experiment with design: sobol (" + opt.file + " has design: " + o.design + ")");
  if (!opt.morris.empty() && o.design != "morris")
    throw ArgumentError("--morris", "needs an experiment with design: morris (" + opt.file + " has design: " + o.design + ")");
  const bool sensitivity = !opt.sobol.empty() || !opt.morris.empty();
  if (!sensitivity && (!opt.arm.empty() || !opt.minus.empty()))
    throw ArgumentError(opt.arm.empty() ? "--minus" : "--arm", "goes with --sobol or --morris");
  if (!opt.arm.empty() && opt.arm == opt.minus) throw ArgumentError("--minus", "must be another arm than --arm");
  if (!(opt.level > 0 && opt.level < 1)) throw ArgumentError("--level", "must be in (0, 1)");
  if (opt.paired && o.arms < 2)
    throw ArgumentError("--paired", opt.file + " has one arm; a paired comparison needs two or more");
  if (opt.csv_given) check_csv(opt.csv, opt.file);
  std::printf("%s: %zu point(s) × %zu arm(s) × %zu replicate(s), design %s; %zu of %zu jobs done\n\n",
              opt.file.c_str(), o.points, o.arms, o.replicates, o.design.c_str(), done, o.done.size());
  if (done < o.done.size())
    std::printf("warning: %zu jobs are missing (interrupted? finish with --resume); the analyses use what is there\n\n",
                o.done.size() - done);

  if (opt.paired || none) paired(o, base, opt.level, csv);
  if (opt.adequacy > 0 || none) {
    const double hw = opt.adequacy > 0 ? opt.adequacy : 0.05;
    print_adequacy(o, hw, !opt.absolute, opt.level);
    for (const auto& r : ex::adequacy_table(o, hw, !opt.absolute, opt.level)) {
      const double v[] = {static_cast<double>(r.a.n), r.a.mean, r.a.sd, r.a.cv, r.a.half_width, r.a.target, r.a.needed};
      const char* names[] = {"n", "mean", "sd", "cv", "half_width", "target", "needed"};
      for (int i = 0; i < 7; ++i)
        csv.row("adequacy", o.names[r.outcome], o.arm_names[r.arm], "", static_cast<long>(r.point), "", names[i], v[i]);
    }
  }
  if (!opt.sobol.empty()) sobol(opt.file, o, ks, arms, minus, opt.bootstrap, opt.level, csv);
  if (!opt.morris.empty()) morris(opt.file, o, km, arms, minus, csv);
  if (!opt.regime.empty()) regime(o, kr, opt.level, csv);
  if (csv.on) {
    const std::string tmp = opt.csv + ".partial";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      if (!f) throw IoError(opt.csv, "cannot write the CSV file");
      f << csv.out.str();
      f.flush();
      if (!f) {
        f.close();
        std::remove(tmp.c_str());
        throw IoError(opt.csv, "cannot write the CSV file (disk full?)");
      }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, opt.csv, ec);
    if (ec) {
      std::remove(tmp.c_str());
      throw IoError(opt.csv, "cannot write the CSV file: " + ec.message());
    }
    std::printf("tables written to %s\n", opt.csv.c_str());
  }
  return 0;
}

}  // namespace tegenmacht::cli
