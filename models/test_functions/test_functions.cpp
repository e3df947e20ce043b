#include "test_functions/test_functions.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "tegenmacht/error.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/state.hpp"

namespace tegenmacht::models {

namespace {
constexpr double kPi = std::numbers::pi;
}  // namespace

double ishigami(double x1, double x2, double x3, double a, double b) {
  const double s1 = std::sin(x1), s2 = std::sin(x2), x3sq = x3 * x3;
  return s1 + a * s2 * s2 + b * x3sq * x3sq * s1;
}

double sobol_g(std::span<const double> x, std::span<const double> a) {
  if (x.size() != a.size())
    throw ArgumentError("a", "has " + std::to_string(a.size()) + " values but x has " + std::to_string(x.size()));
  double g = 1;
  for (std::size_t i = 0; i < x.size(); ++i) g *= (std::abs(4 * x[i] - 2) + a[i]) / (1 + a[i]);
  return g;
}

SobolIndices ishigami_indices(double a, double b) {
  // With X uniform on [−π, π]: E sin X = 0, E sin² X = 1/2, E sin⁴ X = 3/8,
  // E X⁴ = π⁴/5, E X⁸ = π⁸/9. The ANOVA terms are f1 = sin x1 (1 + bπ⁴/5),
  // f2 = a (sin² x2 − 1/2) and f13 = b sin x1 (x3⁴ − π⁴/5); x3 acts only
  // through f13, so V3 = 0 but ST3 > 0.
  const double pi4 = std::pow(kPi, 4), pi8 = pi4 * pi4;
  const double v1 = 0.5 * (1 + b * pi4 / 5) * (1 + b * pi4 / 5);
  const double v2 = a * a / 8;
  const double v13 = 8 * b * b * pi8 / 225;  // b² π⁸ (1/18 − 1/50)
  const double v = a * a / 8 + b * pi4 / 5 + b * b * pi8 / 18 + 0.5;  // = v1 + v2 + v13, always >= 1/2
  return {{v1 / v, v2 / v, 0.0}, {(v1 + v13) / v, v2 / v, v13 / v}, v, a / 2};
}

SobolIndices sobol_g_indices(std::span<const double> a) {
  // Each factor (|4X − 2| + a_i)/(1 + a_i) has mean 1 and variance V_i, and
  // the factors are independent, so V(∏) = ∏(1 + V_i) − 1 and the inputs
  // other than i contribute ∏_{j≠i}(1 + V_j) to every term containing i.
  SobolIndices out{{}, {}, 0.0, 1.0};
  std::vector<double> vi;
  double prod = 1;
  for (double ai : a) {
    vi.push_back(1 / (3 * (1 + ai) * (1 + ai)));
    prod *= 1 + vi.back();
  }
  out.variance = prod - 1;
  for (double v : vi) {
    out.first.push_back(v / out.variance);
    out.total.push_back(v * (prod / (1 + v)) / out.variance);
  }
  return out;
}

void TestFunctionModel::declare(Recorder& rec) {
  m_y_ = rec.scalar("y", "", description_);
}

void TestFunctionModel::observe(Recorder& rec) { rec.set(m_y_, y_); }

void IshigamiModel::declare_schema(Schema& s) {
  auto& f = s.section("ishigami", "the Ishigami function sin x1 + a sin² x2 + b x3⁴ sin x1");
  // the bounds are the support of the uniform inputs of the analytic indices
  f.add_double("x1", 0, -kPi, kPi, "input x1 (uniform on [-π, π] in the analytic indices)");
  f.add_double("x2", 0, -kPi, kPi, "input x2 (uniform on [-π, π] in the analytic indices)");
  f.add_double("x3", 0, -kPi, kPi, "input x3 (uniform on [-π, π] in the analytic indices)");
  f.add_double("a", 7, -1e6, 1e6, "coefficient of sin² x2 (7 in Saltelli et al. 2008)");
  f.add_double("b", 0.1, -1e6, 1e6, "coefficient of x3⁴ sin x1 (0.1 in Saltelli et al. 2008)");
}

void IshigamiModel::init(const Config& cfg, const Rng&, Parallel&) {
  y_ = ishigami(cfg.get_double("ishigami.x1"), cfg.get_double("ishigami.x2"), cfg.get_double("ishigami.x3"),
                cfg.get_double("ishigami.a"), cfg.get_double("ishigami.b"));
}

void SobolGModel::declare_schema(Schema& s) {
  auto& f = s.section("sobol_g", "Sobol's G function ∏ (|4 x_i − 2| + a_i) / (1 + a_i)");
  f.add_doubles("x", {0.5, 0.5, 0.5, 0.5}, 0, 1, "inputs x_i, one per factor (uniform on [0, 1] in the analytic indices)");
  // a_i = ∞ would make a factor ∞/∞; 1e12 already makes it constant to 12 digits
  f.add_doubles("a", {0, 1, 4.5, 9}, 0, 1e12,
                "one a_i per input: the larger a_i, the less x_i matters (a_i = 0: the most)");
}

void SobolGModel::init(const Config& cfg, const Rng&, Parallel&) {
  const auto x = cfg.get_doubles("sobol_g.x");
  const auto a = cfg.get_doubles("sobol_g.a");
  if (x.empty()) cfg.fail("sobol_g.x", "is empty; give at least one input");
  if (a.size() != x.size())
    cfg.fail("sobol_g.a", "has " + std::to_string(a.size()) + " values but sobol_g.x has " +
                              std::to_string(x.size()) + "; give one a_i per input");
  y_ = sobol_g(x, a);
}

void register_ishigami_model() {
  ModelInfo info{"ishigami", "Ishigami function: a test of sensitivity analysis with known indices (no agents)",
                 IshigamiModel::declare_schema, [] { return std::make_unique<IshigamiModel>(); }};
  info.default_outcomes = {"y"};
  Registry::instance().add(std::move(info));
}

void register_sobol_g_model() {
  ModelInfo info{"sobol_g", "Sobol' G function: a test of sensitivity analysis with known indices (no agents)",
                 SobolGModel::declare_schema, [] { return std::make_unique<SobolGModel>(); }};
  info.default_outcomes = {"y"};
  Registry::instance().add(std::move(info));
}

void TestFunctionModel::state(State& s) { s.add("y", y_); }

}  // namespace tegenmacht::models
