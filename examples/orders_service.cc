// orders-service: a minimal service that reads its secrets the way every
// application should, through the Secret Config Module.
//
//   orders-service --once     load, print a masked summary, exit 0
//   orders-service            keep running: log refreshes and health
//
// Configuration is the AWS SDKs': AWS_REGION, AWS_ENDPOINT_URL (e.g. a
// `keyward server` or moto endpoint), AWS_PROFILE / AWS_ACCESS_KEY_ID ...
// It never prints a secret value: only lengths and non-secret settings.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>

#include "keyward/secret_config.h"

namespace {

constexpr char kDb[] = "platform-data/postgres/orders";
constexpr char kDbInstance[] = "platform-config/postgres/platform-postgres";
constexpr char kStripe[] = "platform-data/stripe/orders";

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

// "postgres: orders@db.internal:5432 (password: 24 chars)". Username, host
// and port are connection settings, not secrets; the password only shows
// its length.
keyward::Status PrintSummary(const keyward::SecretConfig& config) {
  KW_ASSIGN_OR_RETURN(keyward::Secret db, config.Get(kDb));
  KW_ASSIGN_OR_RETURN(keyward::Secret instance, config.Get(kDbInstance));
  KW_ASSIGN_OR_RETURN(keyward::SecretValue user, db.Property("username"));
  KW_ASSIGN_OR_RETURN(keyward::SecretValue password, db.Property("password"));
  KW_ASSIGN_OR_RETURN(keyward::SecretValue host, instance.Property("host"));
  KW_ASSIGN_OR_RETURN(int port, instance.Port());
  KW_ASSIGN_OR_RETURN(keyward::SecretValue token,
                      config.Property(kStripe, "token"));
  std::cout << "postgres: " << user.Reveal() << "@" << host.Reveal() << ":"
            << port << " (password: " << password.size() << " chars, version "
            << db.version_id() << ")\n"
            << "stripe:   token " << token.size() << " chars\n";
  return keyward::OkStatus();
}

std::string Ago(keyward::Clock::duration d) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::seconds>(d).count()) +
         "s";
}

}  // namespace

int main(int argc, char** argv) {
  bool once = false;
  int health_every_s = 60;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--once") == 0) {
      once = true;
    } else if (std::strcmp(argv[i], "--health-interval") == 0 && i + 1 < argc) {
      health_every_s = std::max(1, std::atoi(argv[++i]));
    } else {
      std::cerr
          << "usage: orders-service [--once] [--health-interval SECONDS]\n";
      return 2;
    }
  }

  keyward::SecretConfigOptions options;
  options.cache.log = [](keyward::SecretCacheOptions::LogLevel level,
                         std::string_view m) {
    const char* tag =
        level == keyward::SecretCacheOptions::LogLevel::kInfo ? "info" : "warn";
    std::cerr << "orders-service: " << tag << ": " << m << "\n";
  };
  auto loaded = keyward::SecretConfig::Load(
      {
          keyward::SecretSpec::Required(kDb, {"username", "password"}),
          keyward::SecretSpec::Required(kDbInstance, {"host", "port"}),
          keyward::SecretSpec::Required(kStripe, {"token"}),
      },
      std::move(options));
  if (!loaded.ok()) {
    std::cerr << "orders-service: cannot start: " << loaded.status() << "\n";
    return 1;
  }
  std::unique_ptr<keyward::SecretConfig> config = std::move(*loaded);
  keyward::SecretCacheStats stats = config->Stats();
  std::cout << "orders-service: loaded 3 secrets with "
            << stats.batch_get_secret_value_calls + stats.get_secret_value_calls
            << " request(s)\n";
  if (keyward::Status s = PrintSummary(*config); !s.ok()) {
    std::cerr << "orders-service: " << s << "\n";
    return 1;
  }
  if (once) return 0;

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  config->OnChange([](const keyward::SecretChange& c) {
    std::cerr << "orders-service: " << c.name << " rotated: version "
              << (c.old_version_id.empty() ? "(none)" : c.old_version_id)
              << " -> " << c.secret.version_id() << " ("
              << c.secret.value().size() << " bytes)\n";
  });
  auto last_health = std::chrono::steady_clock::now();
  while (!g_stop) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(200));  // stand-in for serving requests
    if (std::chrono::steady_clock::now() - last_health <
        std::chrono::seconds(health_every_s)) {
      continue;
    }
    last_health = std::chrono::steady_clock::now();
    for (const keyward::SecretHealth& h : config->Health()) {
      std::cerr << "orders-service: health " << h.name << " version "
                << h.version_id << (h.serving ? " serving" : " NOT SERVING")
                << " age " << Ago(h.age) << " refreshes " << h.refreshes
                << (h.last_error.ok()
                        ? ""
                        : " last_error " + h.last_error.ToString())
                << "\n";
    }
  }
  std::cerr << "orders-service: stopping\n";
  return 0;
}
