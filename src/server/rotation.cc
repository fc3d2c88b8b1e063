// Rotation schedules (RotationRules) and the command rotation hook.
#include "keyward/server/rotation.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "server/messages.h"

extern char** environ;

namespace keyward::server {
namespace {

constexpr double kHour = 3600;

Status BadSchedule(std::string_view why) {
  return ApiFailure(Msg::kBadRotationRules, {why});
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return std::string(s);
}

// "N unit" inside rate(...): N and whether the unit is days (else hours).
struct Rate {
  std::int64_t n = 0;
  bool days = true;
};

std::optional<Rate> ParseRate(std::string_view expr) {
  if (!expr.starts_with("rate(") || !expr.ends_with(")")) return std::nullopt;
  std::string body = Trim(expr.substr(5, expr.size() - 6));
  std::size_t i = 0;
  std::int64_t n = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) {
    n = n * 10 + (body[i] - '0');
    if (n > 100000) return std::nullopt;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string unit = Trim(body.substr(i));
  if (unit == "day" || unit == "days") return Rate{n, true};
  if (unit == "hour" || unit == "hours") return Rate{n, false};
  return std::nullopt;
}

// One cron field as the set of values it allows.
struct CronField {
  std::set<int> values;
  bool any = false;       // '*'
  bool question = false;  // '?'
};

int NameValue(std::string_view token, bool months) {
  static constexpr std::string_view kMonths[] = {"JAN", "FEB", "MAR", "APR",
                                                 "MAY", "JUN", "JUL", "AUG",
                                                 "SEP", "OCT", "NOV", "DEC"};
  static constexpr std::string_view kDays[] = {"SUN", "MON", "TUE", "WED",
                                               "THU", "FRI", "SAT"};
  std::string up(token);
  for (char& c : up) c = static_cast<char>(std::toupper(c));
  if (months) {
    for (int i = 0; i < 12; ++i)
      if (up == kMonths[i]) return i + 1;
  } else {
    for (int i = 0; i < 7; ++i)
      if (up == kDays[i]) return i + 1;
  }
  if (token.empty() || token.size() > 4) return -1;
  int n = 0;
  for (char c : token) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

// Parses one field with values lo..hi: '*', '?', N, A-B, */S, A/S, A-B/S,
// and comma lists of those. `names`: 1 months, 2 weekdays.
std::optional<CronField> ParseField(std::string_view text, int lo, int hi,
                                    int names) {
  CronField f;
  if (text == "*") {
    f.any = true;
    return f;
  }
  if (text == "?") {
    f.question = true;
    return f;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view part = text.substr(
        start, comma == std::string_view::npos ? text.npos : comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    int step = 1;
    if (auto slash = part.find('/'); slash != part.npos) {
      step = NameValue(part.substr(slash + 1), false);
      if (step < 1 || step > hi) return std::nullopt;
      part = part.substr(0, slash);
    }
    int a = lo, b = hi;
    if (part != "*") {
      auto dash = part.find('-');
      a = NameValue(part.substr(0, dash), names == 1);
      b = dash == part.npos ? (step > 1 ? hi : a)
                            : NameValue(part.substr(dash + 1), names == 1);
    }
    if (a < lo || b > hi || a > b) return std::nullopt;
    for (int v = a; v <= b; v += step) f.values.insert(v);
  }
  return f;
}

struct Cron {
  CronField minute, hour, dom, month, dow, year;
};

std::optional<Cron> ParseCron(std::string_view expr) {
  if (!expr.starts_with("cron(") || !expr.ends_with(")")) return std::nullopt;
  std::string body = Trim(expr.substr(5, expr.size() - 6));
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && body[i] == ' ') ++i;
    std::size_t j = body.find(' ', i);
    if (j == std::string::npos) j = body.size();
    if (j > i) fields.push_back(body.substr(i, j - i));
    i = j;
  }
  if (fields.size() != 6) return std::nullopt;
  Cron c;
  auto min = ParseField(fields[0], 0, 59, 0);
  auto hour = ParseField(fields[1], 0, 23, 0);
  auto dom = ParseField(fields[2], 1, 31, 0);
  auto month = ParseField(fields[3], 1, 12, 1);
  auto dow = ParseField(fields[4], 1, 7, 2);
  auto year = ParseField(fields[5], 1970, 2199, 0);
  if (!min || !hour || !dom || !month || !dow || !year) return std::nullopt;
  if (min->question || hour->question || month->question || year->question)
    return std::nullopt;
  // AWS: exactly one of day-of-month and day-of-week is '?'.
  if (dom->question == dow->question) return std::nullopt;
  c.minute = *min;
  c.hour = *hour;
  c.dom = *dom;
  c.month = *month;
  c.dow = *dow;
  c.year = *year;
  return c;
}

bool Allows(const CronField& f, int v) {
  return f.any || f.question || f.values.count(v) != 0;
}

double NextCron(const Cron& c, double after) {
  std::time_t t = static_cast<std::time_t>(std::floor(after / 60) * 60 + 60);
  std::tm day{};
  gmtime_r(&t, &day);
  int first_minute = day.tm_hour * 60 + day.tm_min;
  day.tm_hour = day.tm_min = day.tm_sec = 0;
  std::time_t day_start = timegm(&day);
  for (int d = 0; d < 5 * 366; ++d, first_minute = 0) {
    std::time_t ds = day_start + static_cast<std::time_t>(d) * 86400;
    std::tm tm{};
    gmtime_r(&ds, &tm);
    bool date_ok = Allows(c.year, tm.tm_year + 1900) &&
                   Allows(c.month, tm.tm_mon + 1) &&
                   (c.dom.question ? Allows(c.dow, tm.tm_wday + 1)
                                   : Allows(c.dom, tm.tm_mday));
    if (!date_ok) continue;
    for (int m = first_minute; m < 24 * 60; ++m) {
      if (Allows(c.hour, m / 60) && Allows(c.minute, m % 60))
        return static_cast<double>(ds + m * 60);
    }
  }
  return 0;
}

}  // namespace

Status ValidateRotationRules(const RotationRules& rules) {
  if (rules.automatically_after_days != 0 &&
      (rules.automatically_after_days < 1 ||
       rules.automatically_after_days > 1000)) {
    return BadSchedule(
        "RotationRules.AutomaticallyAfterDays must be within 1-1000.");
  }
  const std::string& expr = rules.schedule_expression;
  if (rules.automatically_after_days != 0 && !expr.empty()) {
    return BadSchedule(
        "You can't specify both AutomaticallyAfterDays and "
        "ScheduleExpression.");
  }
  if (expr.size() > 256) {
    return ApiFailure(Msg::kValidation,
                      {"rotationRules.scheduleExpression",
                       "Member must have length less than or equal to 256"});
  }
  if (!expr.empty()) {
    if (auto rate = ParseRate(expr)) {
      if (rate->days && (rate->n < 1 || rate->n > 1000))
        return BadSchedule("rate() in days must be between 1 and 1000.");
      if (!rate->days && (rate->n < 4 || rate->n > 23))
        return BadSchedule(
            "rate() in hours must be between 4 and 23 (Secrets Manager "
            "rotates at most every four hours).");
    } else if (!ParseCron(expr)) {
      return BadSchedule(
          "ScheduleExpression must be rate(N days), rate(N hours) or a "
          "cron() expression with six fields (minutes hours day-of-month "
          "month day-of-week year) and '?' in one day field; keyward does "
          "not support L, W and #.");
    }
  }
  if (!rules.duration.empty()) {
    const std::string& d = rules.duration;
    int n = 0;
    bool ok = d.size() >= 2 && d.size() <= 3 && d.back() == 'h';
    for (std::size_t i = 0; ok && i + 1 < d.size(); ++i) {
      ok = std::isdigit(static_cast<unsigned char>(d[i])) != 0;
      n = n * 10 + (d[i] - '0');
    }
    if (!ok || n < 1 || n > 24)
      return BadSchedule("Duration must be between 1h and 24h, e.g. 3h.");
    if (rules.automatically_after_days == 0 && expr.empty())
      return BadSchedule("Duration needs a ScheduleExpression.");
  }
  return OkStatus();
}

double NextRotationWindow(const RotationRules& rules, double after,
                          double day_seconds) {
  auto days_later = [&](std::int64_t n) {
    return (std::floor(after / day_seconds) + static_cast<double>(n)) *
           day_seconds;
  };
  if (rules.automatically_after_days > 0)
    return days_later(rules.automatically_after_days);
  if (auto rate = ParseRate(rules.schedule_expression)) {
    if (rate->days) return days_later(rate->n);
    return after +
           static_cast<double>(rate->n) * kHour * (day_seconds / 86400.0);
  }
  if (auto cron = ParseCron(rules.schedule_expression)) {
    return NextCron(*cron, after);
  }
  return 0;
}

std::string RotationEventJson(const RotationEvent& e) {
  nlohmann::json j{{"Step", e.step},
                   {"SecretId", e.secret_id},
                   {"ClientRequestToken", e.client_request_token}};
  if (!e.rotation_token.empty()) j["RotationToken"] = e.rotation_token;
  return j.dump();
}

namespace {

class CommandHook : public RotationHook {
 public:
  explicit CommandHook(CommandHookOptions o) : o_(std::move(o)) {
    if (!o_.run) o_.run = RunProcessWithIo;
    static constexpr std::string_view kDropped[] = {
        "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
        "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
        "AWS_REGION=",        "AWS_DEFAULT_REGION="};
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      bool drop = false;
      for (auto prefix : kDropped) drop |= entry.starts_with(prefix);
      for (const auto& mine : o_.env) {
        auto eq = mine.find('=');
        drop |=
            entry.substr(0, eq + 1) == std::string_view(mine).substr(0, eq + 1);
      }
      if (!drop) base_env_.emplace_back(entry);
    }
    base_env_.insert(base_env_.end(), o_.env.begin(), o_.env.end());
  }

  Status Run(const RotationEvent& event) override {
    ProcessRequest req;
    req.argv = o_.argv;
    req.timeout = o_.timeout;
    ProcessIo io;
    io.stdin_data = RotationEventJson(event);
    io.env = base_env_;
    io.env.push_back("AWS_REGION=" + event.region);
    io.env.push_back("AWS_DEFAULT_REGION=" + event.region);
    StatusOr<ProcessResult> r = o_.run(req, io);
    std::string step = "the rotation hook's " + event.step + " step";
    if (!r.ok()) {
      return Status(r.status().code(), step + ": " + r.status().message());
    }
    if (r->term_signal != 0) {
      return UnavailableError(step + " was killed by signal " +
                              std::to_string(r->term_signal));
    }
    if (r->exit_code != 0) {
      return UnavailableError(step + " exited with status " +
                              std::to_string(r->exit_code));
    }
    return OkStatus();
  }

 private:
  CommandHookOptions o_;
  std::vector<std::string> base_env_;
};

}  // namespace

std::unique_ptr<RotationHook> CommandRotationHook(CommandHookOptions options) {
  return std::make_unique<CommandHook>(std::move(options));
}

}  // namespace keyward::server
