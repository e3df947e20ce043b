// Scenario keys of the organizing model, their defaults (MODEL.md sections 7
// and 8), and the strategy presets.
#include <algorithm>

#include "organizing/organizing.hpp"
#include "tegenmacht/registry.hpp"

namespace tegenmacht::models {

namespace {

constexpr double kInf = 1e6;

const char* kDefaultIssues = "[{name: housing, weight: 0.5}, {name: pollution, weight: 0.5}]";

const char* kDefaultGroups = R"([
  {name: established,  class: established,  trust: 0.55, survival_load: 0.15, efficacy: 0.22, skill: 0.30, attitude: 0.60, exposure: [0.30, 0.30]},
  {name: mixed,        class: mixed,        trust: 0.45, survival_load: 0.25, efficacy: 0.18, skill: 0.25, attitude: 0.35, exposure: [0.45, 0.30]},
  {name: marginalised, class: marginalised, trust: 0.30, survival_load: 0.50, efficacy: 0.10, skill: 0.12, attitude: 0.00, exposure: [0.70, 0.40]}])";

const char* kDefaultNeighbourhoods = R"([
  {name: estate, size: 5000, group_shares: [0.35, 0.30, 0.35], exposure_factor: [1.2, 0.5], target_issue: housing, target_institution: municipality},
  {name: rental, size: 5000, group_shares: [0.45, 0.35, 0.20], exposure_factor: [1.1, 0.6], target_issue: housing, target_institution: housing_corporation},
  {name: plant,  size: 5000, group_shares: [0.45, 0.25, 0.30], exposure_factor: [0.8, 1.5], target_issue: pollution, target_institution: company},
  {name: owners, size: 5000, group_shares: [0.75, 0.20, 0.05], exposure_factor: [0.6, 0.8], target_issue: housing, target_institution: municipality}])";

const char* kDefaultInstitutions = R"([
  {name: municipality, issues: [housing, pollution], resistance: 0.15, responsiveness: 0.3, repression: 0.2, legitimacy: 0.6, stance: 0.6, funds: [all]},
  {name: company, issues: [pollution], resistance: 0.20, responsiveness: 0.3, repression: 0.2, legitimacy: 0.6, stance: 0.6, funds: []},
  {name: housing_corporation, issues: [housing], resistance: 0.15, responsiveness: 0.3, repression: 0.2, legitimacy: 0.6, stance: 0.6, funds: []}])";

}  // namespace

const std::vector<std::string>& OrganizingModel::strategies() {
  static const std::vector<std::string> s{"polder", "alinsky", "coalition", "casework", "custom"};
  return s;
}

const std::vector<std::pair<std::string, std::string>>& OrganizingModel::preset(const std::string& strategy) {
  static const std::map<std::string, std::vector<std::pair<std::string, std::string>>> presets{
      {"polder",
       {{"workers.casework_share", "0.6"}, {"workers.profile", "[1, 0, 0]"}, {"tactics.max_level", "0"},
        {"tactics.assembly_interval", "0"}}},
      {"alinsky",
       {{"workers.casework_share", "0.6"}, {"workers.profile", "[0, 1, 0]"}, {"tactics.max_level", "4"},
        {"tactics.assembly_interval", "0"}}},
      {"coalition",
       {{"workers.casework_share", "0.6"}, {"workers.profile", "[0, 0.5, 0.5]"}, {"tactics.max_level", "2"},
        {"tactics.assembly_interval", "13"}}},
      {"casework",
       {{"workers.casework_share", "1"}, {"workers.profile", "[1, 0, 0]"}, {"tactics.max_level", "0"},
        {"tactics.assembly_interval", "0"}}},
      {"custom", {}},
  };
  static const std::vector<std::pair<std::string, std::string>> none;
  auto it = presets.find(strategy);
  return it == presets.end() ? none : it->second;
}

void OrganizingModel::prepare(Config& raw) {
  const YAML::Node s = raw.root()["strategy"];
  const std::string name = s && s.IsScalar() ? s.Scalar() : "polder";
  for (const auto& [path, value] : preset(name))
    raw.set_default(path, YAML::Load(value), "strategy preset '" + name + "'");
}

void OrganizingModel::declare_schema(Schema& s) {
  s.add_choice("strategy", "polder", strategies(),
               "strategy preset: fills workers.casework_share, workers.profile, tactics.max_level and "
               "tactics.assembly_interval unless the scenario sets them (custom: fills nothing)");
  s.add_double("concentration", 10, 0.01, 1e6, "Beta concentration of individual values around group means");

  auto& issue = s.list("issues", kDefaultIssues, "issues residents face");
  issue.add_string("name", "", "issue name").required = true;
  issue.find("name")->unique = true;
  issue.add_double("weight", 1, 0, 1, "weight w_k in grievance (weights must sum to 1)");

  auto& g = s.list("groups", kDefaultGroups, "resident groups (means of individual values)");
  g.add_string("name", "", "group name").required = true;
  g.find("name")->unique = true;
  g.add_choice("class", "mixed", {"established", "mixed", "marginalised"},
               "for the participation ratio marginalised / established");
  g.add_double("trust", 0.5, 0, 1, "mean trust L in institutions");
  g.add_double("survival_load", 0.2, 0, 1, "mean survival load s");
  g.add_double("efficacy", 0.2, 0, 1, "mean collective efficacy E");
  g.add_double("skill", 0.2, 0, 1, "mean leadership skill");
  g.add_double("attitude", 0, -1, 1, "mean attitude towards the institutions' position");
  g.add_doubles("exposure", {}, 0, 1, "exposure per issue (one value per issue)").min_size = 1;

  auto& nb = s.list("neighbourhoods", kDefaultNeighbourhoods, "neighbourhoods and their resident organisations");
  nb.add_string("name", "", "neighbourhood name").required = true;
  nb.find("name")->unique = true;
  nb.add_int("size", 5000, 1, 4e9, "residents");
  nb.add_doubles("group_shares", {}, 0, 1, "share of each group (sums to 1)").min_size = 1;
  nb.add_doubles("exposure_factor", {}, 0, 100, "multiplier of group exposure per issue").min_size = 1;
  nb.add_string("target_issue", "", "issue the resident organisation campaigns on").required = true;
  nb.add_string("target_institution", "", "institution it targets ('' for none)");
  nb.add_int("workers", 2, 0, 1000, "social workers in the neighbourhood");
  nb.add_double("funding_dependence", -1, -1, 1,
                "funding dependence of its workers (-1: workers.funding_dependence)");
  nb.add_double("concreteness", -1, -1, 1, "initial concreteness of the issue framing (-1: environment.concreteness)");

  auto& inst = s.list("institutions", kDefaultInstitutions, "institutions residents press");
  inst.add_string("name", "", "institution name").required = true;
  inst.find("name")->unique = true;
  inst.add_strings("issues", {}, "issues it can concede on");
  inst.add_double("resistance", 0.15, 1e-6, kInf, "resistance R: pressure needed for an even chance of conceding");
  inst.add_double("responsiveness", 0.3, 0, 1, "responsiveness ω: gates level-0 pressure and consultation");
  inst.add_double("repression", 0.2, 0, 1, "repression ρ");
  inst.add_double("legitimacy", 0.6, 0, 1, "initial legitimacy Λ");
  inst.add_double("stance", 0.6, -1, 1, "position a_j on the attitude scale");
  inst.add_strings("funds", {}, "neighbourhoods whose workers it pays ([all] for every neighbourhood)");

  auto& cso = s.list("csos", "[]", "civil society organisations (scenarios/default.yaml has the default town's six)");
  cso.add_string("name", "", "organisation name").required = true;
  cso.find("name")->unique = true;
  cso.add_string("neighbourhood", "", "neighbourhood it is rooted in").required = true;
  cso.add_double("members", 50, 0, 1e9, "members");
  cso.add_double("legitimacy", 0.5, 0, 1, "legitimacy");
  cso.add_doubles("interest", {}, 0, 1, "interest per issue (one value per issue)").min_size = 1;

  auto& ev = s.list("timeline", "[]", "scheduled shocks and policy changes (scenarios/default.yaml has the default town's two)");
  ev.add_int("week", 0, 1, 1e8, "week the event happens (before the week's environment update)").required = true;
  ev.add_choice("type", "shock", {"structural", "shock", "subsidy_cut", "strategy", "set"},
                "structural: exposure ×= 1 + size; shock: hardship += size × exposure × (1 − safety_net); "
                "subsidy_cut: funding −= size × funding_dependence of the workers an institution funds; strategy: "
                "switch to a preset; set: set a parameter")
      .optional = true;
  ev.add_string("issue", "", "issue (structural, shock; '' = every issue)").optional = true;
  ev.add_string("neighbourhood", "", "neighbourhood ('' = every neighbourhood)").optional = true;
  ev.add_string("institution", "", "subsidy_cut: funding institution ('' = every funder)").optional = true;
  ev.add_double("size", 0, -1, 100, "size of the event").optional = true;
  ev.add_double("hardship", 0, -1, 1, "shorthand for type: shock, size: value").optional = true;
  ev.add_double("exposure", 0, -1, 100, "shorthand for type: structural, size: value").optional = true;
  ev.add_choice("strategy", "polder", strategies(), "strategy: the preset to switch to").optional = true;
  ev.add_string("key", "", "set: parameter path, e.g. response.cooptation").optional = true;
  ev.add_doubles("value", {}, -1e12, 1e12, "set: new value (a list for list parameters)").optional = true;

  auto& net = s.section("network", "social network: stochastic block model over neighbourhood × group cells");
  net.add_choice("type", "sbm", {"sbm", "complete"}, "sbm, or complete (for reductions to the threshold model)");
  net.add_double("mean_degree", 12, 0, 1e5, "mean number of contacts");
  net.add_double("local", 0.8, 0, 1, "share of ties inside the own neighbourhood");
  net.add_double("homophily", 0.7, 0, 1, "share of ties inside the own group");

  auto& env = s.section("environment", "hardship and survival load");
  env.add_double("lambda_h", 0.05, 0, 1, "λ_h: weekly adjustment of hardship to its structural level");
  env.add_double("lambda_out", 0.02, 0, 1, "λ_out: weekly recovery from survival load");
  env.add_double("safety_net", 0.2, 0, 1, "share of exposure absorbed by the welfare state");
  env.add_double("concreteness", 0.4, 0, 1, "initial concreteness c_k(b) of issue framing");

  auto& w = s.section("workers", "social workers");
  w.add_double("hours", 32, 0, 168, "hours a week");
  w.add_double("casework_share", 0.6, 0, 1, "φ: share of hours spent on individual casework");
  auto& prof = w.add_doubles("profile", {1.0 / 3, 1.0 / 3, 1.0 / 3}, 0, 1,
                             "split of collective hours: dialogue, organising, coalition (sums to 1)");
  prof.min_size = prof.max_size = 3;
  w.add_double("iron_rule", 0.5, 0, 1, "'never do for others what they can do for themselves'");
  w.add_double("power_literacy", 0.5, 0, 1, "how well workers train leaders in power analysis");
  w.add_double("funding_dependence", 1.0, 0, 1, "d_w: 0 an independent organiser, 1 a fully subsidised worker");
  w.add_double("hours_per_case", 2, 0.01, 1e3, "hours per casework client a week");
  w.add_double("relief", 0.3, 0, 1, "survival load removed per case");
  w.add_double("skill_gain", 0.02, 0, 1, "skill a client gains per case × iron_rule");
  w.add_int("case_sample", 64, 1, 1e6, "residents screened per case (the neediest is helped)");

  auto& o = s.section("organizing", "what workers do with collective hours");
  o.add_int("meeting_interval", 4, 1, 1000, "weeks between consultation meetings");
  o.add_double("invites_per_hour", 5, 0, 1e4, "residents invited per dialogue hour");
  o.add_double("hours_per_121", 1.5, 0.01, 1e3, "hours per one-to-one conversation");
  o.add_double("snowball", 0.7, 0, 1, "chance a one-to-one targets a contact of a member");
  o.add_double("agitation", 0.1, 0, 1, "efficacy gain of a one-to-one");
  o.add_double("issue_cut", 0.0001, 0, 1, "rise of issue concreteness per one-to-one");
  o.add_double("training", 0.005, 0, 1, "skill gain of the two most skilled members per one-to-one × power_literacy");
  o.add_double("ally_rate", 0.005, 0, 1, "weekly chance per coalition hour × interest that a CSO joins the alliance");

  auto& r = s.section("residents", "resident decisions");
  r.add_double("invite", 0.01, 0, 1, "chance that a member contact invites a passive resident in a week");
  r.add_double("join_threshold", 0.25, 0, 1, "motivation needed to join");
  r.add_double("act_threshold", 0.2, -1, 1, "motivation minus perceived risk needed to act (-1: never binding)");
  r.add_double("a0", 0.05, 1e-9, 1, "safety in numbers: share of actives that cuts perceived risk by 1/e");
  r.add_double("leader_skill", 0.6, 0, 1, "skill above which a resident is a leader");
  r.add_double("dropout", 0.07, 0, 1, "weekly dropout × (1 − E)(1 − K)");
  r.add_double("fatigue_max", 0.8, 0, 1, "fatigue above which nobody acts");
  r.add_double("meeting_recruit", 0.1, 0, 1, "chance an attendee counts as contacted");
  r.add_double("member_weight", 0.3, 0, 1, "weight of a non-acting member in power");
  r.add_double("threshold_mean", 0.25, 0, 1, "mean Granovetter threshold θ (Normal, clipped to [0, 1])");
  r.add_double("threshold_sd", 0.12, 0, 10, "sd of θ");
  r.add_double("initial_member_share", 0, 0, 1, "share of residents who are members at week 0");

  auto& t = s.section("tactics", "the resident organisations' strategy");
  t.add_int("max_level", 4, 0, 4, "highest escalation level: 0 consultation, 1 petition, 2 demonstration, 3 media, 4 direct action");
  t.add_int("initial_level", 0, 0, 4, "escalation level at week 0");
  t.add_int("patience", 8, 1, 1e6, "weeks at a level without concession before escalating");
  auto& pn = t.add_doubles("power_needed", {0, 0.01, 0.02, 0.03, 0.05}, 0, 1e6, "power needed for each level");
  pn.min_size = pn.max_size = 5;
  t.add_double("turnout_needed", 0.002, 0, 1, "share of residents acting last week needed for level 4");
  auto& in = t.add_doubles("intensity", {0.3, 0.5, 1.0, 1.5, 2.5}, 0, 1e6, "pressure multiplier of each level");
  in.min_size = in.max_size = 5;
  t.add_double("deescalate", 0.7, 0, 1, "de-escalate when power < deescalate × power_needed[level]");
  t.add_int("assembly_interval", 0, 0, 1e6, "weeks between accountability assemblies (0: none)");
  t.add_double("assembly_weight", 0.1, 0, 1e6, "pressure of an assembly per unit of allied legitimacy");
  t.add_double("voice", 1.0, 0, 1e6, "weight of consultation attendance in pressure");

  auto& resp = s.section("response", "institutional response");
  resp.add_double("beta", 0.3, 0, 1, "β: weight of this week's pressure in perceived pressure");
  resp.add_double("spread", 0.1, 1e-6, 1e6, "spread of the logistic concession curve");
  resp.add_double("gain", 0.1, 0, 1, "concession size");
  resp.add_double("small_gain", 0.005, 0, 1, "concession size of a consultation meeting");
  resp.add_double("cooptation", 0.02, 0, 1, "weekly chance that a leader is co-opted while pressure is below resistance");
  resp.add_double("subsidy_cut", 0.2, 0, 1, "funding lost by a sanctioned, fully dependent worker");
  resp.add_double("funder_solidarity", 0, 0, 1, "share of the cut applied by other funders");
  resp.add_double("funding_recovery", 0.01, 0, 1, "weekly recovery of funding without sanction");
  resp.add_double("risk_jump", 0.3, 0, 1, "jump of perceived repression after a sanction");
  resp.add_double("risk_decay", 0.05, 0, 1, "weekly relaxation of perceived repression");
  resp.add_double("legit_action", 0.002, 0, 1, "legitimacy lost per week of unanswered action × level/4");
  resp.add_double("legit_sanction", 0.02, 0, 1, "legitimacy lost per sanction");
  resp.add_double("legit_concession", 0.05, 0, 1, "legitimacy gained per concession × min(1, size/gain)");
  resp.add_double("legit_recovery", 0.01, 0, 1, "weekly recovery of legitimacy towards its initial value");

  auto& fb = s.section("feedback", "learning, trust, attitudes, fatigue");
  fb.add_double("learning_rate", 0.15, 0, 1, "efficacy change after a concession, sanction or ignored action");
  fb.add_double("trust_gain", 0.2, 0, 1, "trust gained by attendees in a week with a concession");
  fb.add_double("trust_loss", 0.08, 0, 1, "trust lost by attendees in a week without one");
  fb.add_double("sanction_trust", 0.1, 0, 1, "trust lost by residents of a sanctioned neighbourhood");
  fb.add_double("coopt_trust", 0.3, 0, 1, "trust gained by a co-opted leader");
  fb.add_double("media_rate", 0.002, 0, 1, "weekly drift of trust towards institutional legitimacy");
  fb.add_double("confidence", 0.4, 0, 2, "bounded confidence: attitudes closer than this assimilate");
  fb.add_double("rejection", 0.8, 0, 2, "attitudes farther than this repel actives (Jager–Amblard)");
  fb.add_double("mu", 0.2, 0, 1, "attitude step towards/away from the institution");
  fb.add_double("peer_mu", 0.005, 0, 1, "attitude step towards a random contact");
  fb.add_double("fatigue_rate", 0.05, 0, 1, "weekly fatigue of an active resident");
  fb.add_double("fatigue_decay", 0.1, 0, 1, "weekly recovery from fatigue");
  fb.add_double("learning", 0.002, 0, 1, "weekly skill gain of members × the workers' iron rule");
}

void register_organizing_model() {
  ModelInfo info{"organizing", "residents, institutions and social workers under polder, Alinsky and coalition rules",
                 OrganizingModel::declare_schema, [] { return std::make_unique<OrganizingModel>(); },
                 OrganizingModel::prepare};
  // what an experiment reports when its file names no outcomes: the question
  // of MODEL.md section 1 (hardship, power, trust, inclusion) and its costs
  info.default_outcomes = {"concessions", "won_by_pressure", "won_in_consultation", "arnstein_mean", "hardship",
                           "survival_load", "trust", "efficacy", "member", "active", "participation_gap",
                           "coopted_leaders", "sanctions_total", "worker_funding_min", "legitimacy"};
  // less is better for what residents bear, the gap between groups and the backlash
  info.lower_is_better = {"hardship", "survival_load", "participation_gap", "coopted_leaders", "sanctions_total", "grievance",
                          "sanctions"};
  Registry::instance().add(std::move(info));
}

}  // namespace tegenmacht::models
