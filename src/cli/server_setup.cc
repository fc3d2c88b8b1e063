#include "cli/server_setup.h"

#include <algorithm>
#include <exception>

#include "keyward/server/auth.h"

namespace keyward::cli {

StatusOr<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return InvalidArgumentError("--listen expects HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return InvalidArgumentError("--listen: bad port in " + listen);
  }
  if (port < 0 || port > 65535)
    return InvalidArgumentError("--listen: bad port in " + listen);
  return std::make_pair(host, port);
}

StatusOr<std::pair<std::vector<std::string>, std::string>> Regions(
    const ServerFlags& f, const std::string& global_region) {
  std::vector<std::string> regions;
  for (const auto& spec : f.regions) {
    std::size_t start = 0;
    while (start <= spec.size()) {
      std::size_t comma = spec.find(',', start);
      std::string r =
          spec.substr(start, comma == std::string::npos ? std::string::npos
                                                        : comma - start);
      start = comma == std::string::npos ? spec.size() + 1 : comma + 1;
      if (r.empty()) continue;
      if (!server::IsPartitionRegion(r)) {
        return InvalidArgumentError("--region " + r +
                                    ": not a region of the aws partition "
                                    "(e.g. us-east-1, eu-central-1)");
      }
      if (std::find(regions.begin(), regions.end(), r) == regions.end())
        regions.push_back(r);
    }
  }
  std::string fallback = global_region.empty() ? "us-east-1" : global_region;
  std::string def = regions.empty() ? fallback : regions.front();
  return std::make_pair(regions, def);
}

std::string DirName(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

StatusOr<ServerPlan> PlanServer(const ServerFlags& f,
                                const std::string& global_region) {
  ServerPlan p;
  KW_ASSIGN_OR_RETURN(auto regions, Regions(f, global_region));
  p.regions = std::move(regions.first);
  p.region = std::move(regions.second);
  KW_ASSIGN_OR_RETURN(auto listen, ParseListen(f.listen));
  p.host = std::move(listen.first);
  p.port = listen.second;
  p.dir = DirName(f.store);
  p.key_file = f.key_file.empty() ? f.store + ".key" : f.key_file;
  p.creds_path = f.credentials.empty() ? p.dir + "/credentials" : f.credentials;
  return p;
}

std::string ClientEnvironment(const ServerPlan& plan,
                              const std::string& endpoint,
                              const std::string& profile) {
  std::string env = "export AWS_ENDPOINT_URL=" + endpoint +
                    "\nexport AWS_REGION=" + plan.region +
                    "\nexport AWS_DEFAULT_REGION=" + plan.region +
                    "\nexport AWS_SHARED_CREDENTIALS_FILE=" + plan.creds_path +
                    "\n";
  if (!profile.empty()) env += "export AWS_PROFILE=" + profile + "\n";
  return env;
}

}  // namespace keyward::cli
